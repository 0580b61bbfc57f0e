"""Reminders before the deadline and escalations after it, as pure functions of (task, now).

Level 0 reminds the unit 3 days before the task is due; level 1 escalates 3 days after it to the office one
level above the inspecting office (city for a county office, province for a city office); level 2 escalates
7 days after it to the province. Each level happens at most once per deadline, in order; a reminder whose moment
has passed with the deadline (the service was down, or the task came back late) lapses instead of arriving late.

Notices follow the deadline in force. An approved extension (once per task) gives the new deadline its own reminder
and escalations, counted from it (the workflow sets `notified_level` back to nothing notified): what went out for the
old deadline stays sent and is not repeated, and what the old deadline had not reached yet never comes. So an
extension approved after the old reminder brings a reminder before the new deadline, and one approved after an
escalation brings the new deadline's escalations too, should it pass as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from wurao_rectification.domain.tasks import Task

REMINDER = 0
ESCALATION_TO_HIGHER_OFFICE = 1
ESCALATION_TO_PROVINCE = 2
_OFFSETS = {
    REMINDER: timedelta(days=-3),
    ESCALATION_TO_HIGHER_OFFICE: timedelta(days=3),
    ESCALATION_TO_PROVINCE: timedelta(days=7),
}
_REGION_DEPTHS = (2, 4, 6, 9, 12)


@dataclass(frozen=True)
class Notice:
    level: int
    at: datetime
    target_region: str
    deadline: date  # the deadline it reminds of or escalates: the one in force when it is due

    @property
    def is_reminder(self) -> bool:
        return self.level == REMINDER

    @property
    def action(self) -> str:
        """What the task's timeline and event call it."""
        return "reminded" if self.is_reminder else "escalated"


@dataclass(frozen=True)
class Sweep:
    """What a sweep at `now` does to a task: the notices to send and the level the task has then reached."""

    notices: tuple[Notice, ...]
    notified_level: int


def higher_region(region: str) -> str:
    """The region one government level up: `431024` → `4310`; the province has nothing above it."""
    shallower = [depth for depth in _REGION_DEPTHS if depth < len(region)]
    return region[: shallower[-1]] if shallower else region


def notices_for(task: Task) -> tuple[Notice, ...]:
    """The deadline in force's reminder and escalations."""
    targets = {
        REMINDER: task.unit_region,
        ESCALATION_TO_HIGHER_OFFICE: higher_region(task.office_region),
        ESCALATION_TO_PROVINCE: task.office_region[:2],
    }
    return tuple(
        Notice(level, task.due_at + offset, targets[level], task.deadline) for level, offset in _OFFSETS.items()
    )


def _pending(task: Task) -> list[Notice]:
    if not task.awaits_unit:
        return []
    return [notice for notice in notices_for(task) if notice.level > task.notified_level]


def due_notices(task: Task, now: datetime) -> Sweep:
    reached = [notice for notice in _pending(task) if notice.at <= now]
    if not reached:
        return Sweep((), task.notified_level)
    send = tuple(n for n in reached if not (n.is_reminder and now >= task.due_at))
    return Sweep(send, reached[-1].level)


def next_notice_at(task: Task) -> datetime | None:
    """When the task next needs the sweeper; None when nothing is left to remind or escalate."""
    pending = _pending(task)
    return pending[0].at if pending else None
