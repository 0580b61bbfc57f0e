"""GraphQL types for expected refusals, shared (@shareable) by every subgraph so clients see one shape."""

from __future__ import annotations

from typing import Annotated

import strawberry

from wurao_common import outcomes
from wurao_common.request_ids import MAX_REQUEST_ID

# The optional argument of a mutation a client may retry (see wurao_common.request_ids).
RequestId = Annotated[
    str | None,
    strawberry.argument(
        description=f"Names this request (up to {MAX_REQUEST_ID} characters, the caller's own for this mutation): a "
        "retry with the same id after a lost answer returns the first result and changes nothing again."
    ),
]


@strawberry.federation.type(shareable=True, description="The caller's role, region or office does not allow this.")
class NotAllowed:
    reason: str


@strawberry.federation.type(shareable=True, description="An argument is not acceptable; nothing was changed.")
class InvalidInput:
    field: str
    reason: str


@strawberry.federation.type(shareable=True, description="The change conflicts with the current state; nothing changed.")
class Conflict:
    reason: str


def refusal(outcome: outcomes.Refusal) -> NotAllowed | InvalidInput | Conflict:
    match outcome:
        case outcomes.NotAllowed(reason):
            return NotAllowed(reason=reason)
        case outcomes.Invalid(field, reason):
            return InvalidInput(field=field, reason=reason)
        case outcomes.Conflict(reason):
            return Conflict(reason=reason)
    raise TypeError(f"not a refusal: {outcome!r}")
