"""The people the demo story acts as: staff of the offices in the source articles."""

from __future__ import annotations

from typing import TypeVar

from wurao_common.auth import Caller
from wurao_common.outcomes import Conflict, Invalid, NotAllowed
from wurao_plan.domain.offices import OfficeLevel

T = TypeVar("T")


def staff(office_id: str, person: str) -> Caller:
    """A member of office `office_id` (e.g. '431024-dcs'), with the role of its level and its region."""
    region = office_id.split("-", 1)[0]
    return Caller(
        subject=f"seed:{office_id}:{person}",
        role=OfficeLevel.of_region(region).role,
        region=region,
        office_id=office_id,
    )


def expect(outcome: T | NotAllowed | Invalid | Conflict, wanted: type[T]) -> T:
    """The seed follows the rules; a refusal means the story or the rules changed, and must be seen."""
    if not isinstance(outcome, wanted):
        raise RuntimeError(f"demo story refused: {outcome!r}")
    return outcome
