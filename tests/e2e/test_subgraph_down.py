"""A subgraph out of reach: the gateway answers the other subgraphs' parts and marks the missing one UNAVAILABLE
(try again), as a subgraph marks its own database or cache out of reach, not as a masked bug."""

from __future__ import annotations

import re

import httpx
import pytest

from wurao_common import embedded
from wurao_common.auth import Role

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gateway_without_reporting(platform):
    """A gateway whose supergraph sends reporting's fields to a port nothing listens on."""
    supergraph = (platform.data_dir / "supergraph.graphql").read_text()
    reporting = re.compile(r'(REPORTING @join__graph\(name: "reporting", url: ")http://[^"]+(")')
    assert reporting.search(supergraph), "the supergraph names reporting's URL"
    moved = platform.data_dir / "supergraph-reporting-down.graphql"
    moved.write_text(reporting.sub(rf"\g<1>http://127.0.0.1:{embedded.free_port()}/graphql\g<2>", supergraph))
    with platform.another_gateway(moved, "reporting-down") as url:
        yield url


async def test_a_subgraph_out_of_reach_is_unavailable_and_the_others_still_answer(platform, gateway_without_reporting):
    headers = {"authorization": f"Bearer {platform.keys.token(Role.COUNTY_OFFICE, '431024', office='431024-dcs')}"}
    query = '{ office(id: "431024-dcs") { name load { plansDrafted } } }'
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(gateway_without_reporting, json={"query": query}, headers=headers)
    body = answer.json()
    assert body["data"]["office"]["name"], "plan's part still answers"
    assert body["data"]["office"]["load"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAVAILABLE", error
    assert error["message"] == "A part of the service cannot be reached right now; try again shortly."
    assert "serviceName" not in error["extensions"], "no map of the subgraphs for the client"
