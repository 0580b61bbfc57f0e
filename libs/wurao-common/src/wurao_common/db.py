"""asyncpg pools and numbered SQL migrations, applied before a service serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import asyncpg

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# Any constant works: it only has to be the same for every replica of every service.
_MIGRATION_LOCK = 0x7775_7261_6F00


async def _init_connection(conn: asyncpg.Connection) -> None:
    for json_type in ("json", "jsonb"):
        await conn.set_type_codec(json_type, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Nothing to reset on the server when a connection returns to the pool: our code leaves no session state
    (advisory locks are transaction-scoped, except a check-in's, which it hands over to its visit's transaction or
    gives up itself, closing the connection when it cannot (wurao_inspection.adapters.visits.Hold); listeners are
    removed before release, no SET, cursors live inside transactions). asyncpg's default reset query would cost a
    round trip per acquire. asyncpg itself still rolls back a transaction left open and forgets the connection's
    listeners."""


async def create_pool(url: str, *, min_size: int = 2, max_size: int = 20) -> asyncpg.Pool:
    """Each connection prepares and caches its statements (asyncpg's statement cache, 100 per connection)."""
    return await asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session
    )


def migration_files(directory: Path) -> list[tuple[int, Path]]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file {path.name} is not named NNN_name.sql")
        found.append((int(match.group(1)), path))
    versions = [version for version, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number in {directory}")
    return found


async def _pending(conn: asyncpg.Connection, components: dict[str, Path]) -> list[tuple[str, int, Path]]:
    applied = set()
    if await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
        applied = {(row["component"], row["version"]) for row in await conn.fetch("TABLE schema_migrations")}
    return [
        (component, version, path)
        for component, directory in components.items()
        for version, path in migration_files(directory)
        if (component, version) not in applied
    ]


async def pending(pool: asyncpg.Pool, components: dict[str, Path]) -> list[str]:
    """The migrations not applied yet (`component/NNN_name.sql`), without changing anything."""
    async with pool.acquire() as conn:
        return [f"{component}/{path.name}" for component, _, path in await _pending(conn, components)]


async def migrate(pool: asyncpg.Pool, components: dict[str, Path]) -> list[str]:
    """Applies each component's pending migrations in order, each in its own transaction.

    Replicas starting together serialise on an advisory lock, so each file runs once.
    """
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       component text NOT NULL, version int NOT NULL, name text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))"""
            )
            for component, version, path in await _pending(conn, components):
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute(
                        "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
                        component,
                        version,
                        path.name,
                    )
                applied.append(f"{component}/{path.name}")
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied


async def ensure_database(server_url: str, name: str) -> str:
    """Creates database `name` on the server if missing; returns its URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"bad database name {name!r}")
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(server_url, name)


def database_url(server_url: str, name: str) -> str:
    base, _, query = server_url.partition("?")
    root = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    return f"{root}/{name}" + (f"?{query}" if query else "")
