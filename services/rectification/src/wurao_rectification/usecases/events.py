"""The events this service publishes (see docs/events.md). Task events carry the unit's region.

Payloads carry ids and facts, not free text: notes and descriptions stay behind the subgraph's access checks.
"""

from __future__ import annotations

from typing import Any

from wurao_common.bus.envelope import Event
from wurao_rectification.adapters.items import ItemProgress
from wurao_rectification.domain.schedule import Notice
from wurao_rectification.domain.tasks import Task


def task_event(task: Task, action: str, **extra: Any) -> Event:
    return Event(
        type=f"rectification.task.{action}",
        region=task.unit_region,
        subject=f"task/{task.id}",
        data={
            "taskId": task.id,
            "itemId": task.item_id,
            "officeId": task.office_id,
            "responsibleUnitId": task.responsible_unit_id,
            **extra,
        },
    )


def opened(task: Task) -> Event:
    return task_event(
        task,
        "opened",
        findingId=task.finding_id,
        visitId=task.visit_id,
        officeRegion=task.office_region,
        unitRegion=task.unit_region,
        severity=str(task.severity),
        deadline=task.deadline.isoformat(),
    )


def moved(task: Task, action: str) -> Event:
    """started, submitted, verified, sent_back, closed, extension_*: each with the facts reporting counts."""
    match action:
        case "submitted":
            return task_event(task, action, onTime=task.submitted_on_time)
        case "verified":
            return task_event(task, action, verifiedBy=task.verified_by)
        case "sent_back":
            return task_event(task, action, timesSentBack=task.times_sent_back)
        case "closed":
            return task_event(task, action, deadline=task.deadline.isoformat(), onTime=task.submitted_on_time)
        case "extension_requested":
            until = task.extension_until.isoformat() if task.extension_until else None
            return task_event(task, action, deadline=task.deadline.isoformat(), until=until)
        case "extension_approved":
            previous = task.original_deadline.isoformat() if task.original_deadline else None
            return task_event(task, action, deadline=task.deadline.isoformat(), previousDeadline=previous)
        case "extension_declined":
            return task_event(task, action, deadline=task.deadline.isoformat())
    return task_event(task, action)


def notice(task: Task, sent: Notice, target_office_id: str | None) -> Event:
    """Reminders go to the unit (its region is the event's); escalations name the region they go up to and its
    supervision office (null when plan has not announced one)."""
    target = (
        {} if sent.is_reminder else {"escalatedToRegion": sent.target_region, "escalatedToOfficeId": target_office_id}
    )
    return task_event(task, sent.action, level=sent.level, deadline=sent.deadline.isoformat(), **target)


def item_settled(item: ItemProgress) -> Event:
    return Event(
        type="rectification.item.settled",
        region=item.office_region,
        subject=f"item/{item.item_id}",
        data={"itemId": item.item_id, "officeId": item.office_id},
    )
