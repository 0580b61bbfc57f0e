"""Item.timeline shows a rectification task's deadline extension and the office an escalation went to, from the
events rectification publishes; to callers reaching the item's office only."""

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
