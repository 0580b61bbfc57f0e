"""What rectification publishes: each event type's payload (`data`), the contract with every subscriber.

The JSON Schemas in docs/events/ are generated from these types (`make events`), and every event the test
suite sees on the bus is validated against them. Change a payload only by adding optional fields; anything
else is a new event type (see docs/events.md, "Versioning"). Task events carry ids and facts, never the
unit's notes or evidence.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from wurao_common.bus.contract import Date, Region
from wurao_rectification.domain.tasks import Severity


class TaskFacts(TypedDict):
    taskId: str
    itemId: str
    officeId: str
    responsibleUnitId: str


class TaskOpened(TaskFacts):
    findingId: str
    visitId: str
    officeRegion: Region
    unitRegion: Region
    severity: Severity
    deadline: Date


class TaskSubmitted(TaskFacts):
    onTime: bool


class TaskSentBack(TaskFacts):
    timesSentBack: int


class TaskVerified(TaskFacts):
    verifiedBy: str


class TaskClosed(TaskFacts):
    deadline: Date
    onTime: bool


class TaskReminded(TaskFacts):
    level: Literal[0]
    deadline: Date


class TaskEscalated(TaskFacts):
    level: Literal[1, 2]
    escalatedToRegion: Region
    # That region's supervision office as plan announced it (null if none was); added later, hence optional.
    escalatedToOfficeId: NotRequired[str | None]
    deadline: Date


class ExtensionRequested(TaskFacts):
    deadline: Date
    until: Date


class ExtensionApproved(TaskFacts):
    deadline: Date
    previousDeadline: Date


class ExtensionDeclined(TaskFacts):
    deadline: Date


class ItemSettled(TypedDict):
    itemId: str
    officeId: str


EVENTS = {
    "rectification.task.opened": TaskOpened,
    "rectification.task.started": TaskFacts,
    "rectification.task.submitted": TaskSubmitted,
    "rectification.task.sent_back": TaskSentBack,
    "rectification.task.verified": TaskVerified,
    "rectification.task.closed": TaskClosed,
    "rectification.task.reminded": TaskReminded,
    "rectification.task.escalated": TaskEscalated,
    "rectification.task.extension_requested": ExtensionRequested,
    "rectification.task.extension_approved": ExtensionApproved,
    "rectification.task.extension_declined": ExtensionDeclined,
    "rectification.item.settled": ItemSettled,
}
