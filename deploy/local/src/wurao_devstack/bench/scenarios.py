"""Benchmark scenarios. Each prints its runs; the first run of a scenario is the baseline of its ratios."""

from __future__ import annotations

import httpx

from wurao_common.auth import Role
from wurao_devstack.bench.load import run
from wurao_devstack.stack import Stack

OFFICE_QUERY = "query($id: ID!) { office(id: $id) { id name region } }"
# Different ids so that the gateway cannot merge identical in-flight requests (FIELD-NOTES).
OFFICE_IDS = ["43-dcs", "4301-dcs", "4304-dcs", "4310-dcs", "430112-dcs", "431024-dcs", "431024-yjj"]


def _graphql_call(query: str, variables, token: str):
    headers = {"authorization": f"Bearer {token}"}

    async def call(client: httpx.AsyncClient, n: int) -> bool:
        response = await client.post("", json={"query": query, "variables": variables(n)}, headers=headers)
        return response.status_code == 200 and "errors" not in response.json()

    return call


async def read_office(stack: Stack, *, seconds: float, concurrency: int) -> None:
    """One read query (an office by id), straight to the plan subgraph and through the gateway."""
    token = stack.keys.token(Role.OBSERVER, "43")
    call = _graphql_call(OFFICE_QUERY, lambda n: {"id": OFFICE_IDS[n % len(OFFICE_IDS)]}, token)
    direct = await run(
        "plan subgraph, direct", call, base_url=stack.service_urls["plan"], concurrency=concurrency, seconds=seconds
    )
    print(direct.line())
    through = await run(
        "through the gateway", call, base_url=stack.gateway_url, concurrency=concurrency, seconds=seconds
    )
    print(through.line(direct))


SCENARIOS = {"read-office": read_office}
