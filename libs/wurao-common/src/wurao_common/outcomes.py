"""Expected refusals a use case returns instead of raising; each service's API maps them to typed results."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NotAllowed:
    reason: str


@dataclass(frozen=True)
class Invalid:
    field: str
    reason: str


@dataclass(frozen=True)
class Conflict:
    reason: str


Refusal = NotAllowed | Invalid | Conflict
