"""The task's state machine: open → in_progress → submitted → closed (accepted) or back to in_progress.

Nothing closes without verification: the only way into `closed` is the inspecting side accepting a submission.
Beside the states, the deadline may be extended once: the responsible unit asks with a reason while it still owes
the work, and the issuing office approves (the deadline moves, and reminders and escalations follow it: see
schedule) or declines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from wurao_common.auth import Caller
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_rectification.domain import access
from wurao_rectification.domain.tasks import NOTHING_NOTIFIED, ExtensionStatus, Task, TaskStatus

MAX_NOTE = 2000
MAX_EVIDENCE_REFS = 20
MAX_EVIDENCE_REF = 500
MAX_EXTENSION = timedelta(days=90)  # an extension moves the deadline by at most this much


@dataclass(frozen=True)
class Start:
    """The unit begins rectifying."""


@dataclass(frozen=True)
class Submit:
    """The unit reports the rectification done, with a note and references to its evidence (photos, files)."""

    note: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Accept:
    """The inspecting side verifies the rectification: the task closes."""

    note: str = ""


@dataclass(frozen=True)
class SendBack:
    """The inspecting side finds the rectification insufficient: the unit works on it again."""

    reason: str


@dataclass(frozen=True)
class RequestExtension:
    """The responsible unit asks, once, for a later deadline, with its reason."""

    until: date
    reason: str


@dataclass(frozen=True)
class ApproveExtension:
    """The issuing office grants the requested deadline."""

    note: str = ""


@dataclass(frozen=True)
class DeclineExtension:
    """The issuing office keeps the deadline, saying why."""

    note: str


Command = Start | Submit | Accept | SendBack | RequestExtension | ApproveExtension | DeclineExtension


@dataclass(frozen=True)
class Actor:
    may: Callable[[Caller, Task], bool]
    name: str


RESPONSIBLE_UNIT = Actor(access.is_responsible_unit, "the responsible unit")
VERIFIER = Actor(access.is_verifier, "the inspecting office or its inspectors")
ISSUING_OFFICE = Actor(access.is_issuing_office, "the issuing office")
S = TaskStatus
UNDECIDED = frozenset({S.OPEN, S.IN_PROGRESS, S.SUBMITTED})


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[TaskStatus]
    to_state: TaskStatus | None  # None: the status stays
    actor: Actor
    events: tuple[str, ...]  # the `rectification.task.<action>` events the move emits, in order


RULES: dict[type, Rule] = {
    Start: Rule(frozenset({S.OPEN}), S.IN_PROGRESS, RESPONSIBLE_UNIT, ("started",)),
    Submit: Rule(frozenset({S.IN_PROGRESS}), S.SUBMITTED, RESPONSIBLE_UNIT, ("submitted",)),
    Accept: Rule(frozenset({S.SUBMITTED}), S.CLOSED, VERIFIER, ("verified", "closed")),
    SendBack: Rule(frozenset({S.SUBMITTED}), S.IN_PROGRESS, VERIFIER, ("sent_back",)),
    RequestExtension: Rule(frozenset({S.OPEN, S.IN_PROGRESS}), None, RESPONSIBLE_UNIT, ("extension_requested",)),
    ApproveExtension: Rule(UNDECIDED, None, ISSUING_OFFICE, ("extension_approved",)),
    DeclineExtension: Rule(UNDECIDED, None, ISSUING_OFFICE, ("extension_declined",)),
}


@dataclass(frozen=True)
class Moved:
    task: Task
    events: tuple[str, ...]


def move(task: Task, command: Command, caller: Caller, now: datetime) -> Moved | NotAllowed | Invalid | Conflict:
    """Who, then what, then when: a caller without the right learns nothing about the task's state."""
    rule = RULES[type(command)]
    if not rule.actor.may(caller, task):
        return NotAllowed(f"only {rule.actor.name} of this task may do this")
    problem = _input_problem(command)
    if problem:
        return problem
    if task.status not in rule.from_states:
        allowed = " or ".join(sorted(rule.from_states))
        return Conflict(f"the task is {task.status}; this needs it {allowed}")
    if problem := _extension_problem(task, command):
        return problem
    return Moved(_apply(replace(task, status=rule.to_state or task.status), command, caller, now), rule.events)


def _extension_problem(task: Task, command: Command) -> Invalid | Conflict | None:
    match command:
        case RequestExtension(until):
            if task.extension_status is not None:
                return Conflict(
                    f"a deadline is extended once: this task's extension was already {task.extension_status}"
                )
            if until <= task.deadline:
                return Invalid("until", f"must be later than the deadline {task.deadline.isoformat()}")
            if until > task.deadline + MAX_EXTENSION:
                return Invalid("until", f"at most {MAX_EXTENSION.days} days after the deadline")
        case ApproveExtension() | DeclineExtension() if task.extension_status is not ExtensionStatus.REQUESTED:
            return Conflict("no extension request awaits a decision on this task")
    return None


def _apply(task: Task, command: Command, caller: Caller, now: datetime) -> Task:
    match command:
        case Start():
            return replace(task, started_at=now)
        case Submit(note, evidence):
            return replace(task, submitted_at=now, submission_note=note.strip(), submission_evidence=evidence)
        case Accept(note):
            return replace(task, closed_at=now, verified_by=caller.subject, verification_note=note.strip() or None)
        case SendBack(reason):
            return replace(task, sent_back_reason=reason.strip(), times_sent_back=task.times_sent_back + 1)
        case RequestExtension(until, reason):
            return replace(
                task, extension_status=ExtensionStatus.REQUESTED, extension_until=until, extension_reason=reason.strip()
            )
        case ApproveExtension(note):
            return replace(
                task,
                extension_status=ExtensionStatus.APPROVED,
                original_deadline=task.deadline,
                deadline=task.extension_until or task.deadline,
                notified_level=NOTHING_NOTIFIED,  # the new deadline's reminder and escalations are all still to come
                extension_decided_by=caller.subject,
                extension_decision_note=note.strip() or None,
            )
        case DeclineExtension(note):
            return replace(
                task,
                extension_status=ExtensionStatus.DECLINED,
                extension_decided_by=caller.subject,
                extension_decision_note=note.strip(),
            )
    raise TypeError(f"not a command: {command!r}")


def _input_problem(command: Command) -> Invalid | None:
    match command:
        case Submit(note, evidence):
            return _text_problem("note", note, required=True) or _evidence_problem(evidence)
        case Accept(note):
            return _text_problem("note", note, required=False)
        case SendBack(reason):
            return _text_problem("reason", reason, required=True)
        case RequestExtension(_, reason):
            return _text_problem("reason", reason, required=True)
        case ApproveExtension(note):
            return _text_problem("note", note, required=False)
        case DeclineExtension(note):
            return _text_problem("note", note, required=True)
    return None


def _text_problem(field: str, text: str, *, required: bool) -> Invalid | None:
    if required and not text.strip():
        return Invalid(field, "must not be empty")
    if len(text) > MAX_NOTE:
        return Invalid(field, f"must be at most {MAX_NOTE} characters")
    return None


def _evidence_problem(evidence: tuple[str, ...]) -> Invalid | None:
    if len(evidence) > MAX_EVIDENCE_REFS:
        return Invalid("evidence", f"at most {MAX_EVIDENCE_REFS} references")
    if any(not ref.strip() or len(ref) > MAX_EVIDENCE_REF for ref in evidence):
        return Invalid("evidence", f"each reference must be non-empty and at most {MAX_EVIDENCE_REF} characters")
    return None
