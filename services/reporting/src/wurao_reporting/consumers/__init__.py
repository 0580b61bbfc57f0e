"""Event entrypoints: each handler runs inside the inbox transaction, so it applies once."""

from wurao_common.bus.consumer import Subscription
from wurao_reporting.consumers.plan_events import on_plan_drafted

SUBSCRIPTIONS = (
    Subscription(durable="reporting-plan-drafted", event_types=("plan.plan.drafted",), handler=on_plan_drafted),
)
