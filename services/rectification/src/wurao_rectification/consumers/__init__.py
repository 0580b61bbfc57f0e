"""Event entrypoints: each handler runs inside the inbox transaction, so it applies once."""

from wurao_common.bus.consumer import Subscription
from wurao_rectification.consumers.findings import on_finding_recorded
from wurao_rectification.consumers.offices import on_office_registered

SUBSCRIPTIONS = (
    Subscription(
        durable="rectification-finding-recorded",
        event_types=("inspection.finding.recorded",),
        handler=on_finding_recorded,
    ),
    Subscription(
        durable="rectification-office-registered",
        event_types=("plan.office.registered",),
        handler=on_office_registered,
    ),
)
