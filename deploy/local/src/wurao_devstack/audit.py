"""What must hold after any run (`make load`, `make chaos`), read from the sources of truth.

- Every backlog drains within a bound: no outbox row left in any service's database, no rectification task
  whose reminder or escalation is due and unsent, no JetStream consumer with pending or unacknowledged events.
- No committed event is missing from a read model and none is applied twice: reporting's counted visits per
  unit equal inspection's visit rows (PostgreSQL), and every finding inspection committed has exactly one
  rectification task. Every reminder is sent once: each reminder rectification recorded (one per task and
  deadline: an approved extension's deadline has its own) has exactly one reminder event in the stream.
- No cap is exceeded: counted visit rows per unit and item stay within the item's cap, per unit and level and
  per unit across levels within the cap policy in force.
- Every event in the stream keeps the feed's contract: it validates against its type's schema in
  docs/events/schemas (as every event the test suite sees does).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field

import asyncpg
import httpx
from nats.errors import TimeoutError as NatsTimeout

from wurao_common import db
from wurao_common.auth import Role
from wurao_common.bus.contract import Conformance
from wurao_common.bus.envelope import STREAM, SUBJECT_ROOT, Event
from wurao_common.bus.nats import connect
from wurao_devstack.stack import REPO, SERVICES, Stack

SCHEMAS = REPO / "docs" / "events" / "schemas"

UNIT_FIGURES = "query($u: ID!, $y: Int!) { unitFigures(unitId: $u, year: $y) { visits } }"


@dataclass
class Audit:
    drained_in: float | None = None  # seconds, None when the bound passed first
    backlog: list[str] = field(default_factory=list)  # what was still pending at the bound
    problems: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.drained_in is not None and not self.problems

    def report(self, bound: float) -> str:
        drained = (
            f"drained in {self.drained_in:.1f} s (bound {bound:.0f} s)"
            if self.drained_in is not None
            else f"NOT drained within {bound:.0f} s: {'; '.join(self.backlog)}"
        )
        lines = [f"  backlog: {drained}"]
        lines += [f"  {name:<34} {value}" for name, value in self.figures.items()]
        lines += [f"  PROBLEM: {problem}" for problem in self.problems] or ["  invariants: all hold"]
        return "\n".join(lines)


def _url(stack: Stack, service: str) -> str:
    return db.database_url(stack.server_urls["DATABASE_URL"], f"wurao_{service}")


async def backlog(stack: Stack) -> list[str]:
    """What is still on its way: outbox rows per service, pending or unacknowledged events per consumer."""
    pending = []
    for service in SERVICES:
        conn = await asyncpg.connect(_url(stack, service), timeout=5)
        try:
            if rows := await conn.fetchval("SELECT count(*) FROM outbox"):
                pending.append(f"{service} outbox {rows}")
            if service == "rectification" and (
                due := await conn.fetchval("SELECT count(*) FROM tasks WHERE next_notice_at <= now()")
            ):
                pending.append(f"rectification notices due {due}")
        finally:
            await conn.close()
    nc = await connect(stack.bus_settings(), name="audit")
    try:
        for info in await nc.jetstream().consumers_info(STREAM):
            if info.num_pending or info.num_ack_pending:
                pending.append(f"{info.name} pending {info.num_pending} unacked {info.num_ack_pending}")
    finally:
        await nc.close()
    return pending


async def drain(stack: Stack, *, bound: float, since: float | None = None) -> Audit:
    """Waits until nothing is on its way, at most until `bound` seconds after `since` (a `time.monotonic()`,
    by default now); the Audit says how long after `since` that was."""
    audit = Audit()
    started = time.monotonic() if since is None else since
    while True:
        try:
            audit.backlog = await backlog(stack)
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            audit.backlog = [f"not reachable yet: {type(error).__name__}"]
        if not audit.backlog:
            audit.drained_in = time.monotonic() - started
            return audit
        if time.monotonic() - started > bound:
            return audit
        await asyncio.sleep(0.5)


async def check(stack: Stack, audit: Audit, *, units: list[str], year: int) -> Audit:
    """Compares the read models with the sources of truth and checks every cap; adds figures and problems."""
    inspection = await asyncpg.connect(_url(stack, "inspection"))
    rectification = await asyncpg.connect(_url(stack, "rectification"))
    try:
        visits = dict(
            await inspection.fetch(
                "SELECT unit_id, count(*) FROM visits WHERE counted AND period_year = $1 GROUP BY unit_id", year
            )
        )
        findings = {row["id"] for row in await inspection.fetch("SELECT id::text FROM findings")}
        tasks = [row["finding_id"] for row in await rectification.fetch("SELECT finding_id FROM tasks")]
        over_item = await inspection.fetch(
            """SELECT v.unit_id, v.item_id, count(*) AS n, i.per_unit_cap FROM visits v JOIN items i ON i.id = v.item_id
               WHERE v.counted GROUP BY v.unit_id, v.item_id, i.per_unit_cap HAVING count(*) > i.per_unit_cap"""
        )
        policy = await inspection.fetchrow("SELECT * FROM cap_policies ORDER BY version DESC LIMIT 1")
        by_level = await inspection.fetch(
            """SELECT unit_id, office_level, period_year, count(*) AS n FROM visits WHERE counted
               GROUP BY unit_id, office_level, period_year"""
        )
        across = await inspection.fetch(
            "SELECT unit_id, period_year, count(*) AS n FROM visits WHERE counted GROUP BY unit_id, period_year"
        )
        audit.figures["visit rows (all)"] = await inspection.fetchval("SELECT count(*) FROM visits")
        recorded = {  # a reminder is once per task and deadline (an approved extension's deadline has its own)
            (str(row["task_id"]), row["deadline"].isoformat())
            for row in await rectification.fetch("SELECT task_id, deadline FROM task_notices WHERE level = 0")
        }
    finally:
        await inspection.close()
        await rectification.close()
    stream = await _events(stack)
    audit.figures["events in the stream"] = len(stream)
    audit.figures["counted visits this year"] = sum(visits.values())
    audit.figures["findings"] = len(findings)
    audit.figures["rectification tasks"] = len(tasks)
    audit.figures["reminders sent"] = len(recorded)
    # the reminder events' ids by task and deadline (a republish keeps its id)
    reminded: dict[tuple[str, str], set[str]] = defaultdict(set)
    contract = Conformance(SCHEMAS)
    for raw in stream:
        contract.check(raw)
        with contextlib.suppress(ValueError, KeyError, TypeError):  # not an event at all: the contract names it
            event = Event.from_json(raw)
            if event.type == "rectification.task.reminded":
                reminded[event.data["taskId"], event.data["deadline"]].add(event.id)
    audit.figures["events checked against schemas"] = sum(contract.checked.values())
    audit.problems += [f"{count} events break the contract: {problem}" for problem, count in contract.problems.items()]
    for (task_id, deadline), events in reminded.items():
        if len(events) > 1:
            audit.problems.append(f"task {task_id} reminded {len(events)} times of its deadline {deadline}")
    if unsent := recorded - set(reminded):
        audit.problems.append(f"{len(unsent)} reminders recorded but never on the bus, e.g. {sorted(unsent)[:3]}")

    told = await _reporting_visits(stack, units, year)
    for unit_id in sorted(set(units) | set(visits)):
        counted, held = told.get(unit_id, 0), visits.get(unit_id, 0)
        if counted != held:
            audit.problems.append(f"reporting counts {counted} visits of {unit_id}, inspection holds {held} rows")
    if missing := findings - set(tasks):
        audit.problems.append(f"{len(missing)} findings without a rectification task, e.g. {sorted(missing)[:3]}")
    if len(tasks) != len(set(tasks)):
        audit.problems.append("a finding opened two rectification tasks")
    for row in over_item:
        audit.problems.append(
            f"{row['unit_id']} visited {row['n']} times for item {row['item_id']} (cap {row['per_unit_cap']})"
        )
    if policy is not None:
        level_caps = _json(policy["per_level_per_year"])
        for row in by_level:
            cap = level_caps.get(row["office_level"])
            if cap is not None and row["n"] > cap:
                audit.problems.append(
                    f"{row['unit_id']}: {row['n']} {row['office_level']} visits in {row['period_year']} (cap {cap})"
                )
        cap = policy["across_levels_per_year"]
        for row in across:
            if row["n"] > cap:
                audit.problems.append(f"{row['unit_id']}: {row['n']} visits in {row['period_year']} (cap {cap})")
    return audit


def _json(value) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value)


async def _events(stack: Stack) -> list[bytes]:
    """Every event in the stream, as it was published, read by the operator through an ephemeral consumer."""
    events: list[bytes] = []
    nc = await connect(stack.bus_settings(), name="audit")
    try:
        pull = await nc.jetstream().pull_subscribe(f"{SUBJECT_ROOT}.>", stream=STREAM)
        while True:
            try:
                messages = await pull.fetch(500, timeout=1)
            except NatsTimeout:
                break
            events += [message.data for message in messages]
            for message in messages:
                await message.ack()
        await pull.unsubscribe()
    finally:
        await nc.close()
    return events


async def _reporting_visits(stack: Stack, units: list[str], year: int) -> dict[str, int]:
    """Reporting's counted visits per unit, asked through the gateway as any client would."""
    token = stack.keys.token(Role.OBSERVER, "43", subject="audit")
    told = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for unit_id in units:
            response = await client.post(
                stack.gateway_url,
                json={"query": UNIT_FIGURES, "variables": {"u": unit_id, "y": year}},
                headers={"authorization": f"Bearer {token}"},
            )
            figures = (response.json().get("data") or {}).get("unitFigures")
            told[unit_id] = figures["visits"] if figures else 0
    return told
