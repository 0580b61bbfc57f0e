"""Filings (一事一报) over GraphQL: a one-off item outside the plan, approved or rejected by the approving office."""

import asyncio

import pytest

from wurao_common.auth import Role
from wurao_common.service import migration_components
from wurao_common.testing import apply_again, china_today, graphql
from wurao_plan.app import MIGRATIONS

REFUSALS = "... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }"
FILING = f"__typename ... on Filing {{ id status reason decisionReason item {{ id status planId }} }} {REFUSALS}"
FILE = (
    f"mutation($item: ItemInput!, $reason: String!) {{ result: fileItem(item: $item, reason: $reason) {{ {FILING} }} }}"
)
APPROVE = f"mutation($id: ID!) {{ result: approveFiling(filingId: $id) {{ {FILING} }} }}"
REJECT = (
    f"mutation($id: ID!, $reason: String!) {{ result: rejectFiling(filingId: $id, reason: $reason) {{ {FILING} }} }}"
)
CODE = "mutation($id: ID!) { result: codeItem(itemId: $id) { __typename } }"

THIS_YEAR = china_today().year

BUREAU = (Role.COUNTY_OFFICE, "431024", "431024-yjj")  # approved by Jiahe's supervision office
JIAHE = (Role.COUNTY_OFFICE, "431024", "431024-dcs")
CHENZHOU = (Role.CITY_OFFICE, "4310", "4310-dcs")


def recheck(**changes) -> dict:
    return {
        "kind": "INSPECTION",
        "title": "汛后地质灾害隐患点复查",
        "basis": "袁家镇汛后新发现隐患点",
        "scopeRegions": ["431024103"],
        "windowStart": f"{THIS_YEAR}-11-01",
        "windowEnd": f"{THIS_YEAR}-12-31",
        "inspectors": [{"name": "胡国军", "title": "股负责人"}],
        **changes,
    }


@pytest.fixture
def as_office(as_staff):
    """Calls whose answer is aliased `result`."""

    def make(who, person="staff"):
        call = as_staff(who, person)

        async def result(document: str, **variables) -> dict:
            return (await call(document, **variables))["result"]

        return result

    return make


async def test_an_approved_filing_approves_its_item_which_can_then_be_coded(as_office, plan_events, pool):
    bureau, jiahe = as_office(BUREAU, "hu"), as_office(JIAHE, "chen")
    filed = await bureau(FILE, item=recheck(), reason="汛后新增隐患，计划外复查")
    assert (filed["status"], filed["item"]["status"], filed["item"]["planId"]) == ("SUBMITTED", "DRAFT", None)
    assert (await bureau(CODE, id=filed["item"]["id"]))["__typename"] == "Conflict"  # not approved yet

    approved = await jiahe(APPROVE, id=filed["id"])

    assert (approved["status"], approved["item"]["status"]) == ("APPROVED", "APPROVED")
    assert (await bureau(CODE, id=filed["item"]["id"]))["__typename"] == "ItemCode"
    await plan_events.settle(pool)
    (submitted,) = plan_events.of_type("plan.filing.submitted")
    (decided,) = plan_events.of_type("plan.filing.approved")
    (item,) = plan_events.of_type("plan.item.approved")
    assert submitted.data["reason"] == "汛后新增隐患，计划外复查"
    assert decided.data == {
        "filingId": filed["id"],
        "itemId": filed["item"]["id"],
        "officeId": "431024-yjj",
        "approverOfficeId": "431024-dcs",
    }
    assert {submitted.region, decided.region, item.region} == {"431024"}


async def test_a_rejected_filing_keeps_its_reason_and_its_item_can_never_be_coded(as_office, plan_events, pool):
    bureau, jiahe = as_office(BUREAU), as_office(JIAHE)
    filed = await bureau(FILE, item=recheck(), reason="计划外复查")
    rejected = await jiahe(REJECT, id=filed["id"], reason="已列入县委督查室年度计划，不必另行备案")
    assert (rejected["status"], rejected["decisionReason"], rejected["item"]["status"]) == (
        "REJECTED",
        "已列入县委督查室年度计划，不必另行备案",
        "REJECTED",
    )
    assert (await jiahe(APPROVE, id=filed["id"]))["__typename"] == "Conflict"
    assert (await bureau(CODE, id=filed["item"]["id"]))["__typename"] == "Conflict"
    await plan_events.settle(pool)
    assert plan_events.of_type("plan.filing.rejected")[0].data["reason"] == "已列入县委督查室年度计划，不必另行备案"


@pytest.mark.parametrize(
    "decider",
    [
        pytest.param(BUREAU, id="the-filing-office-itself"),
        pytest.param(CHENZHOU, id="the-city-office-above-the-approver"),
        pytest.param((Role.COUNTY_OFFICE, "430112", "430112-dcs"), id="another-county-office"),
    ],
)
async def test_only_the_approving_office_decides_on_a_filing(as_office, pool, decider):
    filed = await as_office(BUREAU, "hu")(FILE, item=recheck(), reason="计划外复查")
    other = as_office(decider, "someone")
    assert (await other(APPROVE, id=filed["id"]))["__typename"] == "NotAllowed"
    assert (await other(REJECT, id=filed["id"], reason="x"))["__typename"] == "NotAllowed"
    assert await pool.fetchval("SELECT status FROM filings") == "submitted"


async def test_the_author_of_a_province_filing_may_not_approve_it(as_office):
    province = (Role.PROVINCE_OFFICE, "43", "43-dcs")
    filed = await as_office(province, "author")(FILE, item=recheck(scopeRegions=["4310"]), reason="省级计划外事项")
    assert (await as_office(province, "author")(APPROVE, id=filed["id"]))["__typename"] == "NotAllowed"
    assert (await as_office(province, "colleague")(APPROVE, id=filed["id"]))["status"] == "APPROVED"


async def test_a_filing_over_the_yearly_ceiling_is_refused_unless_it_is_an_emergency(as_office, pool):
    await pool.execute("UPDATE offices SET yearly_baseline = 1 WHERE id = '431024-yjj'")
    bureau, jiahe = as_office(BUREAU), as_office(JIAHE)
    first = await bureau(FILE, item=recheck(title="一"), reason="计划外")
    second = await bureau(FILE, item=recheck(title="二"), reason="计划外")
    emergency = await bureau(
        FILE, item=recheck(title="三", emergency=True, exemption="EMERGENCY", exemptionReason="突发险情"), reason="急"
    )
    assert (await jiahe(APPROVE, id=first["id"]))["status"] == "APPROVED"
    approve = """mutation($id: ID!) { result: approveFiling(filingId: $id) { __typename
      ... on CeilingExceeded { planned filed ceiling reason } } }"""
    assert (await jiahe(APPROVE, id=emergency["id"]))["status"] == "APPROVED"
    refused = await jiahe(approve, id=second["id"])
    assert refused["__typename"] == "CeilingExceeded"
    assert (refused["planned"], refused["filed"], refused["ceiling"]) == (0, 2, 1), "the emergency is not counted"
    assert "0 planned + 2 filed = 2" in refused["reason"]


@pytest.mark.parametrize(
    ("item", "reason", "field"),
    [
        (recheck(), " ", "reason"),
        (recheck(basis=""), "计划外", "basis"),
        (recheck(windowStart="2024-11-01", windowEnd="2024-12-01"), "计划外", "windowStart"),
        (recheck(scopeRegions=["430112"]), "计划外", "scopeRegions"),
    ],
)
async def test_a_filing_that_breaks_a_rule_is_invalid_input_and_nothing_is_stored(as_office, pool, item, reason, field):
    refused = await as_office(BUREAU)(FILE, item=item, reason=reason)
    assert (refused["__typename"], refused["field"]) == ("InvalidInput", field)
    assert await pool.fetchval("SELECT count(*) FROM filings") == 0


async def test_filings_are_listed_to_readers_of_the_offices_workings_only(as_office, plan, jwt_keys):
    filed = await as_office(BUREAU)(FILE, item=recheck(), reason="计划外")
    query = '{ filings(officeId: "431024-yjj") { id item { title } } }'
    observer = await graphql(plan, query, headers=jwt_keys.bearer(Role.OBSERVER, "4310"))
    unit = await graphql(plan, query, headers=jwt_keys.bearer(Role.UNIT, "431024103", unit_id="431024103-zf"))
    elsewhere = await graphql(plan, query, headers=jwt_keys.bearer(Role.OBSERVER, "4301"))
    assert observer["data"]["filings"] == [{"id": filed["id"], "item": {"title": "汛后地质灾害隐患点复查"}}]
    assert unit["data"]["filings"] == elsewhere["data"]["filings"] == []


NAMED_FILE = f"""mutation($item: ItemInput!, $reason: String!, $requestId: String) {{
  result: fileItem(item: $item, reason: $reason, requestId: $requestId) {{ {FILING} }} }}"""
NAMED_APPROVE = f"""mutation($id: ID!, $requestId: String) {{
  result: approveFiling(filingId: $id, requestId: $requestId) {{ {FILING} }} }}"""
NAMED_REJECT = f"""mutation($id: ID!, $reason: String!, $requestId: String) {{
  result: rejectFiling(filingId: $id, reason: $reason, requestId: $requestId) {{ {FILING} }} }}"""


async def test_concurrent_retries_of_a_named_filing_file_one_item_and_all_return_it(as_office, pool):
    bureau = as_office(BUREAU)
    filed = await asyncio.gather(
        *(bureau(NAMED_FILE, item=recheck(), reason="计划外复查", requestId="phone-f1") for _ in range(5))
    )
    assert len({result["id"] for result in filed}) == 1
    assert await pool.fetchval("SELECT count(*) FROM filings WHERE office_id = '431024-yjj'") == 1
    # Another office's same request id is its own request.
    other = await as_office(JIAHE)(NAMED_FILE, item=recheck(), reason="计划外复查", requestId="phone-f1")
    assert other["id"] != filed[0]["id"]


async def test_a_retried_decision_returns_the_decided_filing_instead_of_a_conflict(as_office, plan_events, pool):
    bureau, jiahe = as_office(BUREAU), as_office(JIAHE)
    approved_id = (await bureau(FILE, item=recheck(), reason="计划外复查"))["id"]
    rejected_id = (await bureau(FILE, item=recheck(title="另一复查"), reason="计划外复查"))["id"]

    approvals = await asyncio.gather(*(jiahe(NAMED_APPROVE, id=approved_id, requestId="a-1") for _ in range(3)))
    assert [result["status"] for result in approvals] == ["APPROVED"] * 3
    rejection = await jiahe(NAMED_REJECT, id=rejected_id, reason="不必另行备案", requestId="r-1")
    again = await jiahe(NAMED_REJECT, id=rejected_id, reason="不必另行备案", requestId="r-1")
    assert again == rejection
    assert (await jiahe(APPROVE, id=approved_id))["__typename"] == "Conflict", "unnamed, a second approval conflicts"
    await plan_events.settle(pool)
    assert len(plan_events.of_type("plan.filing.approved")) == 1
    assert len(plan_events.of_type("plan.filing.rejected")) == 1


async def test_a_request_id_reused_for_another_filing_or_too_long_is_invalid_and_changes_nothing(as_office):
    bureau, jiahe = as_office(BUREAU), as_office(JIAHE)
    first = (await bureau(FILE, item=recheck(), reason="计划外复查"))["id"]
    second = (await bureau(FILE, item=recheck(title="另一复查"), reason="计划外复查"))["id"]
    await jiahe(NAMED_APPROVE, id=first, requestId="d-1")

    for reused in (
        await jiahe(NAMED_APPROVE, id=second, requestId="d-1"),
        await jiahe(NAMED_APPROVE, id=second, requestId="d" * 101),
    ):
        assert (reused["__typename"], reused["field"]) == ("InvalidInput", "requestId")
    # The same id for another mutation names another request, judged as one without an id would be.
    assert (await jiahe(NAMED_REJECT, id=first, reason="r", requestId="d-1"))["__typename"] == "Conflict"
    filing = "query($id: ID!) { result: filing(id: $id) { status } }"
    assert (await jiahe(filing, id=second))["status"] == "SUBMITTED"


async def test_another_staffer_of_the_office_reusing_a_request_id_decides_for_themselves(as_office):
    """Request ids are each person's own: a colleague's id neither blocks a decision nor answers for it."""
    bureau = as_office(BUREAU)
    first = (await bureau(FILE, item=recheck(), reason="计划外复查"))["id"]
    second = (await bureau(FILE, item=recheck(title="另一复查"), reason="计划外复查"))["id"]
    await as_office(JIAHE, "chen")(NAMED_APPROVE, id=first, requestId="d-1")

    rejected = await as_office(JIAHE, "li")(NAMED_REJECT, id=second, reason="不必另行备案", requestId="d-1")

    assert rejected["__typename"] == "Filing", rejected
    assert rejected["status"] == "REJECTED"


async def test_filings_named_when_request_ids_were_the_offices_are_found_by_their_retries(as_office, pool):
    """Keys stored before migration 016 (the office's, U+001F, the client's id) are rescoped to who filed or
    decided: a retry across the upgrade returns the first result and files or decides nothing twice."""
    bureau, jiahe = as_office(BUREAU), as_office(JIAHE)

    async def requests() -> list[tuple[str, str]]:
        filed = await bureau(NAMED_FILE, item=recheck(), reason="计划外复查", requestId="f-1")
        approved = await jiahe(NAMED_APPROVE, id=filed["id"], requestId="a-1")
        return [(result["__typename"], result["id"]) for result in (filed, approved)]  # each as it stands

    first = await requests()
    for office, kind, request_id in (("431024-yjj", "submitted", "f-1"), ("431024-dcs", "approved", "a-1")):
        stored = f"office:{office}\x1f{request_id}"
        await pool.execute("UPDATE request_results SET request_id = $1 WHERE kind = $2", stored, f"filing.{kind}")
    await apply_again(pool, migration_components("plan", MIGRATIONS), "plan", 16)

    assert await requests() == first
    assert await pool.fetchval("SELECT count(*) FROM filings") == 1
