"""The task's state machine: open → in_progress → submitted → closed (accepted) or back to in_progress.

Nothing closes without verification: the only way into `closed` is the inspecting side accepting a submission.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from wurao_common.auth import Caller
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_rectification.domain import access
from wurao_rectification.domain.tasks import Task, TaskStatus

MAX_NOTE = 2000
MAX_EVIDENCE_REFS = 20
MAX_EVIDENCE_REF = 500


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


Command = Start | Submit | Accept | SendBack


@dataclass(frozen=True)
class Actor:
    may: Callable[[Caller, Task], bool]
    name: str


RESPONSIBLE_UNIT = Actor(access.is_responsible_unit, "the responsible unit")
VERIFIER = Actor(access.is_verifier, "the inspecting office or its inspectors")
S = TaskStatus


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[TaskStatus]
    to_state: TaskStatus
    actor: Actor
    events: tuple[str, ...]  # the `rectification.task.<action>` events the move emits, in order


RULES: dict[type, Rule] = {
    Start: Rule(frozenset({S.OPEN}), S.IN_PROGRESS, RESPONSIBLE_UNIT, ("started",)),
    Submit: Rule(frozenset({S.IN_PROGRESS}), S.SUBMITTED, RESPONSIBLE_UNIT, ("submitted",)),
    Accept: Rule(frozenset({S.SUBMITTED}), S.CLOSED, VERIFIER, ("verified", "closed")),
    SendBack: Rule(frozenset({S.SUBMITTED}), S.IN_PROGRESS, VERIFIER, ("sent_back",)),
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
    return Moved(_apply(replace(task, status=rule.to_state), command, caller, now), rule.events)


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
    raise TypeError(f"not a command: {command!r}")


def _input_problem(command: Command) -> Invalid | None:
    match command:
        case Submit(note, evidence):
            return _text_problem("note", note, required=True) or _evidence_problem(evidence)
        case Accept(note):
            return _text_problem("note", note, required=False)
        case SendBack(reason):
            return _text_problem("reason", reason, required=True)
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
