"""An office acts through the gateway; the event crosses the bus; reporting counts it once; one query spans two
subgraphs; one trace runs from the gateway request to the consumer."""

import asyncio
import secrets

import pytest

from wurao_common.auth import Role
from wurao_common.testing import china_today

pytestmark = pytest.mark.e2e

OFFICE = "430112-dcs"
REGION = "430112"
NEXT_YEAR = china_today().year + 1  # offices may draft next year's plan; the demo seed drafts this year's
LOAD = "query($id: ID!) { office(id: $id) { name region plans { year } load { plansDrafted } } }"
DRAFT = "mutation($year: Int!) { draftPlan(year: $year) { __typename ... on Plan { id year } } }"


async def _plans_drafted(call, token) -> int:
    return (await call(LOAD, {"id": OFFICE}, token))["office"]["load"]["plansDrafted"]


async def test_a_drafted_plan_is_counted_once_by_reporting_and_read_back_across_two_subgraphs(platform, call):
    token = platform.keys.token(Role.COUNTY_OFFICE, REGION, office=OFFICE)
    before = await _plans_drafted(call, token)
    created = await call(DRAFT, {"year": NEXT_YEAR}, token)
    assert created["draftPlan"]["__typename"] == "Plan"
    for _ in range(100):
        if await _plans_drafted(call, token) == before + 1:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # a doubled delivery would show now
    office = (await call(LOAD, {"id": OFFICE}, token))["office"]
    assert office["name"] == "望城区委督查室"  # resolved by plan
    assert NEXT_YEAR in [plan["year"] for plan in office["plans"]]  # resolved by plan
    assert office["load"]["plansDrafted"] == before + 1  # resolved by reporting, from the event


async def test_one_trace_runs_from_the_gateway_request_to_the_consumer(platform, call, span_sink):
    trace_id = secrets.token_hex(16)
    token = platform.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-yjj")
    await call(DRAFT, {"year": NEXT_YEAR}, token, traceparent=f"00-{trace_id}-{secrets.token_hex(8)}-01")
    wanted = {"wurao-gateway", "plan", "reporting"}
    for _ in range(150):  # exporters batch their spans
        if wanted <= {service for service, _ in span_sink.in_trace(trace_id)}:
            break
        await asyncio.sleep(0.1)
    assert ("reporting", "consume plan.plan.drafted") in span_sink.in_trace(trace_id), span_sink.in_trace(trace_id)
    assert wanted <= {service for service, _ in span_sink.in_trace(trace_id)}
