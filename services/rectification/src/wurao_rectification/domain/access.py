"""Who may see and move a task. Every rule also requires the task's unit to lie in the caller's region."""

from __future__ import annotations

from dataclasses import dataclass

from wurao_common.auth import Caller, Role
from wurao_rectification.domain.tasks import Task


@dataclass(frozen=True)
class ReadScope:
    """The tasks a caller may read: units inside `region`, narrowed to one unit or one inspecting office.

    The same scope filters lists in SQL and single tasks in Python, so the two can never disagree.
    """

    region: str
    unit_id: str | None = None
    office_id: str | None = None

    def admits(self, task: Task) -> bool:
        return (
            task.unit_region.startswith(self.region)
            and self.unit_id in (None, task.responsible_unit_id)
            and self.office_id in (None, task.office_id)
        )


def read_scope(caller: Caller) -> ReadScope | None:
    """Units see their own tasks, inspectors their office's; offices and observers everything in their region."""
    if not caller.region:
        return None
    match caller.role:
        case Role.UNIT:
            return ReadScope(caller.region, unit_id=caller.unit_id) if caller.unit_id else None
        case Role.INSPECTOR:
            return ReadScope(caller.region, office_id=caller.office_id) if caller.office_id else None
        case _:
            return ReadScope(caller.region)


def may_read(caller: Caller, task: Task) -> bool:
    scope = read_scope(caller)
    return scope is not None and scope.admits(task)


def is_responsible_unit(caller: Caller, task: Task) -> bool:
    """The unit that must rectify: it starts the work and submits it."""
    return (
        caller.role is Role.UNIT and caller.unit_id == task.responsible_unit_id and caller.can_reach(task.unit_region)
    )


def is_verifier(caller: Caller, task: Task) -> bool:
    """The inspecting office, or an inspector of that office: they accept the rectification or send it back."""
    return (
        (caller.role.is_office or caller.role is Role.INSPECTOR)
        and caller.office_id == task.office_id
        and caller.can_reach(task.unit_region)
    )


def is_issuing_office(caller: Caller, task: Task) -> bool:
    """The inspecting office itself (not its inspectors): it decides on a deadline extension."""
    return caller.role.is_office and caller.office_id == task.office_id and caller.can_reach(task.unit_region)
