from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from wurao_common.results import Conflict, InvalidInput, NotAllowed, RequestId, refusal
from wurao_common.web import build_schema
from wurao_rectification.api.context import RectificationContext
from wurao_rectification.domain import tasks as model
from wurao_rectification.domain import workflow
from wurao_rectification.usecases import queries
from wurao_rectification.usecases import tasks as task_cases

TaskStatus = strawberry.enum(model.TaskStatus, name="TaskStatus", description="Where a rectification task stands.")
Severity = strawberry.enum(model.Severity, name="Severity", description="How serious the finding is.")
ExtensionStatus = strawberry.enum(
    model.ExtensionStatus, name="ExtensionStatus", description="Where a deadline extension request stands."
)


@strawberry.type(description="The task's one deadline extension: asked by the unit, decided by the issuing office.")
class DeadlineExtension:
    status: ExtensionStatus
    until: date = strawberry.field(description="The deadline the unit asked for.")
    reason: str
    original_deadline: date | None = strawberry.field(description="The deadline an approval replaced.")
    decided_by: str | None
    decision_note: str | None

    @classmethod
    def of(cls, task: model.Task) -> DeadlineExtension | None:
        if task.extension_status is None or task.extension_until is None:
            return None
        return cls(
            status=task.extension_status,
            until=task.extension_until,
            reason=task.extension_reason or "",
            original_deadline=task.original_deadline,
            decided_by=task.extension_decided_by,
            decision_note=task.extension_decision_note,
        )


@strawberry.type(description="One step in a task's timeline: a move, a reminder or an escalation.")
class TaskStep:
    action: str
    actor: str = strawberry.field(description="Who moved the task (token subject), or `sweeper` for notices.")
    at: datetime
    note: str | None = strawberry.field(description="The note, reason, or region a notice went to.")
    evidence: list[str]


@strawberry.federation.type(keys=["id"], description="A rectification task (整改任务) opened by a finding.")
class Task:
    id: strawberry.ID
    finding_id: strawberry.ID
    visit_id: strawberry.ID
    item_id: strawberry.ID
    office_id: strawberry.ID = strawberry.field(description="The inspecting office, which verifies the work.")
    office_region: str
    responsible_unit_id: strawberry.ID
    unit_region: str
    severity: Severity
    description: str
    finding_evidence: list[str]
    deadline: date = strawberry.field(description="The last day (China time) to submit the rectification.")
    status: TaskStatus
    overdue: bool = strawberry.field(
        description="The deadline has passed and the unit still owes its rectification (not submitted, or sent back)."
    )
    escalation_level: int = strawberry.field(
        description="0 before any escalation of the deadline in force, then 1 and 2; an approved extension's new "
        "deadline starts again from 0 (the old one's escalations stay in the history)."
    )
    opened_at: datetime
    started_at: datetime | None
    submitted_at: datetime | None
    closed_at: datetime | None
    submission_note: str | None
    submission_evidence: list[str]
    sent_back_reason: str | None = strawberry.field(description="Why the last submission was sent back.")
    times_sent_back: int
    verified_by: str | None
    extension: DeadlineExtension | None = strawberry.field(
        description="Its deadline extension, once asked for (a deadline is extended once)."
    )

    @classmethod
    def of(cls, task: model.Task, now: datetime) -> Task:
        return cls(
            id=strawberry.ID(task.id),
            finding_id=strawberry.ID(task.finding_id),
            visit_id=strawberry.ID(task.visit_id),
            item_id=strawberry.ID(task.item_id),
            office_id=strawberry.ID(task.office_id),
            office_region=task.office_region,
            responsible_unit_id=strawberry.ID(task.responsible_unit_id),
            unit_region=task.unit_region,
            severity=task.severity,
            description=task.description,
            finding_evidence=list(task.finding_evidence),
            deadline=task.deadline,
            status=task.status,
            overdue=task.is_overdue(now),
            escalation_level=max(task.notified_level, 0),
            opened_at=task.opened_at,
            started_at=task.started_at,
            submitted_at=task.submitted_at,
            closed_at=task.closed_at,
            submission_note=task.submission_note,
            submission_evidence=list(task.submission_evidence),
            sent_back_reason=task.sent_back_reason,
            times_sent_back=task.times_sent_back,
            verified_by=task.verified_by,
            extension=DeadlineExtension.of(task),
        )

    @classmethod
    async def resolve_reference(cls, info: Info[RectificationContext, None], id: strawberry.ID) -> Task | None:
        task = await info.context.task_loader.load(str(id))
        return None if task is None else cls.of(task, info.context.now)

    @strawberry.field(description="The task's timeline, oldest first.")
    async def history(self, info: Info[RectificationContext, None]) -> list[TaskStep]:
        entries = await info.context.history_loader.load(str(self.id))
        return [
            TaskStep(action=e.action, actor=e.actor, at=e.at, note=e.note, evidence=list(e.evidence)) for e in entries
        ]


@strawberry.type(description="A page of tasks, by deadline.")
class TaskPage:
    tasks: list[Task]
    next_cursor: str | None = strawberry.field(description="Pass as `after` for the next page; null on the last.")


@strawberry.federation.type(keys=["id"], description="An item (plan's), as rectification sees it: its tasks.")
class Item:
    id: strawberry.ID

    @classmethod
    async def resolve_reference(cls, info: Info[RectificationContext, None], id: strawberry.ID) -> Item:
        return cls(id=id)

    @strawberry.field(description="Its rectification tasks the caller may read, by deadline.")
    async def tasks(self, info: Info[RectificationContext, None], first: int = 50) -> list[Task]:
        context = info.context
        # Through the request's loader: every item of a request (federated _entities) in one query.
        found = await context.tasks_of_item.load((str(self.id), first))
        return [Task.of(task, context.now) for task in found]


@strawberry.type
class Query:
    @strawberry.field(description="A task, if the caller may read it.")
    async def task(self, info: Info[RectificationContext, None], id: strawberry.ID) -> Task | None:
        return await Task.resolve_reference(info, id)

    @strawberry.field(
        description="Tasks the caller may read (units: their own; inspectors: their office's; offices and "
        "observers: their region), filtered, by deadline."
    )
    async def tasks(
        self,
        info: Info[RectificationContext, None],
        region: str | None = None,
        status: TaskStatus | None = None,
        unit_id: strawberry.ID | None = None,
        item_id: strawberry.ID | None = None,
        overdue: Annotated[
            bool,
            strawberry.argument(
                description="Only tasks past their deadline that the unit still owes (not submitted, or sent back)."
            ),
        ] = False,
        first: int = 50,
        after: str | None = None,
    ) -> TaskPage:
        context = info.context
        found, cursor = await queries.search(
            context.pool,
            context.caller,
            region=region,
            status=status,
            unit_id=unit_id,
            item_id=item_id,
            overdue=overdue,
            first=first,
            after=after,
            now=context.now,
        )
        return TaskPage(tasks=[Task.of(task, context.now) for task in found], next_cursor=cursor)

    @strawberry.field(
        description="Tasks escalated to the caller's own office (one level above the issuing office, then the "
        "province), by deadline; empty for anyone but an office's staff."
    )
    async def escalated_tasks(
        self, info: Info[RectificationContext, None], first: int = 50, after: str | None = None
    ) -> TaskPage:
        context = info.context
        found, cursor = await queries.search(
            context.pool, context.caller, now=context.now, first=first, after=after, escalated_to_me=True
        )
        return TaskPage(tasks=[Task.of(task, context.now) for task in found], next_cursor=cursor)


TaskChangeResult = Annotated[Task | NotAllowed | InvalidInput | Conflict, strawberry.union("TaskChangeResult")]


async def _move(
    info: Info[RectificationContext, None], task_id: strawberry.ID, command: workflow.Command, request_id: str | None
):
    context = info.context
    outcome = await task_cases.move(
        context.pool, context.caller, str(task_id), command, now=context.now, request_id=request_id
    )
    return Task.of(outcome, context.now) if isinstance(outcome, model.Task) else refusal(outcome)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="The responsible unit starts rectifying (open → in_progress).")
    async def start_task(
        self, info: Info[RectificationContext, None], id: strawberry.ID, request_id: RequestId = None
    ) -> TaskChangeResult:
        return await _move(info, id, workflow.Start(), request_id)

    @strawberry.mutation(description="The responsible unit reports the work done (in_progress → submitted).")
    async def submit_task(
        self,
        info: Info[RectificationContext, None],
        id: strawberry.ID,
        note: str,
        evidence: list[str] | None = None,
        request_id: RequestId = None,
    ) -> TaskChangeResult:
        return await _move(info, id, workflow.Submit(note, tuple(evidence or ())), request_id)

    @strawberry.mutation(description="The inspecting office accepts the rectification (submitted → closed).")
    async def verify_task(
        self, info: Info[RectificationContext, None], id: strawberry.ID, note: str = "", request_id: RequestId = None
    ) -> TaskChangeResult:
        return await _move(info, id, workflow.Accept(note), request_id)

    @strawberry.mutation(description="The inspecting office sends the rectification back (submitted → in_progress).")
    async def send_back_task(
        self, info: Info[RectificationContext, None], id: strawberry.ID, reason: str, request_id: RequestId = None
    ) -> TaskChangeResult:
        return await _move(info, id, workflow.SendBack(reason), request_id)

    @strawberry.mutation(
        description="The responsible unit asks, once, for a later deadline (at most 90 days later), with its reason, "
        "while it still owes the work."
    )
    async def request_deadline_extension(
        self,
        info: Info[RectificationContext, None],
        id: strawberry.ID,
        until: date,
        reason: str,
        request_id: RequestId = None,
    ) -> TaskChangeResult:
        return await _move(info, id, workflow.RequestExtension(until, reason), request_id)

    @strawberry.mutation(
        description="The issuing office approves the requested deadline (it replaces the deadline) or declines it "
        "(a note saying why is required)."
    )
    async def decide_deadline_extension(
        self,
        info: Info[RectificationContext, None],
        id: strawberry.ID,
        approve: bool,
        note: str = "",
        request_id: RequestId = None,
    ) -> TaskChangeResult:
        command = workflow.ApproveExtension(note) if approve else workflow.DeclineExtension(note)
        return await _move(info, id, command, request_id)


schema = build_schema(query=Query, mutation=Mutation, types=[Task, Item])
