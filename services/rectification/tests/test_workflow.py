"""The task state machine and who may move or read a task: pure rules, no I/O."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from wurao_common.auth import Caller, Role
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_rectification.domain import access, workflow
from wurao_rectification.domain.tasks import TaskStatus
from wurao_rectification.domain.workflow import (
    Accept,
    ApproveExtension,
    DeclineExtension,
    Moved,
    RequestExtension,
    SendBack,
    Start,
    Submit,
)
from wurao_rectification.testing import (
    CITY_OFFICE,
    INSPECTOR,
    OBSERVER,
    OFFICE_USER,
    OTHER_INSPECTOR,
    OTHER_UNIT,
    OUTSIDE_OFFICE,
    UNIT_USER,
    task,
)

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
S = TaskStatus
ACTOR = {Start: UNIT_USER, Submit: UNIT_USER, Accept: INSPECTOR, SendBack: INSPECTOR}
COMMANDS = {
    Start: Start(),
    Submit: Submit("已清运并建立台账", ("photo/after.jpg",)),
    Accept: Accept(),
    SendBack: SendBack("未见整改"),
}

# from state → what each command leads to (a status, or Conflict)
TABLE = {
    S.OPEN: {Start: S.IN_PROGRESS, Submit: Conflict, Accept: Conflict, SendBack: Conflict},
    S.IN_PROGRESS: {Start: Conflict, Submit: S.SUBMITTED, Accept: Conflict, SendBack: Conflict},
    S.SUBMITTED: {Start: Conflict, Submit: Conflict, Accept: S.CLOSED, SendBack: S.IN_PROGRESS},
    S.CLOSED: {Start: Conflict, Submit: Conflict, Accept: Conflict, SendBack: Conflict},
}


@pytest.mark.parametrize(
    ("status", "command", "expected"),
    [(status, command, expected) for status, row in TABLE.items() for command, expected in row.items()],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_each_command_moves_only_from_its_states(status, command, expected):
    outcome = workflow.move(replace(task(), status=status), COMMANDS[command], ACTOR[command], NOW)
    if expected is Conflict:
        assert isinstance(outcome, Conflict)
    else:
        assert isinstance(outcome, Moved)
        assert outcome.task.status is expected


def test_only_an_accepted_verification_closes_a_task():
    closing = [command for command, rule in workflow.RULES.items() if rule.to_state is S.CLOSED]
    assert closing == [Accept]
    assert workflow.RULES[Accept].actor is workflow.VERIFIER
    assert workflow.VERIFIER.may is access.is_verifier


def test_accepting_emits_verified_then_closed_and_records_the_verifier():
    moved = workflow.move(replace(task(), status=S.SUBMITTED), Accept("现场核实"), OFFICE_USER, NOW)
    assert moved.events == ("verified", "closed")
    assert (moved.task.verified_by, moved.task.verification_note, moved.task.closed_at) == (
        "county-officer",
        "现场核实",
        NOW,
    )


def test_sending_back_counts_the_round_and_keeps_the_reason():
    moved = workflow.move(replace(task(), status=S.SUBMITTED), SendBack("  照片不清晰 "), INSPECTOR, NOW)
    assert moved.events == ("sent_back",)
    assert (moved.task.status, moved.task.times_sent_back, moved.task.sent_back_reason) == (
        S.IN_PROGRESS,
        1,
        "照片不清晰",
    )


def test_submitting_keeps_the_note_and_evidence():
    moved = workflow.move(replace(task(), status=S.IN_PROGRESS), Submit("已整改", ("a.jpg", "b.pdf")), UNIT_USER, NOW)
    assert (moved.task.submission_note, moved.task.submission_evidence, moved.task.submitted_at) == (
        "已整改",
        ("a.jpg", "b.pdf"),
        NOW,
    )


UNIT_OUTSIDE_ITS_REGION = Caller(subject="x", role=Role.UNIT, region="4301", unit_id=UNIT_USER.unit_id)
OFFICE_OUTSIDE_ITS_REGION = Caller(subject="y", role=Role.COUNTY_OFFICE, region="4301", office_id=OFFICE_USER.office_id)
NOT_RECTIFIERS = [OTHER_UNIT, UNIT_OUTSIDE_ITS_REGION, OFFICE_USER, INSPECTOR, CITY_OFFICE, OBSERVER]
NOT_VERIFIERS = [UNIT_USER, OTHER_INSPECTOR, CITY_OFFICE, OUTSIDE_OFFICE, OBSERVER, OFFICE_OUTSIDE_ITS_REGION]


@pytest.mark.parametrize("caller", NOT_RECTIFIERS, ids=lambda c: c.subject)
@pytest.mark.parametrize(("status", "command"), [(S.OPEN, Start), (S.IN_PROGRESS, Submit)], ids=["start", "submit"])
def test_only_the_responsible_unit_starts_and_submits(caller, status, command):
    outcome = workflow.move(replace(task(), status=status), COMMANDS[command], caller, NOW)
    assert isinstance(outcome, NotAllowed)


@pytest.mark.parametrize("caller", NOT_VERIFIERS, ids=lambda c: c.subject)
@pytest.mark.parametrize("command", [Accept, SendBack])
def test_only_the_inspecting_office_or_its_inspectors_verify(caller, command):
    outcome = workflow.move(replace(task(), status=S.SUBMITTED), COMMANDS[command], caller, NOW)
    assert isinstance(outcome, NotAllowed)


@pytest.mark.parametrize("verifier", [OFFICE_USER, INSPECTOR], ids=lambda c: c.subject)
def test_the_inspecting_office_and_its_inspector_may_verify(verifier):
    assert isinstance(workflow.move(replace(task(), status=S.SUBMITTED), Accept(), verifier, NOW), Moved)


def test_a_caller_without_the_right_learns_nothing_about_the_state():
    outcome = workflow.move(replace(task(), status=S.CLOSED), Start(), OTHER_UNIT, NOW)
    assert isinstance(outcome, NotAllowed)


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (Submit("   "), "note"),
        (Submit("ok", ("",)), "evidence"),
        (Submit("ok", tuple(f"p{i}.jpg" for i in range(workflow.MAX_EVIDENCE_REFS + 1))), "evidence"),
        (Submit("x" * (workflow.MAX_NOTE + 1)), "note"),
        (SendBack(""), "reason"),
        (Accept("x" * (workflow.MAX_NOTE + 1)), "note"),
    ],
)
def test_unusable_notes_and_evidence_are_invalid_input(command, field):
    status = S.IN_PROGRESS if isinstance(command, Submit) else S.SUBMITTED
    caller = UNIT_USER if isinstance(command, Submit) else INSPECTOR
    outcome = workflow.move(replace(task(), status=status), command, caller, NOW)
    assert isinstance(outcome, Invalid)
    assert outcome.field == field


@pytest.mark.parametrize(
    ("caller", "readable"),
    [
        (UNIT_USER, True),
        (OTHER_UNIT, False),
        (OFFICE_USER, True),
        (INSPECTOR, True),
        (OTHER_INSPECTOR, False),
        (CITY_OFFICE, True),
        (OUTSIDE_OFFICE, False),
        (OBSERVER, True),
        (Caller(subject="z", role=Role.OBSERVER, region="4301"), False),
        (Caller(subject="u", role=Role.UNIT, region="431024106201"), False),  # a unit token without a unit claim
    ],
    ids=lambda value: getattr(value, "subject", str(value)),
)
def test_who_may_read_a_task(caller, readable):
    assert access.may_read(caller, task()) is readable


def _requested(until=date(2026, 4, 30), reason="雨季无法施工"):
    return workflow.move(task(), RequestExtension(until, reason), UNIT_USER, NOW)


def test_the_unit_asks_once_for_a_later_deadline_and_the_issuing_office_approves_it():
    requested = _requested()
    assert requested.events == ("extension_requested",)
    assert (requested.task.extension_status, requested.task.deadline) == ("requested", date(2026, 3, 31))
    approved = workflow.move(requested.task, ApproveExtension(), OFFICE_USER, NOW)
    assert approved.events == ("extension_approved",)
    moved = approved.task
    assert (moved.deadline, moved.original_deadline, moved.status) == (date(2026, 4, 30), date(2026, 3, 31), S.OPEN)
    again = workflow.move(moved, RequestExtension(date(2026, 5, 30), "再延"), UNIT_USER, NOW)
    assert isinstance(again, Conflict), "a deadline is extended once"


def test_a_declined_extension_keeps_the_deadline_and_cannot_be_asked_again():
    declined = workflow.move(_requested().task, DeclineExtension("已给足期限"), OFFICE_USER, NOW).task
    assert (declined.extension_status, declined.deadline, declined.extension_decision_note) == (
        "declined",
        date(2026, 3, 31),
        "已给足期限",
    )
    assert isinstance(workflow.move(declined, RequestExtension(date(2026, 4, 5), "再申请"), UNIT_USER, NOW), Conflict)
    assert isinstance(workflow.move(declined, ApproveExtension(), OFFICE_USER, NOW), Conflict)


@pytest.mark.parametrize(
    ("until", "reason", "field"),
    [(date(2026, 3, 31), "理由", "until"), (date(2026, 7, 1), "理由", "until"), (date(2026, 4, 30), " ", "reason")],
)
def test_an_extension_must_be_later_within_90_days_and_give_a_reason(until, reason, field):
    refused = workflow.move(task(), RequestExtension(until, reason), UNIT_USER, NOW)
    assert isinstance(refused, Invalid)
    assert refused.field == field


@pytest.mark.parametrize("caller", [INSPECTOR, CITY_OFFICE, OTHER_INSPECTOR, OUTSIDE_OFFICE, UNIT_USER, OBSERVER])
def test_only_the_issuing_office_decides_an_extension(caller):
    requested = _requested().task
    assert isinstance(workflow.move(requested, ApproveExtension(), caller, NOW), NotAllowed)
    assert isinstance(workflow.move(requested, DeclineExtension("否"), caller, NOW), NotAllowed)


@pytest.mark.parametrize("caller", [OTHER_UNIT, OFFICE_USER, INSPECTOR, OBSERVER])
def test_only_the_responsible_unit_asks_for_an_extension(caller):
    assert isinstance(workflow.move(task(), RequestExtension(date(2026, 4, 30), "理由"), caller, NOW), NotAllowed)


def test_a_submitted_task_asks_for_no_extension():
    submitted = replace(task(), status=S.SUBMITTED)
    assert isinstance(workflow.move(submitted, RequestExtension(date(2026, 4, 30), "理由"), UNIT_USER, NOW), Conflict)
