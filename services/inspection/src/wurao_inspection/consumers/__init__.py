"""Event entrypoints: each handler runs inside the inbox transaction, so it applies once."""

from wurao_common.bus.consumer import Subscription
from wurao_inspection.consumers.plan_events import SAVERS, on_plan_event

SUBSCRIPTIONS = (Subscription(durable="inspection-plan", event_types=tuple(SAVERS), handler=on_plan_event),)
