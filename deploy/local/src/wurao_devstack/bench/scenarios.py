"""Benchmark scenarios. Each prints its runs; the first run of a scenario is the baseline of its ratios."""

from __future__ import annotations

from wurao_common.auth import Role
from wurao_devstack.bench.gate import gate
from wurao_devstack.bench.load import GraphQLWorker, run
from wurao_devstack.bench.reporting import figure_delay, hunan_figures, pipeline
from wurao_devstack.bench.scan_page import scan_page
from wurao_devstack.stack import Stack

OFFICE_QUERY = "query($id: ID!) { office(id: $id) { id name region } }"
OFFICE_IDS = ["43-dcs", "4301-dcs", "4304-dcs", "4310-dcs", "430112-dcs", "431024-dcs", "431024-yjj"]


async def read_office(stack: Stack, *, seconds: float, concurrency: int) -> None:
    """One read query (an office by id), straight to the plan subgraph and through the gateway."""
    headers = {"authorization": f"Bearer {stack.keys.token(Role.OBSERVER, '43')}"}

    def worker(url: str):
        return lambda: GraphQLWorker(
            url,
            OFFICE_QUERY,
            lambda n: {"id": OFFICE_IDS[n % len(OFFICE_IDS)]},
            lambda _n: headers,
            ok=lambda data: data.get("office") is not None,
        )

    direct = await run(
        "plan subgraph, direct", worker(stack.service_urls["plan"]), concurrency=concurrency, seconds=seconds
    )
    print(direct.line())
    through = await run("through the gateway", worker(stack.gateway_url), concurrency=concurrency, seconds=seconds)
    print(through.line(direct))


SCENARIOS = {
    "read-office": read_office,
    "gate": gate,
    "scan-page": scan_page,
    "pipeline": pipeline,
    "figure-delay": figure_delay,
    "hunan-figures": hunan_figures,
}
