"""What a scanned code means for the scanning unit, now (亮码 / 扫码).

Outcomes are values: the API turns each into its own GraphQL type. The order of the checks is the order a
unit would ask: is it genuine, still alive, meant for now, meant for us, and do we still have room?
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wurao_common.codes import CodeClaims
from wurao_inspection.domain.caps import Standing
from wurao_inspection.domain.items import CodedItem, Unit, scope_problem
from wurao_inspection.domain.periods import end_of_day, start_of_day


@dataclass(frozen=True)
class Forged:
    reason: str


@dataclass(frozen=True)
class Revoked:
    item: CodedItem
    reason: str


@dataclass(frozen=True)
class NotYetValid:
    item: CodedItem
    valid_from: datetime


@dataclass(frozen=True)
class Expired:
    item: CodedItem
    expired_at: datetime


@dataclass(frozen=True)
class OutOfScope:
    item: CodedItem
    reason: str


@dataclass(frozen=True)
class CapReached:
    item: CodedItem
    standing: tuple[Standing, ...]

    @property
    def exhausted(self) -> tuple[Standing, ...]:
        return tuple(entry for entry in self.standing if entry.full)


@dataclass(frozen=True)
class Valid:
    item: CodedItem
    standing: tuple[Standing, ...]


@dataclass(frozen=True)
class Unavailable:
    """The answer cannot be given safely now (counters being rebuilt, a dependency down): try again.

    `item`: the code's item, when the code was found genuine, live and in scope and only the caps could not be
    judged; a refusal of it names the item and its office all the same.
    """

    reason: str
    item: CodedItem | None = None


Refused = Forged | Revoked | NotYetValid | Expired | OutOfScope | CapReached | Unavailable


def judge(
    item: CodedItem, claims: CodeClaims, unit: Unit, at: datetime
) -> Revoked | NotYetValid | Expired | OutOfScope | None:
    """Everything but the caps: revocation, the code's and the item's time window, the unit's place in scope."""
    if item.revoked:
        return Revoked(item, item.revoked_reason or "")
    valid_from = max(claims.not_before, item.not_before, start_of_day(item.window_start))
    if at < valid_from:
        return NotYetValid(item, valid_from)
    expires = min(claims.expires, item.expires, end_of_day(item.window_end))
    if at >= expires:
        return Expired(item, expires)
    problem = scope_problem(item, unit)
    if problem:
        return OutOfScope(item, problem)
    return None
