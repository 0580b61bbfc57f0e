"""Request ids: a client names each state-changing request so that a retry after a lost answer returns the first
result instead of doing the work twice. The rules and the storage are the same in every service; what a request
does, and what its result is, stays with the service's use case."""

from __future__ import annotations

import hashlib

import asyncpg

from wurao_common.auth import Caller
from wurao_common.outcomes import Invalid

MAX_REQUEST_ID = 100
REQUEST_LOCK = 0x7761_7573  # advisory lock namespace; the key is hashtext(the request's key)
REUSED = Invalid("requestId", "this request id was used for another request: give each request its own id")


def request_id_problem(request_id: str | None) -> Invalid | None:
    if request_id is not None and not 1 <= len(request_id) <= MAX_REQUEST_ID:
        return Invalid("requestId", f"1 to {MAX_REQUEST_ID} characters, the same for every retry of one request")
    return None


def callers_own(caller: Caller, operation: str, request_id: str | None) -> str | None:
    """The key a request is stored and locked under: its id is the caller's own (the person, by the token's
    subject, acting for its unit or office) and names one request of one operation. A retry by the caller finds its
    first result; the same id from anyone else (a colleague of the unit, an office's staff beside its inspectors) or
    for another operation is another request, which can neither read nor block this one."""
    if not request_id:
        return None
    party = f"unit:{caller.unit_id}" if caller.unit_id else f"office:{caller.office_id}"
    return request_key(party, caller.subject, operation, request_id)


def request_key(party: str, subject: str, operation: str, request_id: str) -> str:
    """A digest, so that the stored key names nobody (complaints and ratings keep no person) and no part can run
    into the next (each is prefixed by its length). The SQL function request_key (bus migration 004) is the same,
    for the migrations that rewrite the keys stored before."""
    text = "".join(f"{len(part)}:{part}" for part in (party, subject, operation, request_id))
    return hashlib.sha256(text.encode()).hexdigest()


async def hold(conn: asyncpg.Connection, key: str) -> None:
    """Retries of one request run one after the other (until the transaction ends): the second finds the first's
    result instead of racing it."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", REQUEST_LOCK, key)


async def first_result(conn: asyncpg.Connection, key: str, *, target_id: str | None = None) -> str | Invalid | None:
    """Inside the request's transaction: holds the request, then returns the id of what its first run produced
    (None on a first run). The same id reused for another target (another filing, task or complaint) is invalid."""
    await hold(conn, key)
    first = await conn.fetchval("SELECT target_id FROM request_results WHERE request_id = $1", key)
    if first is None:
        return None
    if target_id not in (None, first):
        return REUSED
    return first


async def remember(conn: asyncpg.Connection, key: str, kind: str, target_id: str) -> None:
    """In the same transaction as the work: what the request produced, for its retries."""
    await conn.execute(
        "INSERT INTO request_results (request_id, kind, target_id) VALUES ($1, $2, $3)", key, kind, target_id
    )
