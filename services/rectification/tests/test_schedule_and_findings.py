"""Deadlines, reminders, escalations (following the deadline in force), and the task a finding opens: pure
rules, no I/O."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wurao_common.outcomes import Invalid
from wurao_rectification.domain import schedule, workflow
from wurao_rectification.domain.findings import DEFAULT_DAYS, task_for_finding
from wurao_rectification.domain.tasks import CHINA, Severity, Task, TaskStatus, due_instant
from wurao_rectification.domain.workflow import ApproveExtension, RequestExtension, SendBack, Start, Submit
from wurao_rectification.testing import INSPECTOR, OFFICE_USER, RECORDED_AT, UNIT_USER, finding, task

# Deadline 2026-03-31: due at midnight China time that ends it.
DUE = datetime(2026, 4, 1, tzinfo=CHINA)


def at(days: float) -> datetime:
    return DUE + timedelta(days=days)


def sweep_levels(subject: Task, now: datetime) -> list[tuple[int, str]]:
    return [(notice.level, notice.target_region) for notice in schedule.due_notices(subject, now).notices]


def test_a_task_is_due_at_the_midnight_ending_its_deadline_day_in_china():
    subject = task(proposedDeadline="2026-03-31")
    assert subject.due_at == DUE
    assert not subject.is_overdue(DUE - timedelta(seconds=1))
    assert subject.is_overdue(DUE)


def test_a_submitted_task_is_not_overdue_while_it_awaits_verification():
    assert not replace(task(), status=TaskStatus.SUBMITTED).is_overdue(at(30))


@pytest.mark.parametrize(
    ("now_days", "expected"),
    [
        (-3.01, []),
        (-3, [(0, "431024106201")]),
        (-0.5, [(0, "431024106201")]),
        (2.99, []),  # the reminder has lapsed with the deadline, no escalation yet
        (3, [(1, "4310")]),
        (7, [(1, "4310"), (2, "43")]),
    ],
)
def test_notices_due_for_a_county_task_never_notified(now_days, expected):
    assert sweep_levels(task(), at(now_days)) == expected


def test_a_city_offices_task_escalates_to_the_province_at_both_levels():
    subject = task(officeId="4310-dcs", officeRegion="4310")
    assert sweep_levels(subject, at(8)) == [(1, "43"), (2, "43")]


def test_levels_already_dealt_with_are_not_repeated():
    subject = replace(task(), notified_level=schedule.ESCALATION_TO_HIGHER_OFFICE)
    assert sweep_levels(subject, at(8)) == [(2, "43")]
    assert sweep_levels(replace(subject, notified_level=2), at(30)) == []


@pytest.mark.parametrize("status", [TaskStatus.SUBMITTED, TaskStatus.CLOSED])
def test_nothing_is_sent_while_the_unit_owes_nothing(status):
    subject = replace(task(), status=status)
    assert sweep_levels(subject, at(30)) == []
    assert schedule.next_notice_at(subject) is None


def test_a_task_sent_back_after_the_deadline_resumes_at_the_next_escalation():
    subject = replace(task(), status=TaskStatus.IN_PROGRESS, notified_level=schedule.REMINDER)
    assert schedule.next_notice_at(subject) == at(3)


def swept(subject: Task, now: datetime) -> tuple[list[tuple[int, str, date]], Task]:
    """The notices a sweep at `now` sends (level, target, deadline), and the task as the sweep leaves it."""
    sweep = schedule.due_notices(subject, now)
    sent = [(notice.level, notice.target_region, notice.deadline) for notice in sweep.notices]
    return sent, replace(subject, notified_level=sweep.notified_level)


def step(subject: Task, command: workflow.Command, now: datetime) -> Task:
    caller = {RequestExtension: UNIT_USER, ApproveExtension: OFFICE_USER, SendBack: INSPECTOR}.get(type(command))
    moved = workflow.move(subject, command, caller or UNIT_USER, now)
    assert isinstance(moved, workflow.Moved), moved
    return moved.task


def extended(subject: Task, until: date, *, asked: datetime, approved: datetime) -> Task:
    """The unit asks for `until` at `asked`, the issuing office approves at `approved`."""
    return step(step(subject, RequestExtension(until, "雨季无法施工"), asked), ApproveExtension(), approved)


NEW_DEADLINE = date(2026, 4, 30)
NEW_DUE = datetime(2026, 5, 1, tzinfo=CHINA)


def test_an_extension_approved_after_the_reminder_brings_a_reminder_before_the_new_deadline():
    sent, reminded = swept(task(), at(-2))
    assert sent == [(0, "431024106201", date(2026, 3, 31))]
    subject = extended(reminded, NEW_DEADLINE, asked=at(-1.5), approved=at(-1))
    assert schedule.next_notice_at(subject) == NEW_DUE - timedelta(days=3)
    assert swept(subject, at(3))[0] == [], "the old deadline no longer escalates"
    assert swept(subject, NEW_DUE - timedelta(days=3, seconds=1))[0] == []
    sent, subject = swept(subject, NEW_DUE - timedelta(days=3))
    assert sent == [(0, "431024106201", NEW_DEADLINE)]
    assert schedule.next_notice_at(subject) == NEW_DUE + timedelta(days=3)


def test_escalations_sent_before_an_extension_are_not_repeated_and_the_new_deadline_escalates_if_it_passes_too():
    subject = step(task(), RequestExtension(date(2026, 4, 15), "雨季无法施工"), at(-1))
    _, subject = swept(subject, at(-2))
    sent, subject = swept(subject, at(3.5))
    assert sent == [(1, "4310", date(2026, 3, 31))]
    subject = step(subject, ApproveExtension(), at(4))  # approved late, after the old deadline's first escalation
    assert schedule.due_notices(subject, at(4)).notices == ()
    sends = []
    for days in (7, 11.9, 12, 18, 22, 40):  # the old deadline's level 2 was due at 7; the new one is due at 15
        sent, subject = swept(subject, at(days))
        sends.append(sent)
    new = date(2026, 4, 15)
    assert sends == [[], [], [(0, "431024106201", new)], [(1, "4310", new)], [(2, "43", new)], []]


def test_an_extension_approved_after_its_new_deadline_passed_escalates_from_it_without_a_late_reminder():
    subject = step(task(), RequestExtension(date(2026, 4, 5), "雨季无法施工"), at(-1))
    _, subject = swept(subject, at(3))  # the old deadline's reminder lapsed; its level 1 went out
    subject = step(subject, ApproveExtension(), at(9))  # the new deadline ended at 5
    sent, subject = swept(subject, at(9))
    assert sent == [(1, "4310", date(2026, 4, 5))]
    assert schedule.next_notice_at(subject) == at(12)


def test_a_task_sent_back_after_an_extension_approved_while_it_awaited_verification_is_reminded_before_it():
    _, subject = swept(step(task(), Start(), at(-5)), at(-2))
    subject = step(subject, RequestExtension(NEW_DEADLINE, "雨季无法施工"), at(-2))
    subject = step(subject, Submit("已清运"), at(-1))
    subject = step(subject, ApproveExtension(), at(0))
    assert schedule.next_notice_at(subject) is None, "nothing while it awaits verification"
    subject = step(subject, SendBack("未见清运记录"), at(1))
    assert schedule.next_notice_at(subject) == NEW_DUE - timedelta(days=3)
    assert swept(subject, NEW_DUE - timedelta(days=2))[0] == [(0, "431024106201", NEW_DEADLINE)]


@pytest.mark.parametrize(
    ("region", "higher"), [("431024", "4310"), ("4310", "43"), ("43", "43"), ("431024106", "431024")]
)
def test_the_region_one_level_up(region, higher):
    assert schedule.higher_region(region) == higher


moments = st.floats(min_value=-20, max_value=20, allow_nan=False).map(at)


@given(
    deadline=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    level=st.integers(min_value=-1, max_value=2),
    now=st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2028, 2, 1), timezones=st.just(UTC)),
)
def test_after_a_sweep_the_task_is_not_due_again_until_later(deadline, level, now):
    subject = replace(task(), deadline=deadline, notified_level=level)
    swept = replace(subject, notified_level=schedule.due_notices(subject, now).notified_level)
    following = schedule.next_notice_at(swept)
    assert following is None or following > now
    assert schedule.due_notices(swept, now).notices == ()


@given(st.lists(moments, min_size=1, max_size=8).map(sorted))
def test_sweeps_at_any_moments_send_each_level_once_in_order_and_no_late_reminder(times):
    subject, sent = task(), []
    for now in times:
        sweep = schedule.due_notices(subject, now)
        sent += [(notice.level, now) for notice in sweep.notices]
        subject = replace(subject, notified_level=sweep.notified_level)
    levels = [level for level, _ in sent]
    assert levels == sorted(set(levels))
    assert all(now < DUE for level, now in sent if level == schedule.REMINDER)


@given(
    st.lists(moments, min_size=1, max_size=8).map(sorted),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=1, max_value=30),
)
def test_with_an_extension_approved_at_any_sweep_each_level_is_sent_once_per_deadline_and_the_new_one_reminds(
    times, approved_at, days
):
    new_deadline = date(2026, 3, 31) + timedelta(days=days)
    subject = step(task(), RequestExtension(new_deadline, "理由"), at(-20))
    sent: list[tuple[int, date, int, datetime]] = []  # (sweep, deadline, level, moment)
    for n, now in enumerate(times):
        if n == approved_at:
            subject = step(subject, ApproveExtension(), now)
        sweep = schedule.due_notices(subject, now)
        sent += [(n, notice.deadline, notice.level, now) for notice in sweep.notices]
        subject = replace(subject, notified_level=sweep.notified_level)
    for deadline in {deadline for _, deadline, _, _ in sent}:
        levels = [level for _, sent_for, level, _ in sent if sent_for == deadline]
        assert levels == sorted(set(levels))
    assert all(now < due_instant(deadline) for _, deadline, level, now in sent if level == schedule.REMINDER)
    assert all(deadline == new_deadline for n, deadline, _, _ in sent if n >= approved_at)
    reminder_from = due_instant(new_deadline) - timedelta(days=3)
    if any(reminder_from <= now < due_instant(new_deadline) for now in times[approved_at:]):
        assert (new_deadline, schedule.REMINDER) in {(deadline, level) for _, deadline, level, _ in sent}


def test_a_finding_opens_an_open_task_with_the_proposed_deadline():
    data = finding(severity="high", proposedDeadline="2026-03-20")
    opened = task_for_finding(data, task_id="t", recorded_at=RECORDED_AT)
    assert (opened.status, opened.severity, opened.deadline) == (TaskStatus.OPEN, Severity.HIGH, date(2026, 3, 20))
    assert (opened.finding_id, opened.item_id, opened.unit_region) == (
        data["findingId"],
        data["itemId"],
        "431024106201",
    )


@pytest.mark.parametrize("proposed", [None, "not a date", "2026-02-01"])
def test_a_missing_or_past_proposed_deadline_falls_back_to_the_severity_default(proposed):
    opened = task_for_finding(finding(severity="low", proposedDeadline=proposed), task_id="t", recorded_at=RECORDED_AT)
    assert opened.deadline == date(2026, 3, 2) + timedelta(days=DEFAULT_DAYS[Severity.LOW])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"findingId": ""}, "findingId"),
        ({"itemId": None}, "itemId"),
        ({"unitRegion": "43x"}, "unitRegion"),
        ({"unitRegion": "430112001001"}, "unitRegion"),  # outside the inspecting office's county
        ({"severity": "critical"}, "severity"),
        ({"description": "  "}, "description"),
        ({"evidence": "photo.jpg"}, "evidence"),
    ],
)
def test_a_finding_that_cannot_open_a_task_says_why(overrides, field):
    outcome = task_for_finding(finding(**overrides), task_id="t", recorded_at=RECORDED_AT)
    assert isinstance(outcome, Invalid)
    assert outcome.field == field
