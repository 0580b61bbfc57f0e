"""Mixed traffic through the gateway for `make load` and `make chaos`: simulated users reading, scanning, checking
in and recording findings across the demo units and generated ones, each request from a varied caller.

`prepare` arranges the world through the API (coded items, registered units, tokens); `Traffic.run` drives
`users` closed-loop users, each waiting a random think time between requests, and keeps per-operation
latencies, errors and outcomes. Errors (non-200, GraphQL errors, timeouts, refused connections) are counted,
never raised: under faults they are expected, and the invariants afterwards say whether anything was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from wurao_common.auth import Role
from wurao_devstack.bench.http import Connection
from wurao_devstack.stack import Stack

CHINA = ZoneInfo("Asia/Shanghai")  # periods and deadlines are China dates
SUPERVISOR, BUREAU, COUNTY, TOWN = "431024-dcs", "431024-yjj", "431024", "431024106"
DEMO_UNITS = (("431024106201-cwh", "431024106201"),)
VILLAGES = ("431024106201",)
REQUEST_TIMEOUT = 10.0

READ_OFFICE = "query($id: ID!) { office(id: $id) { name region plans { year status } load { plansDrafted } } }"
FIGURES = "query($r: String!, $y: Int!) { regionFigures(region: $r, year: $y) { visits changeFromLastYear } }"
UNIT_FIGURES = "query($u: ID!, $y: Int!) { unitFigures(unitId: $u, year: $y) { visits } }"
VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"
CHECK_IN = (
    "mutation($code: String!, $r: String) { checkIn(code: $code, requestId: $r) { __typename ... on Visit { id } } }"
)
FINDING = """mutation($visit: ID!, $unit: ID!, $deadline: Date!, $r: String) {
  recordFinding(input: {visitId: $visit, severity: LOW, responsibleUnitId: $unit, description: "台账与现场不符",
                        proposedDeadline: $deadline}, requestId: $r) { __typename } }"""

# Operation weights: reads 70%, scans and check-ins 30% (a finding follows some admitted visits).
MIX = {"read-office": 35, "region-figures": 20, "unit-figures": 15, "scan": 15, "check-in": 12, "finding": 3}


@dataclass(frozen=True)
class Coded:
    item_id: str
    code: str
    office_id: str


@dataclass(frozen=True)
class World:
    gateway_url: str
    items: list[Coded]
    units: list[tuple[str, str]]  # (unit id, its token)
    office_tokens: list[str]  # county supervision office, many callers
    inspector_tokens: dict[str, list[str]]  # by office
    year: int


async def _call(client: httpx.AsyncClient, url: str, token: str, query: str, variables: dict) -> dict:
    response = await client.post(
        url, json={"query": query, "variables": variables}, headers={"authorization": f"Bearer {token}"}
    )
    body = response.json()
    if response.status_code != 200 or "errors" in body:
        raise RuntimeError(f"{query.split('(')[0]} failed: {response.status_code} {response.text[:300]}")
    return body["data"]


async def prepare(stack: Stack, *, units: int, items: int, callers: int = 100) -> World:
    """Demo coded items and units, plus `items` new coded items and `units` new units, known to inspection."""
    keys, url = stack.keys, stack.gateway_url
    supervisor = keys.token(Role.COUNTY_OFFICE, COUNTY, office=SUPERVISOR)
    bureau = keys.token(Role.COUNTY_OFFICE, COUNTY, office=BUREAU)
    today = datetime.now(CHINA).date()
    async with httpx.AsyncClient(timeout=60) as client:
        listed = await _call(
            client, url, supervisor, '{ items(officeId: "431024-dcs") { id scopeRegions code { token } } }', {}
        )
        coded = [
            Coded(item["id"], item["code"]["token"], SUPERVISOR)
            for item in listed["items"]
            if item["code"]
            and any(TOWN.startswith(region) or region.startswith(TOWN) for region in item["scopeRegions"])
        ]
        for number in range(items):
            coded.append(await _new_item(client, url, bureau, supervisor, today, number))
        registered = list(DEMO_UNITS)
        for number in range(units):
            region = VILLAGES[number % len(VILLAGES)]
            unit = {
                "name": f"压测村民小组 {number} {uuid.uuid4().hex[:4]}",
                "kind": "VILLAGE_COMMITTEE",
                "region": region,
            }
            made = await _call(client, url, supervisor, REGISTER, {"unit": unit})
            registered.append((made["registerUnit"]["id"], region))
        tokens = [(unit_id, keys.token(Role.UNIT, region, unit=unit_id)) for unit_id, region in registered]
        # Inspection hears of units and codes through the bus: wait until it knows the last of each.
        for item in coded:
            await _until_valid(client, url, tokens[-1][1], item.code)
    return World(
        gateway_url=url,
        items=coded,
        units=tokens,
        office_tokens=[
            keys.token(Role.COUNTY_OFFICE, COUNTY, office=SUPERVISOR, subject=f"load-{n}") for n in range(callers)
        ],
        inspector_tokens={
            office: [keys.token(Role.INSPECTOR, COUNTY, office=office, subject=f"inspector-{n}") for n in range(10)]
            for office in (SUPERVISOR, BUREAU)
        },
        year=today.year,
    )


REGISTER = "mutation($unit: RegisterUnitInput!) { registerUnit(unit: $unit) { __typename ... on Unit { id } } }"
FILE_ITEM = """mutation($item: ItemInput!) { fileItem(item: $item, reason: "压测：计划外核查") {
  __typename ... on Filing { id itemId } } }"""
APPROVE = "mutation($id: ID!) { approveFiling(filingId: $id) { __typename } }"
CODE = "mutation($id: ID!) { codeItem(itemId: $id) { __typename ... on ItemCode { token } } }"


async def _new_item(
    client: httpx.AsyncClient, url: str, bureau: str, supervisor: str, today: date, number: int
) -> Coded:
    item = {
        "kind": "INSPECTION",
        "title": f"压测核查事项 {number} {uuid.uuid4().hex[:4]}",
        "basis": "汛后新增地质灾害隐患点，需到现场核实",
        "scopeRegions": [TOWN],
        "windowStart": today.isoformat(),
        "windowEnd": date(today.year, 12, 31).isoformat(),
        "inspectors": [{"name": "胡国军", "title": "督查组成员"}],
    }
    filed = (await _call(client, url, bureau, FILE_ITEM, {"item": item}))["fileItem"]
    await _call(client, url, supervisor, APPROVE, {"id": filed["id"]})
    coded = (await _call(client, url, bureau, CODE, {"id": filed["itemId"]}))["codeItem"]
    return Coded(filed["itemId"], coded["token"], BUREAU)


async def _until_valid(client: httpx.AsyncClient, url: str, token: str, code: str) -> None:
    for _ in range(600):
        if (await _call(client, url, token, VERIFY, {"code": code}))["verifyCode"]["__typename"] == "CodeValid":
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("inspection never learnt of a coded item or a registered unit")


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    error_kinds: Counter = field(default_factory=Counter)  # by the first error's code: UNAVAILABLE, INTERNAL ...
    outcomes: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # a few, to say what went wrong

    @property
    def requests(self) -> int:
        return sum(len(found) for found in self.latencies.values())

    def percentile(self, fraction: float, operation: str | None = None) -> float:
        values = sorted(
            self.latencies[operation] if operation else [v for found in self.latencies.values() for v in found]
        )
        return values[min(len(values) - 1, int(fraction * len(values)))] * 1000 if values else float("nan")

    def table(self, seconds: float) -> str:
        lines = [
            f"  {'operation':<16} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
        ]
        for operation in [*MIX, None]:
            name = operation or "all"
            count = len(self.latencies[operation]) if operation else self.requests
            errors = self.errors[operation] if operation else sum(self.errors.values())
            lines.append(
                f"  {name:<16} {count:>9} {count / seconds:>7.1f} {self.percentile(0.5, operation):>8.1f} "
                f"{self.percentile(0.95, operation):>8.1f} {self.percentile(0.99, operation):>8.1f} "
                f"{errors:>7} ({errors / count if count else 0:.2%})"
            )
        return "\n".join(lines)

    def details(self) -> list[str]:
        """The answers' kinds, the errors' kinds (a store out of reach is UNAVAILABLE; INTERNAL is a bug) and a few
        failed requests."""
        return [
            f"  outcomes: {', '.join(f'{k} {n}' for k, n in sorted(self.outcomes.items()))}",
            f"  errors by kind: {', '.join(f'{k} {n}' for k, n in self.error_kinds.most_common()) or 'none'}",
            *(f"  a failed request: {failure}" for failure in self.failures),
        ]


def error_kind(status: int, body: dict) -> str:
    """What a failed request's first error says it was: its code, else its HTTP status, else that none came."""
    if status == 0:
        return "no answer"
    first = (body.get("errors") or [None])[0]
    code = (first.get("extensions") or {}).get("code") if isinstance(first, dict) else None
    return code or f"HTTP {status}"


class Traffic:
    def __init__(self, world: World, *, seed: int = 0, think: tuple[float, float] = (0.5, 1.5)) -> None:
        self.world = world
        self.random = random.Random(seed)  # noqa: S311 - which request comes next, not a secret
        self.think = think
        self.stats = Stats()
        self.visits: list[tuple[str, str, str]] = []  # admitted: (visit id, unit id, office id)
        self.findings = 0  # findings asked for so far
        self._operations = list(MIX)
        self._weights = list(MIX.values())

    async def run(self, *, users: int, seconds: float) -> float:
        """`users` simulated users for `seconds`; returns the time it really took."""
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(*(self._user(until) for _ in range(users)))
        return time.monotonic() - started

    async def _user(self, until: float) -> None:
        connection = Connection(self.world.gateway_url)
        await asyncio.sleep(self.random.uniform(0, self.think[1]))  # users arrive spread out
        try:
            while time.monotonic() < until:
                operation = self.random.choices(self._operations, self._weights)[0]
                await self._one(connection, operation)
                await asyncio.sleep(self.random.uniform(*self.think))
        finally:
            await connection.close()

    def _request(self, operation: str) -> tuple[str, dict, str, str | None]:
        """(query, variables, token, the unit checking in if any) for one request of `operation`."""
        world, pick = self.world, self.random.choice
        office = pick(world.office_tokens)
        match operation:
            case "read-office":
                return READ_OFFICE, {"id": pick((SUPERVISOR, BUREAU))}, office, None
            case "region-figures":
                return FIGURES, {"r": pick((TOWN, COUNTY, *VILLAGES)), "y": world.year}, office, None
            case "unit-figures":
                return UNIT_FIGURES, {"u": pick(world.units)[0], "y": world.year}, office, None
            case "scan":
                return VERIFY, {"code": pick(world.items).code}, pick(world.units)[1], None
            case "check-in":
                unit_id, token = pick(world.units)
                return CHECK_IN, {"code": pick(world.items).code, "r": uuid.uuid4().hex}, token, unit_id
        visit_id, unit_id, office_id = pick(self.visits)
        # Every other deadline (the first included) falls within three days: its reminder is due at once, and the
        # sweepers send it; so any run with a finding has a reminder to send.
        days = 2 if self.findings % 2 == 0 else 30
        self.findings += 1
        deadline = (datetime.now(CHINA).date() + timedelta(days=days)).isoformat()
        variables = {"visit": visit_id, "unit": unit_id, "deadline": deadline, "r": uuid.uuid4().hex}
        return FINDING, variables, pick(world.inspector_tokens[office_id]), None

    async def _one(self, connection: Connection, operation: str) -> None:
        if operation == "finding" and not self.visits:
            operation = "check-in"  # nothing admitted yet to find anything on
        query, variables, token, unit_id = self._request(operation)
        started = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(
                connection.post_json({"query": query, "variables": variables}, {"authorization": f"Bearer {token}"}),
                REQUEST_TIMEOUT,
            )
        except (OSError, TimeoutError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
            status, body = 0, {"errors": [f"{type(error).__name__}: {error}"]}
            with contextlib.suppress(Exception):
                await connection.close()
        self.stats.latencies[operation].append(time.perf_counter() - started)
        if status != 200 or "errors" in body:
            self.stats.errors[operation] += 1
            self.stats.error_kinds[error_kind(status, body)] += 1
            if len(self.stats.failures) < 5:
                self.stats.failures.append(f"{operation}: {status} {json.dumps(body, ensure_ascii=False)[:200]}")
            return
        data = next(iter((body.get("data") or {}).values()), None)
        if isinstance(data, dict) and "__typename" in data:
            self.stats.outcomes[f"{operation} {data['__typename']}"] += 1
            if data["__typename"] == "Visit" and unit_id is not None:
                office_id = next(item.office_id for item in self.world.items if item.code == variables["code"])
                self.visits.append((data["id"], unit_id, office_id))
