"""CloudEvents 1.0 JSON envelopes and the NATS subjects that carry them."""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wurao_common.ids import is_region_code

STREAM = "WURAO"
SUBJECT_ROOT = "wurao"
_TYPE = re.compile(r"[a-z]+\.[a-z0-9_]+\.[a-z0-9_]+")  # a breaking change gets a new name: `coded_v2`
_REGION_DEPTHS = (2, 4, 6, 9, 12)


class MalformedEvent(ValueError):
    """A message on the bus is not a wurao CloudEvent."""


def region_tokens(region: str) -> list[str]:
    """`431024106` -> ['43', '4310', '431024', '431024106', '_'].

    Fixed depth, so `wurao.*.*.*.43.4310.>` selects everything in Chenzhou, city-level events included.
    """
    _check_region(region)
    return [region[:depth] if len(region) >= depth else "_" for depth in _REGION_DEPTHS]


@functools.lru_cache(maxsize=8192)
def subject_of(event_type: str, region: str) -> str:
    """The NATS subject of an event type in a region; kept, since a consumer checks every message's subject."""
    return ".".join([SUBJECT_ROOT, *event_type.split("."), *region_tokens(region)])


def _check_region(region: str) -> None:
    if not is_region_code(region):
        raise ValueError(f"region {region!r} is not a GB/T 2260 code of 2, 4, 6, 9 or 12 digits")


@dataclass(frozen=True)
class Event:
    """One fact a service publishes. `type` is `<service>.<entity>.<action>`, e.g. `plan.item.coded`."""

    type: str
    region: str
    data: dict[str, Any]
    subject: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    traceparent: str | None = None

    def __post_init__(self) -> None:
        if not _TYPE.fullmatch(self.type):
            raise ValueError(f"event type {self.type!r} is not <service>.<entity>.<action>")
        _check_region(self.region)  # every decoded event is checked: its subject's tokens are not needed for that

    @property
    def source(self) -> str:
        return f"/wurao/{self.type.split('.', 1)[0]}"

    @property
    def nats_subject(self) -> str:
        return subject_of(self.type, self.region)

    def to_json(self) -> bytes:
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": f"cn.wurao.{self.type}",
            "time": self.time.isoformat(),
            "datacontenttype": "application/json",
            "region": self.region,
            "data": self.data,
        }
        if self.subject:
            envelope["subject"] = self.subject
        if self.traceparent:
            envelope["traceparent"] = self.traceparent
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Event:
        try:
            envelope = json.loads(raw)
            if envelope.get("specversion") != "1.0" or not envelope["type"].startswith("cn.wurao."):
                raise MalformedEvent("not a wurao CloudEvent 1.0")
            return cls(
                type=envelope["type"].removeprefix("cn.wurao."),
                region=envelope["region"],
                data=envelope["data"],
                subject=envelope.get("subject", ""),
                id=envelope["id"],
                time=datetime.fromisoformat(envelope["time"]),
                traceparent=envelope.get("traceparent"),
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError, UnicodeDecodeError, ValueError) as error:
            if isinstance(error, MalformedEvent):
                raise
            raise MalformedEvent(str(error)) from error
