"""The annual plan's workflow over GraphQL: draft, items, submit, return, revise, resubmit, approve; four eyes;
the yearly ceiling; events through the outbox."""

import asyncio

import pytest

from wurao_common.auth import Role
from wurao_common.testing import china_today, graphql

REFUSALS = "... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }"
PLAN = f"__typename ... on Plan {{ id status year returnReason itemCount }} {REFUSALS}"
ITEM = f"__typename ... on Item {{ id status title planId }} {REFUSALS}"
DRAFT = f"mutation($year: Int!) {{ result: draftPlan(year: $year) {{ {PLAN} }} }}"
ADD = f"mutation($plan: ID!, $item: ItemInput!) {{ result: addItem(planId: $plan, item: $item) {{ {ITEM} }} }}"
NAMED_ADD = f"""mutation($plan: ID!, $item: ItemInput!, $requestId: String) {{
  result: addItem(planId: $plan, item: $item, requestId: $requestId) {{ {ITEM} }} }}"""
REVISE = f"mutation($id: ID!, $item: ItemInput!) {{ result: reviseItem(itemId: $id, item: $item) {{ {ITEM} }} }}"
REMOVE = f"mutation($id: ID!) {{ result: removeItem(itemId: $id) {{ {ITEM} }} }}"
CANCEL = f"mutation($id: ID!, $reason: String!) {{ result: cancelItem(itemId: $id, reason: $reason) {{ {ITEM} }} }}"
SUBMIT = f"mutation($plan: ID!) {{ result: submitPlan(planId: $plan) {{ {PLAN} }} }}"
SUBMIT_NUMBERS = """mutation($plan: ID!) { result: submitPlan(planId: $plan) { __typename
  ... on CeilingExceeded { planned filed total lastYearActual ceiling reason } } }"""
APPROVE = f"mutation($plan: ID!) {{ result: approvePlan(planId: $plan) {{ {PLAN} }} }}"
RETURN = f"mutation($plan: ID!, $reason: String!) {{ result: returnPlan(planId: $plan, reason: $reason) {{ {PLAN} }} }}"
CODE = "mutation($id: ID!) { result: codeItem(itemId: $id) { __typename } }"

THIS_YEAR = china_today().year

JIAHE = (Role.COUNTY_OFFICE, "431024", "431024-dcs")
CHENZHOU = (Role.CITY_OFFICE, "4310", "4310-dcs")
CHANGSHA = (Role.CITY_OFFICE, "4301", "4301-dcs")
PROVINCE = (Role.PROVINCE_OFFICE, "43", "43-dcs")


def flood_item(**changes) -> dict:
    return {
        "kind": "SUPERVISION",
        "title": "汛期防汛备汛专项督查",
        "basis": "地质灾害隐患点多，汛期临近，需到现场核实防汛备汛情况",
        "content": "直插现场看实效",
        "scopeRegions": ["431024106", "431024103"],
        "scopeUnitKinds": ["VILLAGE_COMMITTEE", "TOWNSHIP_GOVERNMENT"],
        "windowStart": f"{THIS_YEAR}-04-01",
        "windowEnd": f"{THIS_YEAR}-12-31",
        "inspectors": [{"name": "陈跃辉", "title": "县委督查室主任"}, {"name": "胡国军", "title": "股负责人"}],
        **changes,
    }


class Office:
    """Calls the plan subgraph as one person of one office."""

    def __init__(self, client, jwt_keys, who: tuple[Role, str, str], person: str):
        role, region, office_id = who
        self.client = client
        self.headers = jwt_keys.bearer(role, region, office_id=office_id, subject=f"{office_id}:{person}")

    async def __call__(self, document: str, **variables) -> dict:
        body = await graphql(self.client, document, variables, headers=self.headers)
        assert "errors" not in body, body
        return body["data"]["result"]


@pytest.fixture
def as_office(plan, jwt_keys):
    return lambda who, person="staff": Office(plan, jwt_keys, who, person)


async def drafted_with_items(jiahe: Office, count: int) -> tuple[str, list[str]]:
    plan_id = (await jiahe(DRAFT, year=THIS_YEAR))["id"]
    item_ids = [(await jiahe(ADD, plan=plan_id, item=flood_item(title=f"事项{n}")))["id"] for n in range(count)]
    return plan_id, item_ids


async def test_a_returned_plan_is_revised_resubmitted_and_approved_and_every_step_is_announced(
    as_office, plan_events, pool
):
    jiahe, chenzhou = as_office(JIAHE, "chen"), as_office(CHENZHOU, "reviewer")
    plan_id, (first, second) = await drafted_with_items(jiahe, 2)
    assert (await jiahe(SUBMIT, plan=plan_id))["status"] == "SUBMITTED"

    returned = await chenzhou(RETURN, plan=plan_id, reason="第二项与市级督查重复，请合并")
    assert (returned["status"], returned["returnReason"]) == ("RETURNED", "第二项与市级督查重复，请合并")
    assert (await jiahe(REMOVE, id=second))["__typename"] == "Item"
    assert (await jiahe(REVISE, id=first, item=flood_item()))["title"] == "汛期防汛备汛专项督查"
    assert (await jiahe(SUBMIT, plan=plan_id))["status"] == "SUBMITTED"
    approved = await chenzhou(APPROVE, plan=plan_id)

    assert (approved["status"], approved["itemCount"]) == ("APPROVED", 1)
    assert await pool.fetchval("SELECT status FROM items WHERE id = $1::uuid", first) == "approved"
    await plan_events.settle(pool)
    kinds = [event.type for event in plan_events.seen if event.subject in (f"plan/{plan_id}", f"item/{first}")]
    assert kinds == [
        "plan.plan.drafted",
        "plan.item.drafted",
        "plan.plan.submitted",
        "plan.plan.returned",
        "plan.item.revised",
        "plan.plan.submitted",
        "plan.plan.approved",
        "plan.item.approved",
    ]
    (approval,) = plan_events.of_type("plan.plan.approved")
    assert approval.region == "431024"
    assert approval.data == {
        "planId": plan_id,
        "officeId": "431024-dcs",
        "year": THIS_YEAR,
        "itemCount": 1,
        "approverOfficeId": "4310-dcs",
    }
    (item_event,) = plan_events.of_type("plan.item.approved")
    assert (item_event.region, item_event.data["itemId"], item_event.data["scopeRegions"]) == (
        "431024",
        first,
        ["431024106", "431024103"],
    )


async def test_the_steps_of_a_plan_are_kept_with_who_took_them_and_why(as_office, plan):
    jiahe, chenzhou = as_office(JIAHE, "chen"), as_office(CHENZHOU, "reviewer")
    plan_id, _ = await drafted_with_items(jiahe, 1)
    await jiahe(SUBMIT, plan=plan_id)
    await chenzhou(RETURN, plan=plan_id, reason="依据不充分")
    body = await graphql(
        plan,
        "query($id: ID!) { plan(id: $id) { steps { action actor officeId itemCount reason } } }",
        {"id": plan_id},
        headers=jiahe.headers,
    )
    assert body["data"]["plan"]["steps"] == [
        {"action": "submitted", "actor": "431024-dcs:chen", "officeId": "431024-dcs", "itemCount": 1, "reason": None},
        {
            "action": "returned",
            "actor": "4310-dcs:reviewer",
            "officeId": "4310-dcs",
            "itemCount": 1,
            "reason": "依据不充分",
        },
    ]


async def test_submitting_over_a_first_years_baseline_is_refused_with_the_numbers(as_office, pool):
    await pool.execute("UPDATE offices SET yearly_baseline = 2 WHERE id = '431024-dcs'")
    jiahe = as_office(JIAHE)
    plan_id, _ = await drafted_with_items(jiahe, 3)
    refused = await jiahe(SUBMIT_NUMBERS, plan=plan_id)
    assert refused == {
        "__typename": "CeilingExceeded",
        "planned": 3,
        "filed": 0,
        "total": 3,
        "lastYearActual": None,
        "ceiling": 2,
        "reason": refused["reason"],
    }
    assert "3 planned + 0 filed = 3" in refused["reason"]
    assert await pool.fetchval("SELECT status FROM plans WHERE id = $1::uuid", plan_id) == "draft"


async def test_an_empty_plan_cannot_be_submitted(as_office):
    jiahe = as_office(JIAHE)
    plan_id = (await jiahe(DRAFT, year=THIS_YEAR))["id"]
    assert (await jiahe(SUBMIT, plan=plan_id))["__typename"] == "Conflict"


async def test_the_author_of_the_province_plan_may_not_approve_it_another_member_may(as_office, pool):
    author, colleague = as_office(PROVINCE, "author"), as_office(PROVINCE, "colleague")
    plan_id = (await author(DRAFT, year=THIS_YEAR))["id"]
    await author(ADD, plan=plan_id, item=flood_item(scopeRegions=["431024"]))
    await author(SUBMIT, plan=plan_id)
    refused = await author(APPROVE, plan=plan_id)
    assert refused["__typename"] == "NotAllowed"
    assert "four eyes" in refused["reason"]
    assert (await colleague(APPROVE, plan=plan_id))["status"] == "APPROVED"


async def test_whoever_submitted_a_plan_may_not_decide_on_it_either(as_office):
    drafter, submitter = as_office(PROVINCE, "drafter"), as_office(PROVINCE, "submitter")
    plan_id = (await drafter(DRAFT, year=THIS_YEAR))["id"]
    await drafter(ADD, plan=plan_id, item=flood_item(scopeRegions=["43"]))
    await submitter(SUBMIT, plan=plan_id)
    assert (await submitter(RETURN, plan=plan_id, reason="x"))["__typename"] == "NotAllowed"
    assert (await drafter(APPROVE, plan=plan_id))["__typename"] == "NotAllowed"


@pytest.mark.parametrize(
    "decider",
    [
        pytest.param(CHANGSHA, id="another-city-office"),
        pytest.param(PROVINCE, id="the-province-office-which-is-not-jiahes-approver"),
        pytest.param(JIAHE, id="another-member-of-the-authoring-office"),
        pytest.param((Role.CITY_OFFICE, "4310", "431024-dcs"), id="a-city-role-claiming-the-county-office"),
    ],
)
async def test_only_the_approving_office_decides_on_a_plan(as_office, pool, decider):
    jiahe = as_office(JIAHE, "chen")
    plan_id, _ = await drafted_with_items(jiahe, 1)
    await jiahe(SUBMIT, plan=plan_id)
    other = as_office(decider, "someone")
    assert (await other(APPROVE, plan=plan_id))["__typename"] == "NotAllowed"
    assert (await other(RETURN, plan=plan_id, reason="x"))["__typename"] == "NotAllowed"
    assert await pool.fetchval("SELECT status FROM plans WHERE id = $1::uuid", plan_id) == "submitted"


async def test_items_change_only_while_the_office_holds_the_plan(as_office):
    jiahe, chenzhou = as_office(JIAHE), as_office(CHENZHOU)
    plan_id, (item_id,) = await drafted_with_items(jiahe, 1)
    await jiahe(SUBMIT, plan=plan_id)
    assert (await jiahe(ADD, plan=plan_id, item=flood_item()))["__typename"] == "Conflict"
    assert (await jiahe(REVISE, id=item_id, item=flood_item()))["__typename"] == "Conflict"
    assert (await jiahe(REMOVE, id=item_id))["__typename"] == "Conflict"
    await chenzhou(APPROVE, plan=plan_id)
    assert (await jiahe(SUBMIT, plan=plan_id))["__typename"] == "Conflict"
    assert (await chenzhou(APPROVE, plan=plan_id))["__typename"] == "Conflict"


async def test_retries_of_a_named_item_add_one_item_and_all_return_it(as_office, plan_events, pool):
    chen = as_office(JIAHE, "chen")
    plan_id = (await chen(DRAFT, year=THIS_YEAR))["id"]

    added = await asyncio.gather(
        *(chen(NAMED_ADD, plan=plan_id, item=flood_item(), requestId="add-1") for _ in range(3))
    )
    assert {result["__typename"] for result in added} == {"Item"}
    assert len({result["id"] for result in added}) == 1
    assert await pool.fetchval("SELECT count(*) FROM items") == 1
    # A colleague of the same office with the same id makes another request.
    other = await as_office(JIAHE, "li")(NAMED_ADD, plan=plan_id, item=flood_item(), requestId="add-1")
    assert other["__typename"] == "Item"
    assert other["id"] != added[0]["id"]
    await plan_events.settle(pool)
    assert len(plan_events.of_type("plan.item.drafted")) == 2


async def test_an_item_request_id_reused_for_another_plan_or_too_long_is_invalid_and_adds_nothing(as_office, pool):
    jiahe = as_office(JIAHE)
    this_year = (await jiahe(DRAFT, year=THIS_YEAR))["id"]
    next_year = (await jiahe(DRAFT, year=THIS_YEAR + 1))["id"]
    await jiahe(NAMED_ADD, plan=this_year, item=flood_item(), requestId="add-1")
    window = {"windowStart": f"{THIS_YEAR + 1}-04-01", "windowEnd": f"{THIS_YEAR + 1}-12-31"}

    for refused in (
        await jiahe(NAMED_ADD, plan=next_year, item=flood_item(**window), requestId="add-1"),
        await jiahe(NAMED_ADD, plan=next_year, item=flood_item(**window), requestId="a" * 101),
    ):
        assert (refused["__typename"], refused["field"]) == ("InvalidInput", "requestId")
    assert await pool.fetchval("SELECT count(*) FROM items") == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"basis": "   "}, "basis"),
        ({"scopeRegions": ["430112"]}, "scopeRegions"),  # Wangcheng: outside Jiahe
        ({"scopeRegions": ["431024999"]}, "scopeRegions"),  # inside Jiahe by its digits, but no such town
        ({"windowEnd": f"{THIS_YEAR + 1}-01-31"}, "windowStart"),  # across the turn of the year
        ({"inspectors": []}, "inspectors"),
        ({"exemption": "COMPLAINT"}, "exemptionReason"),
        ({"perUnitCap": 0}, "perUnitCap"),
    ],
)
async def test_an_item_that_breaks_a_rule_is_invalid_input_and_nothing_is_stored(as_office, pool, changes, field):
    jiahe = as_office(JIAHE)
    plan_id = (await jiahe(DRAFT, year=THIS_YEAR))["id"]
    refused = await jiahe(ADD, plan=plan_id, item=flood_item(**changes))
    assert (refused["__typename"], refused["field"]) == ("InvalidInput", field)
    assert await pool.fetchval("SELECT count(*) FROM items") == 0


async def test_another_office_may_not_write_into_a_plan_and_cannot_tell_whether_it_exists(as_office):
    jiahe, changsha = as_office(JIAHE), as_office(CHANGSHA)
    plan_id, (item_id,) = await drafted_with_items(jiahe, 1)
    outside = await changsha(ADD, plan=plan_id, item=flood_item())
    missing = await changsha(ADD, plan="00000000-0000-0000-0000-000000000000", item=flood_item())
    assert outside["__typename"] == missing["__typename"] == "NotAllowed"
    assert (await changsha(REMOVE, id=item_id))["__typename"] == "NotAllowed"
    assert (await as_office(CHENZHOU)(ADD, plan=plan_id, item=flood_item()))["__typename"] == "NotAllowed"


async def test_an_approved_item_is_cancelled_with_its_reason_but_a_coded_one_must_be_revoked(
    as_office, plan_events, pool
):
    jiahe, chenzhou = as_office(JIAHE), as_office(CHENZHOU)
    plan_id, (kept, dropped) = await drafted_with_items(jiahe, 2)
    await jiahe(SUBMIT, plan=plan_id)
    await chenzhou(APPROVE, plan=plan_id)
    assert (await jiahe(CODE, id=kept))["__typename"] == "ItemCode"

    cancelled = await jiahe(CANCEL, id=dropped, reason="与省级专项督查合并开展")
    coded = await jiahe(CANCEL, id=kept, reason="x")
    assert cancelled["status"] == "CANCELLED"
    assert coded["__typename"] == "Conflict"
    assert "revoke" in coded["reason"]
    assert (await chenzhou(CANCEL, id=dropped, reason="x"))["__typename"] == "NotAllowed"
    await plan_events.settle(pool)
    (event,) = plan_events.of_type("plan.item.cancelled")
    assert (event.region, event.data["itemId"], event.data["reason"]) == ("431024", dropped, "与省级专项督查合并开展")


async def test_an_item_removed_or_cancelled_says_the_year_it_counts_in_so_a_subscriber_hearing_it_first_can_count_it(
    as_office, plan_events, pool
):
    """Order on the bus is best effort: a removal or cancellation may be heard before the item's earlier events, and
    next year's plan is drafted this year, so only the event itself can tell a subscriber which year it counts in."""
    jiahe, chenzhou = as_office(JIAHE), as_office(CHENZHOU)
    plan_id, (removed, _kept, cancelled) = await drafted_with_items(jiahe, 3)
    assert (await jiahe(REMOVE, id=removed))["id"] == removed
    await jiahe(SUBMIT, plan=plan_id)
    await chenzhou(APPROVE, plan=plan_id)
    assert (await jiahe(CANCEL, id=cancelled, reason="与省级专项督查合并开展"))["status"] == "CANCELLED"
    await plan_events.settle(pool)
    for event_type, item_id in (("plan.item.removed", removed), ("plan.item.cancelled", cancelled)):
        (event,) = plan_events.of_type(event_type)
        assert (event.data["itemId"], event.data.get("year")) == (item_id, THIS_YEAR), event_type


async def test_plans_are_listed_by_office_and_year_with_their_items(as_office, plan, jwt_keys):
    jiahe = as_office(JIAHE)
    plan_id, item_ids = await drafted_with_items(jiahe, 2)
    query = 'query($year: Int!) { plans(officeId: "431024-dcs", year: $year) { id items { id } office { name } } }'
    body = await graphql(plan, query, {"year": THIS_YEAR}, headers=jwt_keys.bearer(Role.OBSERVER, "4310"))
    assert body["data"]["plans"] == [
        {"id": plan_id, "items": [{"id": i} for i in item_ids], "office": {"name": "嘉禾县委督查室"}}
    ]
    unit = jwt_keys.bearer(Role.UNIT, "431024106201", unit_id="431024106201-cwh")
    body = await graphql(plan, query, {"year": THIS_YEAR}, headers=unit)
    assert body["data"]["plans"] == []
