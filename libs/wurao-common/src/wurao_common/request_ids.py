"""Request ids: a client names each state-changing request so that a retry after a lost answer returns the first
result instead of doing the work twice. The rules and the storage are the same in every service; what a request
does, and what its result is, stays with the service's use case."""

from __future__ import annotations

import asyncpg

from wurao_common.auth import Caller
from wurao_common.outcomes import Invalid

MAX_REQUEST_ID = 100
REQUEST_LOCK = 0x7761_7573  # advisory lock namespace; the key is hashtext(lock_name(...))
REUSED = Invalid("requestId", "this request id was used for another request: give each request its own id")


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


async def hold(conn: asyncpg.Connection, scope: str, request_id: str) -> None:
    """Retries of one request run one after the other (until the transaction ends): the second finds the first's
    result instead of racing it."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", REQUEST_LOCK, lock_name(scope, request_id))


def lock_name(scope: str, request_id: str) -> str:
    """What `hold` locks for a request (hashed into the advisory lock's second key): a caller that takes it in one
    statement with other locks names it the same way."""
    return f"{scope}\n{request_id}"


async def first_result(
    conn: asyncpg.Connection, request_id: str, kind: str, *, target_id: str | None = None
) -> str | Invalid | None:
    """Inside the request's transaction: holds the request id, then returns the id of what its first run produced
    (None on a first run). The same id reused for another kind of request, or another target, is invalid."""
    await hold(conn, "result", request_id)
    row = await conn.fetchrow("SELECT kind, target_id FROM request_results WHERE request_id = $1", request_id)
    if row is None:
        return None
    if row["kind"] != kind or target_id not in (None, row["target_id"]):
        return REUSED
    return row["target_id"]


async def remember(conn: asyncpg.Connection, request_id: str, kind: str, target_id: str) -> None:
    """In the same transaction as the work: what the request produced, for its retries."""
    await conn.execute(
        "INSERT INTO request_results (request_id, kind, target_id) VALUES ($1, $2, $3)", request_id, kind, target_id
    )
