"""Handling a complaint (码上减负): received -> investigating -> substantiated or unfounded (with findings) -> closed
with a reply the complainant can read. Handled by the office it was routed to; the office complained about never
learns who complained."""

from __future__ import annotations

import enum

from wurao_common.auth import Caller, Role

MAX_HANDLING_TEXT = 4000
HANDLING_ROLES = (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE)


class ComplaintStatus(enum.StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    SUBSTANTIATED = "substantiated"
    UNFOUNDED = "unfounded"
    CLOSED = "closed"


class ComplaintStep(enum.StrEnum):
    INVESTIGATE = "investigate"  # received -> investigating
    SUBSTANTIATE = "substantiate"  # investigating -> substantiated, with findings
    FIND_UNFOUNDED = "find_unfounded"  # investigating -> unfounded, with findings
    CLOSE = "close"  # substantiated or unfounded -> closed, with the reply to the complainant

    @property
    def event_type(self) -> str:
        return {
            ComplaintStep.INVESTIGATE: "inspection.complaint.investigating",
            ComplaintStep.SUBSTANTIATE: "inspection.complaint.concluded",
            ComplaintStep.FIND_UNFOUNDED: "inspection.complaint.concluded",
            ComplaintStep.CLOSE: "inspection.complaint.closed",
        }[self]

    @property
    def text_field(self) -> str | None:
        """The text the step needs: findings to conclude, the reply to close."""
        if self is ComplaintStep.CLOSE:
            return "reply"
        if self is ComplaintStep.INVESTIGATE:
            return None
        return "findings"


_MOVES = {
    ComplaintStep.INVESTIGATE: ({ComplaintStatus.RECEIVED}, ComplaintStatus.INVESTIGATING),
    ComplaintStep.SUBSTANTIATE: ({ComplaintStatus.INVESTIGATING}, ComplaintStatus.SUBSTANTIATED),
    ComplaintStep.FIND_UNFOUNDED: ({ComplaintStatus.INVESTIGATING}, ComplaintStatus.UNFOUNDED),
    ComplaintStep.CLOSE: ({ComplaintStatus.SUBSTANTIATED, ComplaintStatus.UNFOUNDED}, ComplaintStatus.CLOSED),
}


def next_status(current: ComplaintStatus, step: ComplaintStep) -> ComplaintStatus | None:
    """The status the step leads to, or None when it cannot be taken from `current`."""
    allowed, to = _MOVES[step]
    return to if current in allowed else None


def handles(caller: Caller, routed_office_id: str | None) -> bool:
    """Only the supervision office the complaint was routed to handles it (its own staff, not its inspectors)."""
    return caller.role in HANDLING_ROLES and bool(caller.office_id) and caller.office_id == routed_office_id


def sees_complainant(caller: Caller, complained_about: str | None) -> bool:
    """Everyone who may read a complaint sees who filed it, except the office complained about."""
    return not (caller.office_id and caller.office_id == complained_about)
