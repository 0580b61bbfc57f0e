"""Rectification tasks (整改任务): what a responsible unit must fix after a finding, and by when."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

# Deadlines are calendar days in China (UTC+8, no daylight saving): a task due on a day is late from the
# midnight that ends it, wherever the server runs.
CHINA = timezone(timedelta(hours=8), "CST")
NOTHING_NOTIFIED = -1


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    CLOSED = "closed"


class ExtensionStatus(enum.StrEnum):
    """A deadline is extended once: requested by the responsible unit, then approved or declined."""

    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Task:
    id: str
    finding_id: str
    visit_id: str
    item_id: str
    office_id: str
    office_region: str
    responsible_unit_id: str
    unit_region: str
    severity: Severity
    description: str
    finding_evidence: tuple[str, ...]
    deadline: date
    status: TaskStatus
    opened_at: datetime
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    closed_at: datetime | None = None
    submission_note: str | None = None
    submission_evidence: tuple[str, ...] = ()
    sent_back_reason: str | None = None
    times_sent_back: int = 0
    verified_by: str | None = None
    verification_note: str | None = None
    # The highest reminder/escalation level already dealt with for the deadline in force (see schedule); replicas
    # never repeat one.
    notified_level: int = NOTHING_NOTIFIED
    extension_status: ExtensionStatus | None = None
    extension_until: date | None = None
    extension_reason: str | None = None
    extension_decided_by: str | None = None
    extension_decision_note: str | None = None
    original_deadline: date | None = None  # the deadline an approved extension replaced

    @property
    def awaits_unit(self) -> bool:
        """The unit still owes its rectification: only then do reminders and escalations apply."""
        return self.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)

    @property
    def due_at(self) -> datetime:
        return due_instant(self.deadline)

    def is_overdue(self, now: datetime) -> bool:
        return self.awaits_unit and now >= self.due_at

    @property
    def submitted_on_time(self) -> bool | None:
        return None if self.submitted_at is None else self.submitted_at < self.due_at


def due_instant(deadline: date) -> datetime:
    """The midnight (China time) that ends the deadline day."""
    return datetime.combine(deadline + timedelta(days=1), time(0), CHINA)


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()
