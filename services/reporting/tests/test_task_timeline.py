"""Item.timeline shows a rectification task's deadline extension and the office an escalation went to, from the
events rectification publishes; to callers reaching the item's office only, never to a unit nor to an inspector of
another office (it names every unit visited and what was found)."""

import uuid

from wurao_common.auth import Role
from wurao_common.testing import graphql
from wurao_reporting import testing as t

TIMELINE = """query($id: ID!) { _entities(representations: [{__typename: "Item", id: $id}]) {
  ... on Item { timeline { step what details } } } }"""


async def test_an_extension_and_an_escalation_are_steps_of_the_items_timeline(apply, reporting, jwt_keys):
    item_id, task_id = f"item-{uuid.uuid4()}", str(uuid.uuid4())
    await apply(
        t.item_event("plan.item.approved", item_id),
        t.task_opened(task_id, item_id=item_id, deadline="2026-03-31"),
        t.task_step("extension_requested", task_id, item_id=item_id, deadline="2026-03-31", until="2026-04-30"),
        t.task_step(
            "extension_approved", task_id, item_id=item_id, deadline="2026-04-30", previousDeadline="2026-03-31"
        ),
        t.task_step(
            "escalated",
            task_id,
            item_id=item_id,
            level=1,
            deadline="2026-04-30",
            escalatedToRegion=t.CITY,
            escalatedToOfficeId=f"{t.CITY}-dcs",
        ),
    )

    office = jwt_keys.bearer(Role.COUNTY_OFFICE, t.OFFICE_REGION, office_id=t.OFFICE)
    body = await graphql(reporting, TIMELINE, {"id": item_id}, headers=office)
    steps = {entry["step"]: entry for entry in body["data"]["_entities"][0]["timeline"]}

    assert steps["task_extension_requested"]["what"] == "申请延期：期限 2026-03-31 延至 2026-04-30"
    assert steps["task_extension_approved"]["what"] == "延期获批：期限 2026-03-31 延至 2026-04-30"
    assert steps["task_escalated"]["details"]["escalatedToOfficeId"] == f"{t.CITY}-dcs"
    outside = jwt_keys.bearer(Role.CITY_OFFICE, "4301", office_id="4301-dcs")
    body = await graphql(reporting, TIMELINE, {"id": item_id}, headers=outside)
    assert body["data"]["_entities"][0]["timeline"] is None


async def test_the_timeline_is_the_offices_record_not_read_by_units_nor_by_other_offices_inspectors(
    apply, reporting, jwt_keys
):
    item_id = f"item-{uuid.uuid4()}"
    await apply(t.item_event("plan.item.approved", item_id), t.visit(item_id=item_id))

    async def timeline_for(role: Role, region: str, **claims) -> list | None:
        body = await graphql(reporting, TIMELINE, {"id": item_id}, headers=jwt_keys.bearer(role, region, **claims))
        assert "errors" not in body, body
        return body["data"]["_entities"][0]["timeline"]

    readers = [
        (Role.COUNTY_OFFICE, t.OFFICE_REGION, {"office_id": t.OFFICE}),
        (Role.INSPECTOR, t.OFFICE_REGION, {"office_id": t.OFFICE}),
        (Role.OBSERVER, t.OFFICE_REGION, {}),
    ]
    for role, region, claims in readers:
        steps = await timeline_for(role, region, **claims)
        assert [entry["step"] for entry in steps] == ["approved", "visited"], role
    kept_out = [
        (Role.INSPECTOR, t.OFFICE_REGION, {"office_id": f"{t.OFFICE_REGION}-yjj"}),  # another office of the county
        (Role.UNIT, t.UNIT_REGION, {"unit_id": t.UNIT}),  # the visited unit itself
        (Role.UNIT, t.OFFICE_REGION, {"unit_id": f"{t.OFFICE_REGION}-zf"}),  # a unit whose region holds the office's
    ]
    for role, region, claims in kept_out:
        assert await timeline_for(role, region, **claims) is None, (role, claims)
