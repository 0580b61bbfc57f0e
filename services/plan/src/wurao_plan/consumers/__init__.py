"""Event entrypoints: each handler runs inside the inbox transaction, so it applies once."""

from wurao_common.bus.consumer import Subscription
from wurao_plan.consumers.rectification import on_rectification

SUBSCRIPTIONS = (
    Subscription(
        durable="plan-rectification",
        event_types=("rectification.task.opened", "rectification.task.closed"),
        handler=on_rectification,
    ),
)
