"""Benchmark scenarios. Each prints its runs; the first run of a scenario is the baseline of its ratios."""

from __future__ import annotations

import httpx

from wurao_common.auth import Role
from wurao_devstack.bench.load import run
from wurao_devstack.stack import Stack

OFFICE_QUERY = "query($id: ID!) { office(id: $id) { id name region } }"
# Different ids so that the gateway cannot merge identical in-flight requests (FIELD-NOTES).
OFFICE_IDS = ["43-dcs", "4301-dcs", "4304-dcs", "4310-dcs", "430112-dcs", "431024-dcs", "431024-yjj"]


def graphql_call(url: str, query: str, variables, token: str):
    """A request maker for `run`: POSTs the query to `url` with variables(n)."""
    headers = {"authorization": f"Bearer {token}"}

    async def call(client: httpx.AsyncClient, n: int) -> bool:
        response = await client.post(url, json={"query": query, "variables": variables(n)}, headers=headers)
        return response.status_code == 200 and "errors" not in response.json()

    return call


async def read_office(stack: Stack, *, seconds: float, concurrency: int) -> None:
    """One read query (an office by id), straight to the plan subgraph and through the gateway."""
    token = stack.keys.token(Role.OBSERVER, "43")

    def variables(n: int) -> dict:
        return {"id": OFFICE_IDS[n % len(OFFICE_IDS)]}

    direct_call = graphql_call(stack.service_urls["plan"], OFFICE_QUERY, variables, token)
    direct = await run("plan subgraph, direct", direct_call, concurrency=concurrency, seconds=seconds)
    print(direct.line())
    gateway_call = graphql_call(stack.gateway_url, OFFICE_QUERY, variables, token)
    through = await run("through the gateway", gateway_call, concurrency=concurrency, seconds=seconds)
    print(through.line(direct))


SCENARIOS = {"read-office": read_office}
