"""The gate (issue 4): verify and check-in through the gateway, straight to inspection, and a bare Lua call."""

from __future__ import annotations

import asyncio
import uuid
from importlib.resources import files

import httpx
from redis.asyncio import BlockingConnectionPool, Redis

from wurao_common.auth import Role
from wurao_devstack.bench.load import GraphQLWorker, run
from wurao_devstack.stack import Stack

OFFICE, OFFICE_REGION = "431024-dcs", "431024"
VILLAGE = "431024106201"  # Dafangyuan village, inside the seeded flood-season item's scope
CODED_ITEMS = "query($office: ID!) { items(officeId: $office) { title scopeRegions code { token } } }"
REGISTER = (
    "mutation($name: String!, $region: String!) { registerUnit(unit: {name: $name, kind: VILLAGE_COMMITTEE, "
    "region: $region}) { __typename ... on Unit { id } } }"
)
VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"
CHECK_IN = "mutation($code: String!, $request: String) { checkIn(code: $code, requestId: $request) { __typename } }"


async def _post(url: str, query: str, variables: dict, token: str) -> dict:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            url, json={"query": query, "variables": variables}, headers={"authorization": f"Bearer {token}"}
        )
        response.raise_for_status()
        return response.json()["data"]


async def _flood_item_code(stack: Stack) -> str:
    token = stack.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)
    items = (await _post(stack.gateway_url, CODED_ITEMS, {"office": OFFICE}, token))["items"]
    for item in items:
        if item["code"] and any(VILLAGE.startswith(region) for region in item["scopeRegions"]):
            return item["code"]["token"]
    raise RuntimeError("the demo seed has no coded item covering Dafangyuan village")


async def _register_units(stack: Stack, count: int) -> list[str]:
    """New units, each checked in once: a unit's caps (2 a year per level) would refuse repeat visits."""
    headers = {"authorization": f"Bearer {stack.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)}"}
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=20)) as client:

        async def one() -> str:
            variables = {"name": f"压测村委会 {uuid.uuid4().hex[:8]}", "region": VILLAGE}
            response = await client.post(
                stack.service_urls["plan"], json={"query": REGISTER, "variables": variables}, headers=headers
            )
            return response.json()["data"]["registerUnit"]["id"]

        ids: list[str] = []
        for start in range(0, count, 200):
            ids += await asyncio.gather(*(one() for _ in range(start, min(count, start + 200))))
    return ids


async def _wait_known(stack: Stack, code: str, unit: str) -> None:
    """Inspection learns units from plan's events: wait until the last one verifies."""
    token = stack.keys.token(Role.UNIT, VILLAGE, unit=unit)
    for _ in range(600):
        verdict = (await _post(stack.service_urls["inspection"], VERIFY, {"code": code}, token))["verifyCode"]
        if verdict["__typename"] == "CodeValid":
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"inspection never learnt unit {unit}: last verdict {verdict}")


def _per_unit(stack: Stack, url: str, query: str, code: str, units: list[str], *, fresh: bool):
    """Request n comes from unit n (fresh: each unit once, so no cap is reached) or cycles through the units."""
    headers = [{"authorization": f"Bearer {stack.keys.token(Role.UNIT, VILLAGE, unit=unit)}"} for unit in units]
    wanted = "Visit" if fresh else "CodeValid"

    def variables(_n: int) -> dict:
        return {"code": code, "request": uuid.uuid4().hex} if fresh else {"code": code}

    return lambda: GraphQLWorker(
        url,
        query,
        variables,
        lambda n: headers[n % len(headers)],
        ok=lambda data: next(iter(data.values()))["__typename"] == wanted,
    )


class _LuaWorker:
    def __init__(self, script, keys: list[list[str]]):
        self._script, self._keys = script, keys

    async def __call__(self, n: int) -> bool:
        visit = uuid.uuid4().hex  # every call a new visit, as every check-in is
        status, *_ = await self._script(keys=self._keys[n % len(self._keys)], args=[*[10**9] * 3, visit])
        return status == b"ok"

    async def close(self) -> None:
        return


async def _bare_lua(stack: Stack, *, seconds: float, concurrency: int):
    """The admit script alone, from redis-py, on three counters per call as a check-in uses."""
    redis = Redis(
        connection_pool=BlockingConnectionPool.from_url(stack.server_urls["REDIS_URL"], max_connections=concurrency)
    )
    script = redis.register_script((files("wurao_inspection") / "lua" / "admit.lua").read_text())
    prefix = f"bench:{uuid.uuid4().hex[:8]}"
    keys = [[f"{prefix}:{{u{unit}}}:{kind}" for kind in ("level", "all", "item")] for unit in range(1000)]
    run_id = (await redis.info("server"))["run_id"]  # counters built on this server, as seed.lua makes them
    async with redis.pipeline(transaction=False) as pipe:
        for key in (key for triple in keys for key in triple):
            pipe.hset(key, mapping={"n": 0, "run": run_id})
            pipe.expire(key, 600)
        await pipe.execute()
    try:
        return await run(
            "bare Lua admit (redis-py)", lambda: _LuaWorker(script, keys), concurrency=concurrency, seconds=seconds
        )
    finally:
        await redis.aclose()


async def gate(stack: Stack, *, seconds: float, concurrency: int) -> None:
    """Verify (scan) and check-in: bare Redis Lua, straight to inspection, and through the gateway."""
    code = await _flood_item_code(stack)
    units = await _register_units(stack, 6000)
    # Registered after all the others committed, so inspection knows them all once it knows this one.
    sentinel = (await _register_units(stack, 1))[0]
    await _wait_known(stack, code, sentinel)
    lua = await _bare_lua(stack, seconds=seconds, concurrency=concurrency)
    print(lua.line())
    inspection, gateway = stack.service_urls["inspection"], stack.gateway_url
    for name, url in (("verify, inspection direct", inspection), ("verify, through the gateway", gateway)):
        result = await run(
            name, _per_unit(stack, url, VERIFY, code, units, fresh=False), concurrency=concurrency, seconds=seconds
        )
        print(result.line(lua))
    halves = {
        "check-in, inspection direct": (inspection, units[:3000]),
        "check-in, through the gateway": (gateway, units[3000:]),
    }
    for name, (url, fresh_units) in halves.items():
        result = await run(
            name,
            _per_unit(stack, url, CHECK_IN, code, fresh_units, fresh=True),
            concurrency=concurrency,
            seconds=seconds,
            warmup=0,
            limit=len(fresh_units),
        )
        print(result.line(lua))
