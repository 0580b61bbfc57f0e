"""Request ids: a client names each state-changing request so that a retry after a lost answer returns the first
result instead of doing the work twice."""

from __future__ import annotations

from wurao_common.auth import Caller
from wurao_common.outcomes import Invalid

MAX_REQUEST_ID = 100


def request_id_problem(request_id: str | None) -> Invalid | None:
    if request_id is not None and not 1 <= len(request_id) <= MAX_REQUEST_ID:
        return Invalid("requestId", f"1 to {MAX_REQUEST_ID} characters, the same for every retry of one request")
    return None


def callers_own(caller: Caller, request_id: str | None) -> str | None:
    """Request ids are the client's: scoped to whom the caller acts for (its unit, or its office), a reused one
    never returns another party's result, while a retry by anyone of the same unit or office finds its own."""
    if not request_id:
        return None
    party = f"unit:{caller.unit_id}" if caller.unit_id else f"office:{caller.office_id}"
    return f"{party}\x1f{request_id}"
