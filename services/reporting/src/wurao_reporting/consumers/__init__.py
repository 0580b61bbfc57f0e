"""Event entrypoints: each handler runs inside the inbox transaction, so it applies once."""

from wurao_common.bus.consumer import Subscription
from wurao_reporting.consumers.plan_events import on_plan_drafted
from wurao_reporting.usecases.apply_event import EVENT_TYPES, apply_event, apply_prepared, prepare_events

FIGURES = Subscription(
    durable="reporting-figures",
    event_types=EVENT_TYPES,
    handler=apply_event,
    batch_handler=apply_prepared,
    prepare=prepare_events,
)
SUBSCRIPTIONS = (
    Subscription(durable="reporting-plan-drafted", event_types=("plan.plan.drafted",), handler=on_plan_drafted),
    FIGURES,
)
