"""Event entrypoints: each handler runs inside the inbox transaction, so it applies once."""

from wurao_common.bus.consumer import Subscription
from wurao_plan.consumers.rectification import on_rectification

# One durable consumer for both types keeps their stream order: a task opened before the item settled.
SUBSCRIPTIONS = (
    Subscription(
        durable="plan-rectification",
        event_types=("rectification.task.opened", "rectification.item.settled"),
        handler=on_rectification,
    ),
)
