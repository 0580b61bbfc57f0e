"""Reporting (issue 7): the event pipeline's rate beside raw JetStream publishing, commit → figure delay at a
steady rate, and province-wide figures on Hunan-scale data beside a one-office read, through the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gzip
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from importlib.resources import files

import asyncpg

from wurao_common import db
from wurao_common.auth import Role
from wurao_common.bus import outbox
from wurao_common.bus.envelope import Event
from wurao_common.bus.nats import connect
from wurao_common.bus.outbox import OutboxRelay
from wurao_common.service import BUS_MIGRATIONS
from wurao_devstack.bench.fast_paths import OFFICE_IDS, OFFICE_QUERY
from wurao_devstack.bench.load import GraphQLWorker, Result, run
from wurao_devstack.stack import Stack, cpu_seconds, tree_cpu_seconds
from wurao_reporting.adapters.changes import FIGURES_CHANGED, notify, regions_of
from wurao_reporting.domain import tallies
from wurao_reporting.usecases.effects import Effects

BENCH_CITY = "4398"  # no seeded region: the pipeline's events touch no figure the demo shows
RATE = 500  # events per second for the delay measurement


def _visit(village: str, at: datetime, *, counted: bool = True, office: str = f"{BENCH_CITY}01-dcs") -> Event:
    data = {
        "visitId": str(uuid.uuid4()),
        "itemId": str(uuid.uuid4()),
        "codeNumber": "XD439801-26-00001",
        "officeId": office,
        "officeLevel": "county",
        "officeRegion": office.split("-")[0],
        "unitId": f"{village}-cwh",
        "unitRegion": village,
        "inspectedAt": at.isoformat(),
        "registeredAt": at.isoformat(),
        "year": at.year,
        "counted": counted,
        "registration": "on_site",
        "late": False,
    }
    return Event(type="inspection.visit.checked_in", region=village, data=data)


def _villages(count: int) -> list[str]:
    """Distinct made-up village codes under the bench city: each event's figure change is told apart by it."""
    base = random.randrange(10**7)  # noqa: S311 (not a secret)
    return [f"{BENCH_CITY}{(base + n) % 10**8:08d}" for n in range(count)]


class _Figures:
    """Hears reporting's commits: every applied event NOTIFYs its region on commit, so a notification's arrival
    is the moment the changed figure became readable."""

    def __init__(self, reporting_url: str):
        self._url = reporting_url
        self.seen: dict[str, float] = {}
        self.wanted: set[str] = set()
        self.complete = asyncio.Event()

    async def __aenter__(self) -> _Figures:
        self._conn = await asyncpg.connect(self._url)
        await self._conn.add_listener(FIGURES_CHANGED, self._heard)
        return self

    async def __aexit__(self, *_exc) -> None:
        await self._conn.close()

    def _heard(self, _conn, _pid, _channel, payload: str) -> None:
        now = time.perf_counter()
        for region in regions_of(payload):
            if region in self.wanted and region not in self.seen:
                self.seen[region] = now
        if len(self.seen) == len(self.wanted):
            self.complete.set()


async def _producer(stack: Stack) -> asyncpg.Pool:
    """A database standing for a producing service: the bus tables, its own outbox."""
    url = await db.ensure_database(stack.server_urls["DATABASE_URL"], f"bench_producer_{uuid.uuid4().hex[:8]}")
    pool = await db.create_pool(url, max_size=8)
    await db.migrate(pool, {"bus": BUS_MIGRATIONS})
    return pool


def _reporting_db(stack: Stack) -> str:
    base = stack.server_urls["DATABASE_URL"]
    return db.database_url(base, "wurao_reporting")


def _rate_line(name: str, count: int, seconds: float, baseline: float | None) -> str:
    rate = count / seconds
    ratio = f"{rate / baseline:6.2f}x" if baseline else "  base "
    return f"  {name:<44} {rate:8.0f} ev/s   {count} events in {seconds:5.2f} s{'':17}{ratio}"


def _cpu_now(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of what carries the pipeline: reporting, the servers, this process (relay, listener)."""
    used = {"reporting": cpu_seconds(stack.processes["reporting"]) or 0.0}
    used |= {server.name: tree_cpu_seconds(server.process.pid) for server in stack.servers if server.name != "redis"}
    return used | {"relay and listener (bench)": time.process_time()}


async def pipeline(stack: Stack, *, seconds: float, concurrency: int) -> None:
    """Events per second: raw JetStream publish_async, and outbox → relay → JetStream → reporting's read model."""
    count = max(10_000, int(seconds * 2500))  # long enough to be sustained, not one burst
    nc = await connect(stack.bus_settings(), name="bench")  # the operator: it plays every producer
    js = nc.jetstream()
    now = datetime.now(UTC)
    raw = [_visit(village, now) for village in _villages(count)]
    started = time.perf_counter()
    for event in raw:  # not a subject reporting consumes: the same bytes, stored and acknowledged, nothing more
        subject = event.nats_subject.replace("inspection.visit.checked_in", "bench.raw.published")
        await js.publish_async(subject, event.to_json(), headers={"Nats-Msg-Id": event.id})
    await js.publish_async_completed()
    raw_seconds = time.perf_counter() - started
    print(_rate_line("raw publish_async (JetStream)", count, raw_seconds, None))

    producer = await _producer(stack)
    events = [_visit(village, now) for village in _villages(count)]
    async with _Figures(_reporting_db(stack)) as figures:
        figures.wanted = {event.region for event in events}
        async with producer.acquire() as conn, conn.transaction():  # committed before the clock starts
            for event in events:
                await outbox.record(conn, event)
        relay = OutboxRelay(producer, nc)
        before = _cpu_now(stack)
        started = time.perf_counter()
        await relay.start()
        try:
            await asyncio.wait_for(figures.complete.wait(), timeout=600)
        finally:
            await relay.stop()
        elapsed = time.perf_counter() - started
        after = _cpu_now(stack)
    print(_rate_line("outbox → relay → NATS → read model", count, elapsed, count / raw_seconds))
    spent = {name: 1e6 * (after[name] - before[name]) / count for name in before}
    print(
        f"  cpu per event {sum(spent.values()):5.0f} µs: "
        + ", ".join(f"{name} {value:.0f}" for name, value in spent.items())
    )
    await producer.close()
    await nc.drain()


async def figure_delay(stack: Stack, *, seconds: float, concurrency: int) -> None:
    """Commit → figure delay at a steady 500 events/s, each committed in its own transaction."""
    nc = await connect(stack.bus_settings(), name="bench")  # the operator: it plays every producer
    producer = await _producer(stack)
    relay = OutboxRelay(producer, nc)
    await relay.start()
    total = int(seconds * RATE)
    events = [_visit(village, datetime.now(UTC)) for village in _villages(total)]
    committed: dict[str, float] = {}
    async with _Figures(_reporting_db(stack)) as figures:
        figures.wanted = {event.region for event in events}

        async def commit(event: Event) -> None:
            async with producer.acquire() as conn, conn.transaction():
                await outbox.record(conn, event)
            committed[event.region] = time.perf_counter()

        started = time.perf_counter()
        pending = set()
        for n, event in enumerate(events):  # on an absolute schedule: a slow commit does not slow the rate
            await asyncio.sleep(max(0.0, started + n / RATE - time.perf_counter()))
            task = asyncio.create_task(commit(event))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        achieved = total / (time.perf_counter() - started)
        with contextlib.suppress(TimeoutError):  # what is still unseen after a minute is reported as such
            await asyncio.wait_for(figures.complete.wait(), timeout=60)
        delays = [figures.seen[region] - committed[region] for region in figures.seen if region in committed]
    await relay.stop()
    await producer.close()
    await nc.drain()
    result = Result(f"commit → figure at {achieved:.0f} events/s", len(delays), total - len(delays), 1.0, delays)
    print(
        f"  {result.name:<44} p50 {result.percentile(0.5):7.2f} ms  p99 {result.percentile(0.99):7.2f} ms  "
        f"max {max(delays) * 1000:7.2f} ms  events {total}, unseen {total - len(delays)}"
    )


# Hunan at scale: real village codes, 150,000 visits a year over two years, tallied by reporting's own rules.
VISITS_PER_YEAR = 150_000
YEARS = (2025, 2026)
TASK_COLUMNS = [
    "task_id",
    "item_id",
    "office_id",
    "unit_id",
    "region",
    "year",
    "month",
    "opened_at",
    "deadline",
    "closed_at",
]
REGION_FIGURES = """query($region: String!, $year: Int!) { regionFigures(region: $region, year: $year) {
  visits changeFromLastYear changePercentFromLastYear
  wholeYear { visits { counted { value change } exempt { value } emergency { value } }
              refusals { total { value } } findings { total { value } }
              rectification { opened { value } stillOpen { value } overdue { value } } }
  months { period visits { counted { value } } } } }"""


def _hunan_villages() -> list[str]:
    table = files("wurao_plan") / "seed" / "hunan_regions.tsv.gz"
    with gzip.open(table.open("rb"), "rt", encoding="utf-8") as rows:
        return [line.split("\t", 1)[0] for line in rows if len(line.split("\t", 1)[0]) == 12]


def _hunan_figures() -> tuple[Effects, list[tuple]]:
    """What 300,000 visits, their refusals and findings, and a rectification task for each finding add up to, by
    reporting's tally rules: the figures and open tasks (as `Effects` gathers them), and the tasks' rows."""
    rng = random.Random(7)  # noqa: S311 (reproducible data, not a secret)
    villages = _hunan_villages()
    effects, tasks = Effects(), []
    now = datetime.now(UTC)
    for year in YEARS:
        start = datetime(year, 1, 1, tzinfo=UTC)
        for _ in range(VISITS_PER_YEAR):
            village = rng.choice(villages)
            at = start + timedelta(seconds=rng.randrange(365 * 24 * 3600))
            office = rng.choice((f"{village[:6]}-dcs", f"{village[:4]}-dcs", "43-dcs"))
            tally = tallies.visit(_visit(village, at, counted=rng.random() > 0.1, office=office).data)
            extra = {}
            if rng.random() < 0.03:
                extra[f"refusals.{rng.choice(tallies.REFUSAL_REASONS)}"] = 1
            if rng.random() < 0.08:
                extra[f"findings.{rng.choice(tallies.SEVERITIES)}"] = 1
                tasks.append(_rectified(rng, effects, village, office, at, now))
            effects.count(dataclasses.replace(tally, metrics={**tally.metrics, **extra}))
    return effects, tasks


def _rectified(rng: random.Random, effects: Effects, village: str, office: str, at: datetime, now: datetime) -> tuple:
    """A finding's task, due in 30 days; nine in ten are closed 5 to 60 days after it opened (if that has come)."""
    unit, deadline = f"{village}-cwh", (at + timedelta(days=30)).date()
    opened = tallies.task_opened({"unitRegion": village, "officeId": office, "responsibleUnitId": unit}, at)
    effects.count(opened)
    closed_at = at + timedelta(days=rng.randrange(5, 60)) if rng.random() < 0.9 else None
    if closed_at is not None and closed_at < now:
        on_time = closed_at.date() <= deadline
        data = {"onTime": on_time, "officeId": office, "responsibleUnitId": unit}
        effects.count(tallies.task_closed(data, at=closed_at, region=village, opened_at=at))
    else:
        closed_at = None
        still = tallies.open_task(month=opened.month, region=village, office_id=office, unit_id=unit)
        effects.count_open(still, deadline, 1, awaiting_verification=False)  # never submitted here
    month = opened.month
    return (
        str(uuid.uuid4()),
        str(uuid.uuid4()),
        office,
        unit,
        village,
        month.year,
        month.month,
        at,
        deadline,
        closed_at,
    )


async def _add_up(conn: asyncpg.Connection, table: str, key: list[str], value: str, rows: list[tuple]) -> None:
    """Adds `rows` (key columns, then the value) to what `table` holds already (the demo's own figures)."""
    await conn.execute(f"CREATE TEMP TABLE hunan (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
    await conn.copy_records_to_table("hunan", records=rows, columns=[*key, value])
    await conn.execute(
        f"""INSERT INTO {table} SELECT * FROM hunan ON CONFLICT ({", ".join(key)})
            DO UPDATE SET {value} = {table}.{value} + excluded.{value}"""
    )
    await conn.execute("DROP TABLE hunan")


async def _load_hunan(stack: Stack) -> tuple[int, int, int]:
    """Figure rows, tasks and tasks still open loaded."""
    effects, tasks = await asyncio.to_thread(_hunan_figures)
    conn = await asyncpg.connect(_reporting_db(stack))
    try:
        async with conn.transaction():
            figures = [(*key, value) for key, value in effects.sums.items()]
            await _add_up(conn, "figures", ["scope_kind", "scope_id", "year", "month", "metric"], "value", figures)
            still_open = [(*key, count) for key, count in effects.open_tasks.items()]
            await _add_up(
                conn, "open_tasks", ["scope_kind", "scope_id", "year", "month", "deadline"], "tasks", still_open
            )
            await conn.copy_records_to_table("tasks", records=tasks, columns=TASK_COLUMNS)
            await notify(conn, sorted(effects.changed))  # replicas forget the figures they held
    finally:
        await conn.close()
    return len(effects.sums), len(tasks), sum(1 for task in tasks if task[-1] is None)


async def hunan_figures(stack: Stack, *, seconds: float, concurrency: int) -> None:
    """Province-wide regionFigures on Hunan-scale data beside a one-office read, both through the gateway."""
    started = time.perf_counter()
    rows, tasks, still_open = await _load_hunan(stack)
    print(
        f"  generated {len(YEARS) * VISITS_PER_YEAR} visits over {len(_hunan_villages())} villages "
        f"({rows} figure rows; {tasks} rectification tasks, {still_open} still open) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    callers = [
        {"authorization": f"Bearer {stack.keys.token(Role.OBSERVER, '43', subject=f'auditor-{n}')}"} for n in range(200)
    ]

    def worker(query: str, variables, ok):
        return lambda: GraphQLWorker(stack.gateway_url, query, variables, lambda n: callers[n % len(callers)], ok=ok)

    def watched(service: str):  # the subgraph answering and the gateway
        return {f"{service} ": stack.processes[service], "gateway ": stack.processes["gateway"]}

    office = await run(
        "one-office read, through the gateway",
        worker(OFFICE_QUERY, lambda n: {"id": OFFICE_IDS[n % len(OFFICE_IDS)]}, lambda d: d.get("office") is not None),
        concurrency=concurrency,
        seconds=seconds,
        watched=watched("plan"),
    )
    print(f"{office.line()}  {office.cpu_per_request()}")
    province = await run(
        "province regionFigures, through the gateway",
        worker(
            REGION_FIGURES,
            lambda n: {"region": "43", "year": YEARS[n % 2]},
            lambda d: (d.get("regionFigures") or {}).get("visits", 0) > 0,
        ),
        concurrency=concurrency,
        seconds=seconds,
        watched=watched("reporting"),
    )
    print(f"{province.line(office)}  {province.cpu_per_request()}")
    print(
        f"  p50 ratio province/office {province.percentile(0.5) / office.percentile(0.5):.2f}, "
        f"p99 ratio {province.percentile(0.99) / office.percentile(0.99):.2f} (goal: within 3x)"
    )
