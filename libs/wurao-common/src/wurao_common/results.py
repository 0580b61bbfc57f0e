"""GraphQL types for expected refusals, shared (@shareable) by every subgraph so clients see one shape."""

from __future__ import annotations

import strawberry

from wurao_common import outcomes


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
