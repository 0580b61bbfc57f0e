"""Complaints are handled (码上减负) by the office they were routed to, step by step, with findings and a reply the
complainant reads; the office complained about never learns who complained. Real PostgreSQL."""

import json
from datetime import UTC, datetime

import pytest

from wurao_common.auth import Caller, Role
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_inspection.domain.complaints import ComplaintStatus, ComplaintStep, next_status, sees_complainant
from wurao_inspection.domain.feedback import Complaint, ComplaintKind
from wurao_inspection.usecases.complaints import complaints_for, file_complaint, handle_complaint

CITY = Caller(subject="city-clerk", role=Role.CITY_OFFICE, region="4310", office_id="4310-dcs")
COUNTY = Caller(subject="county-clerk", role=Role.COUNTY_OFFICE, region="431024", office_id="431024-dcs")
OTHER_CITY = Caller(subject="x", role=Role.CITY_OFFICE, region="4301", office_id="4301-dcs")


def test_a_complaint_moves_only_forward_through_its_handling():
    assert next_status(ComplaintStatus.RECEIVED, ComplaintStep.INVESTIGATE) is ComplaintStatus.INVESTIGATING
    assert next_status(ComplaintStatus.RECEIVED, ComplaintStep.SUBSTANTIATE) is None, "investigate first"
    assert next_status(ComplaintStatus.INVESTIGATING, ComplaintStep.FIND_UNFOUNDED) is ComplaintStatus.UNFOUNDED
    assert next_status(ComplaintStatus.SUBSTANTIATED, ComplaintStep.CLOSE) is ComplaintStatus.CLOSED
    assert next_status(ComplaintStatus.CLOSED, ComplaintStep.INVESTIGATE) is None


def test_only_the_office_complained_about_is_not_told_who_complained():
    assert not sees_complainant(COUNTY, "431024-dcs")
    assert sees_complainant(CITY, "431024-dcs")


@pytest.fixture
async def complaint(plan, as_unit, now, chenzhou_office) -> tuple[str, Complaint]:
    await plan.publish("plan.office.registered", chenzhou_office, region="4310")
    await plan.publish(
        "plan.negative_list.published",
        {
            "version": 7,
            "publishedAt": datetime.now(UTC).isoformat(),
            "entries": [{"code": "N04", "text": "不要求陪同"}],
        },
    )
    unit_id = await plan.unit()
    coded = await plan.item()
    filed = await file_complaint(
        plan.pool,
        as_unit(unit_id),
        ComplaintKind.NEGATIVE_LIST_BREACH,
        description="要求村里安排专人陪同",
        place="村部",
        evidence=[],
        now=now,
        item_id=coded.item_id,
        negative_list_entry="N04",
    )
    assert isinstance(filed, Complaint)
    return unit_id, filed


async def test_the_routed_office_investigates_concludes_and_closes_and_the_unit_reads_the_reply(
    complaint, deps, as_unit, now
):
    unit_id, filed = complaint
    assert (filed.routed_office_id, filed.negative_list_version) == ("4310-dcs", 7)

    steps = [
        await handle_complaint(deps.pool, CITY, filed.id, ComplaintStep.INVESTIGATE, now=now),
        await handle_complaint(deps.pool, CITY, filed.id, ComplaintStep.SUBSTANTIATE, text="确有陪同要求", now=now),
        await handle_complaint(deps.pool, CITY, filed.id, ComplaintStep.CLOSE, text="已责令整改并通报", now=now),
    ]

    assert [step.status for step in steps] == ["investigating", "substantiated", "closed"]
    mine = await complaints_for(deps.pool, as_unit(unit_id), 10)
    assert [(c.status, c.outcome, c.findings, c.reply) for c in mine] == [
        ("closed", "substantiated", "确有陪同要求", "已责令整改并通报")
    ]
    rows = await deps.pool.fetch("SELECT payload FROM outbox WHERE subject LIKE 'wurao.inspection.complaint.%'")
    events = [json.loads(row["payload"]) for row in rows]
    mine_events = [e for e in events if e["data"]["complaintId"] == filed.id]
    assert [e["type"].rsplit(".", 1)[-1] for e in mine_events] == ["filed", "investigating", "concluded", "closed"]
    assert all("unitId" not in e["data"] for e in mine_events[1:]), "a handling step never names the complainant"


async def test_no_one_but_the_routed_office_handles_it_and_steps_keep_their_order(complaint, deps, as_unit, now):
    unit_id, filed = complaint
    for caller in (COUNTY, OTHER_CITY, as_unit(unit_id)):
        outcome = await handle_complaint(deps.pool, caller, filed.id, ComplaintStep.INVESTIGATE, now=now)
        assert isinstance(outcome, NotAllowed), caller.role
    early = await handle_complaint(deps.pool, CITY, filed.id, ComplaintStep.CLOSE, text="答复", now=now)
    assert isinstance(early, Conflict)
    await handle_complaint(deps.pool, CITY, filed.id, ComplaintStep.INVESTIGATE, now=now)
    empty = await handle_complaint(deps.pool, CITY, filed.id, ComplaintStep.FIND_UNFOUNDED, text=" ", now=now)
    assert isinstance(empty, Invalid)
    assert empty.field == "findings"
    status = await deps.pool.fetchval("SELECT status FROM complaints WHERE id = $1::uuid", filed.id)
    assert status == "investigating", "nothing changed by the refused steps"


async def test_a_retried_step_returns_the_complaint_as_the_first_run_left_it(complaint, deps, now):
    _, filed = complaint
    first = await handle_complaint(deps.pool, CITY, filed.id, ComplaintStep.INVESTIGATE, now=now, request_id="s-1")
    again = await handle_complaint(deps.pool, CITY, filed.id, ComplaintStep.INVESTIGATE, now=now, request_id="s-1")
    assert (first.status, again.status) == ("investigating", "investigating")
    count = await deps.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE subject LIKE 'wurao.inspection.complaint.investigating.%'"
        " AND convert_from(payload, 'UTF8') LIKE '%' || $1 || '%'",
        filed.id,
    )
    assert count == 1
