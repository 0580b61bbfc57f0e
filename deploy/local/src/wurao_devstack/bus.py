"""Who is on this platform's bus: each service (publishing its own events, reading through its own durable
consumers), a read-only subscriber for the province and for each of its cities, and the operator.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from wurao_common.bus import access

SERVICES = ("plan", "inspection", "rectification", "reporting")
# Hunan and its 14 cities and prefectures: each may have a provincial system reading its region's events.
SUBSCRIBER_REGIONS = (
    "43",
    *("4301", "4302", "4303", "4304", "4305", "4306", "4307"),
    *("4308", "4309", "4310", "4311", "4312", "4313", "4331"),
)


def durables() -> dict[str, list[str]]:
    """Each service's durable consumers, as its `consumers.SUBSCRIPTIONS` declares them."""
    return {
        name: [s.durable for s in importlib.import_module(f"wurao_{name}.consumers").SUBSCRIPTIONS] for name in SERVICES
    }


def user_names() -> list[str]:
    return [access.OPERATOR, *SERVICES, *(access.subscriber_name(region) for region in SUBSCRIBER_REGIONS)]


def users(passwords: Mapping[str, str]) -> list[access.User]:
    return access.platform_users(durables(), SUBSCRIBER_REGIONS, passwords)
