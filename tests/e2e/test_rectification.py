"""Rectification the way people work, through the gateway: the responsible unit asks once for a later deadline
and the issuing office grants it (on the task and on the item's timeline); an overdue task escalates to the
supervision office above, which rectification knows from the demo seed's events, and that office lists it."""

from datetime import datetime, timedelta

import asyncpg
import pytest

from wurao_common import db
from wurao_common.auth import Role
from wurao_reporting.domain.periods import CHINA

pytestmark = pytest.mark.e2e

OFFICE, OFFICE_REGION = "431024-dcs", "431024"  # Jiahe county's, which inspects and issues the task
CHENZHOU, PROVINCE = "4310-dcs", "43-dcs"  # one level above it, then the province
OUTCOME = "__typename ... on Task { deadline } ... on NotAllowed { reason } ... on InvalidInput { field reason }"
EXTEND = f"""mutation($id: ID!, $until: Date!, $reason: String!) {{
  requestDeadlineExtension(id: $id, until: $until, reason: $reason) {{ {OUTCOME} }} }}"""
DECIDE = f"""mutation($id: ID!, $approve: Boolean!, $note: String!) {{
  decideDeadlineExtension(id: $id, approve: $approve, note: $note) {{ {OUTCOME} }} }}"""
EXTENSION = "query($id: ID!) { task(id: $id) { deadline extension { status until reason originalDeadline } } }"
TIMELINE = "query($id: ID!) { item(id: $id) { timeline { step details } } }"
ESCALATED = "query { escalatedTasks { tasks { id } } }"


def day(days_from_today: int) -> str:
    return (datetime.now(CHINA).date() + timedelta(days=days_from_today)).isoformat()


def outsiders(platform) -> dict[str, str]:
    return {
        "a unit elsewhere": platform.keys.token(Role.UNIT, "430112", unit="430112-zf"),
        "an office elsewhere": platform.keys.token(Role.CITY_OFFICE, "4301", office="4301-dcs"),
        "an inspector elsewhere": platform.keys.token(Role.INSPECTOR, "430112", office="430112-dcs"),
    }


async def test_the_unit_asks_once_the_issuing_office_extends_the_deadline_and_the_timeline_shows_both(
    platform, call, until, open_task
):
    task_id, item_id, unit = open_task
    office = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)
    ask = {"id": task_id, "until": day(50), "reason": "雨季无法施工"}
    decide = {"id": task_id, "approve": True, "note": "同意延期"}

    for who, token in {**outsiders(platform), "the issuing office": office}.items():
        refused = (await call(EXTEND, ask, token))["requestDeadlineExtension"]
        assert refused["__typename"] in ("NotAllowed", "InvalidInput"), who
    assert (await call(EXTEND, ask, unit))["requestDeadlineExtension"] == {"__typename": "Task", "deadline": day(20)}
    for who, token in {**outsiders(platform), "the unit": unit}.items():
        refused = (await call(DECIDE, decide, token))["decideDeadlineExtension"]
        assert refused["__typename"] in ("NotAllowed", "InvalidInput"), who
    approved = (await call(DECIDE, decide, office))["decideDeadlineExtension"]
    assert approved == {"__typename": "Task", "deadline": day(50)}

    shown = (await call(EXTENSION, {"id": task_id}, unit))["task"]
    assert shown == {
        "deadline": day(50),
        "extension": {"status": "APPROVED", "until": day(50), "reason": "雨季无法施工", "originalDeadline": day(20)},
    }
    again = (await call(EXTEND, {**ask, "until": day(60)}, unit))["requestDeadlineExtension"]
    assert again["__typename"] == "Conflict", "a deadline is extended once"
    for who, token in outsiders(platform).items():
        assert (await call(EXTENSION, {"id": task_id}, token))["task"] is None, who

    async def told():
        steps = (await call(TIMELINE, {"id": item_id}, office))["item"]["timeline"]
        found = {
            step["step"]: step["details"]
            for step in steps
            if step["step"].startswith("task_extension") and step["details"]["taskId"] == task_id
        }
        return found if len(found) == 2 else None

    told = await until(told, "reporting's timeline shows the request and the approval")
    assert told["task_extension_requested"]["until"] == day(50)
    assert told["task_extension_approved"]["previousDeadline"] == day(20)


async def test_an_overdue_task_escalates_to_the_office_above_then_the_province_and_each_lists_it(
    platform, servers, call, until, open_task
):
    task_id, item_id, unit = open_task
    # Eight days pass: the task's deadline is moved back as time would have moved it.
    conn = await asyncpg.connect(await db.ensure_database(servers.postgres.url, "wurao_rectification"))
    try:
        await conn.execute(
            "UPDATE tasks SET deadline = $2, next_notice_at = now() WHERE id = $1",
            task_id,
            datetime.now(CHINA).date() - timedelta(days=8),
        )
    finally:
        await conn.close()
    chenzhou = platform.keys.token(Role.CITY_OFFICE, "4310", office=CHENZHOU)
    province = platform.keys.token(Role.PROVINCE_OFFICE, "43", office=PROVINCE)

    for who, token in (("Chenzhou's office", chenzhou), ("the province's office", province)):

        async def listed(token=token):
            return task_id in [task["id"] for task in (await call(ESCALATED, {}, token))["escalatedTasks"]["tasks"]]

        await until(listed, f"{who} lists the escalated task")

    issuing = platform.keys.token(Role.COUNTY_OFFICE, OFFICE_REGION, office=OFFICE)
    for who, token in {**outsiders(platform), "the unit": unit, "the issuing office": issuing}.items():
        assert task_id not in [t["id"] for t in (await call(ESCALATED, {}, token))["escalatedTasks"]["tasks"]], who

    async def told():
        steps = (await call(TIMELINE, {"id": item_id}, issuing))["item"]["timeline"]
        found = [s["details"] for s in steps if s["step"] == "task_escalated" and s["details"]["taskId"] == task_id]
        return found if len(found) == 2 else None

    escalations = await until(told, "reporting's timeline shows both escalations")
    assert sorted((e["escalatedToRegion"], e["escalatedToOfficeId"]) for e in escalations) == [
        ("43", PROVINCE),
        ("4310", CHENZHOU),
    ]
