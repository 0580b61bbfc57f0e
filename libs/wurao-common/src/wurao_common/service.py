"""What every service runs on: common settings and the runtime its lifespan opens and closes."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import asyncpg
import strawberry
from nats.aio.client import Client
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from wurao_common import config, db, logs
from wurao_common.auth import Caller, TokenVerifier
from wurao_common.bus.consumer import Consumer, Subscription
from wurao_common.bus.nats import NatsSettings, connect, ensure_stream
from wurao_common.bus.outbox import OutboxRelay
from wurao_common.web import authenticated_get, graphql_service

log = logging.getLogger("wurao.service")
BUS_MIGRATIONS = Path(str(files("wurao_common") / "sql"))


@dataclass(frozen=True)
class CommonSettings:
    database_url: config.Secret
    nats: NatsSettings
    jwt_public_key: bytes
    jwt_issuer: str
    jwt_audience: str
    environment: str
    max_body_bytes: int
    db_pool_max: int
    stream_replicas: int
    migrate_on_start: bool = True
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None  # None: no metrics served
    log_level: int = logging.INFO

    @classmethod
    def from_env(cls, env: config.Config | None = None) -> CommonSettings:
        env = env or config.Config(environ=config.environ)
        environment = config.read(env, "WURAO_ENV", str, "production")
        if environment not in ("production", "development"):
            raise config.SettingsError("setting WURAO_ENV: must be 'production' or 'development'")
        _check_forwarded_allow_ips(env)
        return cls(
            database_url=config.read(env, "DATABASE_URL", config.Secret),
            nats=NatsSettings.from_env(env),
            jwt_public_key=config.read_file(env, "JWT_PUBLIC_KEY_FILE"),
            jwt_issuer=config.read(env, "JWT_ISSUER"),
            jwt_audience=config.read(env, "JWT_AUDIENCE"),
            environment=environment,
            max_body_bytes=config.read_at_least(env, "MAX_BODY_BYTES", 1 << 20, 1, "no request could be served"),
            db_pool_max=config.read_at_least(env, "DB_POOL_MAX", 20, 2, "the pool opens 2 connections at start"),
            stream_replicas=config.read(env, "NATS_STREAM_REPLICAS", int, 1),
            migrate_on_start=config.read(env, "MIGRATE_ON_START", bool, True),
            metrics_host=config.read(env, "METRICS_HOST", str, "127.0.0.1"),
            metrics_port=_metrics_port(env),
            log_level=logs.read_level(env),
        )

    @cached_property
    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.jwt_public_key, issuer=self.jwt_issuer, audience=self.jwt_audience)


def _check_forwarded_allow_ips(env: config.Config) -> None:
    """FORWARDED_ALLOW_IPS is uvicorn's own (the proxies whose X-Forwarded-For it believes; unset, loopback only:
    `127.0.0.1,::1`), checked here so that no value lets a client choose the address it is counted and traced under:
    `*` (or every address) makes uvicorn believe anyone and take the first address listed, the one a client writes
    wherever a proxy appends to the header; an entry that is no address or network uvicorn would quietly ignore."""
    entries = config.read(env, "FORWARDED_ALLOW_IPS", str, "").split(",")
    for entry in filter(None, map(str.strip, entries)):
        try:
            network = ipaddress.ip_network(entry)
        except ValueError:
            network = None
        if network is None or network.prefixlen == 0:
            raise config.SettingsError(
                f"setting FORWARDED_ALLOW_IPS: {entry!r} is no proxy's address or network: name the proxies whose "
                "X-Forwarded-For is believed (addresses or networks, comma-separated), never every address"
            )


def _metrics_port(env: config.Config) -> int | None:
    port = config.read(env, "METRICS_PORT", str, "")
    if not port:
        return None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise config.SettingsError("setting METRICS_PORT: must be a port number (1-65535)")
    return int(port)


@dataclass
class Runtime:
    pool: asyncpg.Pool
    nats: Client
    extras: dict[str, Any] = field(default_factory=dict)  # what extend_runtime adds (e.g. "redis")
    # Readiness checks extend_runtime adds for what it opened: each returns a problem, or None when fine.
    checks: list[Callable[[], Awaitable[str | None]]] = field(default_factory=list)

    async def problems(self) -> list[str]:
        """What keeps this replica from serving; empty when ready."""
        found = []
        try:
            async with self.pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
        except Exception as error:
            found.append(f"postgres: {type(error).__name__}")
        if not self.nats.is_connected:
            found.append("nats: not connected")
        for check in self.checks:
            problem = await check()
            if problem:
                found.append(problem)
        return found


# A plain GET endpoint given the runtime and the authenticated caller.
RuntimeEndpoint = Callable[[Request, Runtime, Caller], Awaitable[Response]]
# A GET endpoint that answers without a token: each one is a documented exception in its service's README.
PublicEndpoint = Callable[[Request, Runtime], Awaitable[Response]]


def migration_components(service: str, migrations: Path) -> dict[str, Path]:
    """Every schema a service's database holds: the shared plumbing tables (outbox, inbox, request results) and the
    service's own."""
    return {"bus": BUS_MIGRATIONS, service: migrations}


async def _migrated(pool: asyncpg.Pool, service: str, migrations: Path, *, apply: bool) -> None:
    """Applies pending migrations; with MIGRATE_ON_START=false (a migration Job did it) refuses an old schema."""
    components = migration_components(service, migrations)
    if apply:
        applied = await db.migrate(pool, components)
        if applied:
            log.info("%s: applied migrations %s", service, ", ".join(applied))
        return
    missing = await db.pending(pool, components)
    if missing:
        raise config.SettingsError(
            f"{service}: the database lacks migrations {', '.join(missing)} and MIGRATE_ON_START is false: "
            f"run `python -m wurao_{service}.migrate` first"
        )


@asynccontextmanager
async def open_runtime(
    settings: CommonSettings,
    *,
    service: str,
    migrations: Path,
    subscriptions: Sequence[Subscription] = (),
) -> AsyncIterator[Runtime]:
    """Pool, migrations, NATS, stream, outbox relay and consumers; closed in reverse order, draining first."""
    async with AsyncExitStack() as stack:
        pool = await db.create_pool(str(settings.database_url), max_size=settings.db_pool_max)
        stack.push_async_callback(pool.close)
        await _migrated(pool, service, migrations, apply=settings.migrate_on_start)
        nc = await connect(settings.nats, name=service)
        stack.push_async_callback(nc.drain)
        await ensure_stream(nc, replicas=settings.stream_replicas)
        relay = OutboxRelay(pool, nc)
        await relay.start()
        stack.push_async_callback(relay.stop)
        for subscription in subscriptions:
            consumer = Consumer(pool, nc, subscription)
            await consumer.start()
            stack.push_async_callback(consumer.stop)
        yield Runtime(pool=pool, nats=nc)


def service_app(
    *,
    service: str,
    schema: strawberry.Schema,
    migrations: Path,
    make_context: Callable[[Runtime, Caller], Any],
    settings: CommonSettings | None = None,
    subscriptions: Sequence[Subscription] = (),
    extend_runtime: Callable[[Runtime], AbstractAsyncContextManager[None]] | None = None,
    extra_routes: Sequence[tuple[str, RuntimeEndpoint]] = (),
    public_routes: Sequence[tuple[str, PublicEndpoint]] = (),
) -> ASGIApp:
    """A service's whole ASGI app: settings read and the process's log set up now (`wurao_common.logs`),
    connections opened in the lifespan.

    `extend_runtime` opens what only this service needs (Redis for inspection) on top of the common runtime.
    `extra_routes` are (path, endpoint) pairs served by GET, authenticated like /graphql.
    `public_routes` are served by GET without a token: keep them few, and document each as an exception.
    """
    settings = settings or CommonSettings.from_env()
    logs.configure(settings.log_level)
    state: dict[str, Runtime] = {}

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        async with (
            open_runtime(settings, service=service, migrations=migrations, subscriptions=subscriptions) as runtime,
            AsyncExitStack() as extra,
        ):
            if extend_runtime is not None:
                await extra.enter_async_context(extend_runtime(runtime))
            state["runtime"] = runtime
            yield
            state.clear()

    async def readiness() -> list[str]:
        return await state["runtime"].problems() if "runtime" in state else ["starting"]

    return graphql_service(
        service=service,
        schema=schema,
        verifier=lambda: settings.verifier,
        runtime=lifespan,
        make_context=lambda _request, caller: make_context(state["runtime"], caller),
        readiness=readiness,
        max_body_bytes=settings.max_body_bytes,
        production=settings.environment == "production",
        metrics_address=None if settings.metrics_port is None else (settings.metrics_host, settings.metrics_port),
        extra_routes=[
            authenticated_get(
                path,
                lambda request, caller, endpoint=endpoint: endpoint(request, state["runtime"], caller),
                verifier=lambda: settings.verifier,
            )
            for path, endpoint in extra_routes
        ]
        + [_public_get(path, endpoint, state) for path, endpoint in public_routes],
    )


def _public_get(path: str, endpoint: PublicEndpoint, state: dict[str, Runtime]) -> Route:
    async def serve(request: Request) -> Response:
        return await endpoint(request, state["runtime"])

    return Route(path, serve, methods=["GET"])
