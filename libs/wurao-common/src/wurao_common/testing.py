"""pytest fixtures: real PostgreSQL and Redis started once per test session on free ports, and a real NATS of its
own for each test that uses the bus.

A test's database is its own (`database_url`) and so is its NATS (`bus`): a service's durable consumers read the
stream from where they stand, so on a NATS shared by the session a test's service would apply what other tests
published before it (another negative list, other units) and take events from any other process consuming under
the same durable names (the end-to-end platform's replicas). Every NATS of the session is tapped for the events'
contract.

Enabled by `pytest_plugins = ["wurao_common.testing"]` in the root conftest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from nats.aio.client import Client
from starlette.types import ASGIApp

from wurao_common import db, embedded
from wurao_common.auth import Role, generate_signing_key, issue_token
from wurao_common.bus import access
from wurao_common.bus.contract import Conformance
from wurao_common.bus.nats import NatsSettings, connect, ensure_stream
from wurao_common.config import Secret

ISSUER = "wurao-test"
AUDIENCE = "wurao-api"
_CHINA = timezone(timedelta(hours=8), "CST")


def china_today() -> date:
    """Today in China (UTC+8), whose calendar the services' years follow. Tests that go through a service's own
    clock (drafting a plan, filing an item, playing the demo story) derive their years from this, never a literal:
    a hard-coded year turns into "a year already past" on the next 1 January."""
    return datetime.now(_CHINA).date()


@dataclass(frozen=True)
class BusParties:
    """Who has a user on the tests' NATS servers: each service's durable consumers, and the subscribers' regions."""

    durables: Mapping[str, Sequence[str]]
    regions: Sequence[str]


@dataclass(frozen=True)
class Bus:
    """A NATS with the stream, which runs with one user per party (see `wurao_common.bus.access`)."""

    url: str
    passwords: Mapping[str, str]

    def settings(self, user: str) -> NatsSettings:
        return NatsSettings(url=Secret(self.url), user=user, password=Secret(self.passwords[user]))

    def env(self, user: str) -> dict[str, str]:
        """The settings a process of `user` reads (NATS_URL, NATS_USER, NATS_PASSWORD)."""
        return {"NATS_URL": self.url, "NATS_USER": user, "NATS_PASSWORD": self.passwords[user]}

    async def connect(self, user: str) -> Client:
        return await connect(self.settings(user), name=f"test-{user}")


@dataclass(frozen=True)
class Servers:
    postgres: embedded.Server
    redis: embedded.Server
    root: Path


class EventTap:
    """Listens to `wurao.>` on every NATS it is asked to watch and checks every event, whichever process published
    it, against the committed schemas (docs/events/schemas): the feed's contract holds for all the suite emits.
    One thread and one event loop for all the buses, so their events are counted one at a time."""

    def __init__(self, schemas: Path):
        self.conformance = Conformance(schemas)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="event-tap", daemon=True)

    def __enter__(self) -> EventTap:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    @contextlib.contextmanager
    def watching(self, bus: Bus) -> Iterator[None]:
        """Checks what is published on `bus` while the block runs, from its first line on."""
        nc = self._run(self._subscribe(bus))
        try:
            yield
        finally:
            self._run(nc.drain())  # what arrived before the drain is checked first

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    async def _subscribe(self, bus: Bus) -> Client:
        nc = await bus.connect(access.OPERATOR)  # the only user who reads every subject
        await nc.subscribe("wurao.>", cb=self._received)
        await nc.flush()
        return nc

    async def _received(self, message) -> None:
        self.conformance.check(message.data)


_TAP = pytest.StashKey[EventTap]()


@pytest.fixture(scope="session")
def bus_parties() -> BusParties:
    """No service by default; the repository's conftest names the platform's services and regions."""
    return BusParties(durables={}, regions=())


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("servers")
    started: list[embedded.Server] = []
    try:
        for start, name in ((embedded.start_postgres, "postgres"), (embedded.start_redis, "redis")):
            started.append(start(root / name))
        yield Servers(*started, root=root)
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture(scope="session")
def event_tap(pytestconfig: pytest.Config) -> Iterator[EventTap]:
    with EventTap(pytestconfig.rootpath / "docs" / "events" / "schemas") as tap:
        pytestconfig.stash[_TAP] = tap
        yield tap
    if tap.conformance.problems:
        shown = "\n".join(f"{count}× {problem}" for problem, count in tap.conformance.problems.items())
        pytest.fail(f"events broke the feed's contract (docs/events/schemas):\n{shown}")


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    tap = config.stash.get(_TAP, None)
    if tap is not None:
        checked = tap.conformance.checked
        terminalreporter.write_line(
            f"event contract: {sum(checked.values())} events of {len(checked)} types checked against "
            f"docs/events/schemas, {sum(tap.conformance.problems.values())} broke it"
        )


@pytest.fixture(scope="session")
def new_bus(
    tmp_path_factory: pytest.TempPathFactory, bus_parties: BusParties, event_tap: EventTap
) -> Callable[[], contextlib.AbstractContextManager[Bus]]:
    """`with new_bus() as bus:` a NATS of its own, with the stream and a user for every party of the session (the
    same passwords on every one), watched by the event tap; stopped and its data removed after the block."""
    folder = tmp_path_factory.mktemp("buses")
    users = [access.OPERATOR, *bus_parties.durables, *map(access.subscriber_name, bus_parties.regions)]
    passwords = access.passwords(folder / "nats-passwords.json", users)
    authorization = access.authorization(access.platform_users(bus_parties.durables, bus_parties.regions, passwords))

    @contextlib.contextmanager
    def start() -> Iterator[Bus]:
        data = folder / uuid.uuid4().hex[:12]
        server = embedded.start_nats(data, authorization=authorization)
        try:
            bus = Bus(server.url, passwords)
            asyncio.run(_create_stream(bus))  # the operator's job: services may not create or change it
            with event_tap.watching(bus):
                yield bus
        finally:
            server.stop()
            embedded.remove_tree(data)

    return start


@pytest.fixture
def bus(new_bus: Callable[[], contextlib.AbstractContextManager[Bus]]) -> Iterator[Bus]:
    """This test's own NATS: its stream holds only what this test publishes, and its services' durable consumers
    start on it afresh."""
    with new_bus() as own:
        yield own


async def _create_stream(bus: Bus) -> None:
    nc = await bus.connect(access.OPERATOR)
    try:
        await ensure_stream(nc)
    finally:
        await nc.close()


@pytest.fixture
async def database_url(servers: Servers) -> str:
    """A new, empty database for one test."""
    return await db.ensure_database(servers.postgres.url, f"t_{uuid.uuid4().hex[:16]}")


async def migrated_pool(servers: Servers, migrations: dict, *, max_size: int = 2):
    """A small pool on a new database with `migrations` applied (db.migrate's mapping), e.g. for a module's
    generated data."""
    pool = await db.create_pool(
        await db.ensure_database(servers.postgres.url, f"t_{uuid.uuid4().hex[:16]}"), max_size=max_size
    )
    await db.migrate(pool, migrations)
    return pool


async def apply_again(pool, components: dict[str, Path], component: str, version: int) -> None:
    """Applies one migration again, as the upgrade that brings it does, over rows a test has set back to what they
    were before it (for a migration that only rewrites rows)."""
    await pool.execute("DELETE FROM schema_migrations WHERE component = $1 AND version = $2", component, version)
    (applied,) = await db.migrate(pool, components)
    assert applied.startswith(f"{component}/{version:03d}_"), applied


@pytest.fixture
async def pool(database_url: str):
    pool = await db.create_pool(database_url, max_size=10)
    yield pool
    await pool.close()


@pytest.fixture
async def nats_client(bus: Bus):
    """A client of the operator user on the test's NATS, which may publish anything: tests play the other services
    with it."""
    nc = await bus.connect(access.OPERATOR)
    yield nc
    await nc.drain()


@dataclass(frozen=True)
class Keys:
    private_pem: bytes
    public_pem: bytes
    public_path: Path

    def token(self, role: Role | str, region: str, **claims) -> str:
        return issue_token(self.private_pem, issuer=ISSUER, audience=AUDIENCE, role=role, region=region, **claims)

    def bearer(self, role: Role | str, region: str, **claims) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(role, region, **claims)}"}


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    private_pem, public_pem = generate_signing_key()
    path = tmp_path_factory.mktemp("keys") / "jwt-public.pem"
    path.write_bytes(public_pem)
    return Keys(private_pem, public_pem, path)


@pytest.fixture
def service_env(servers: Servers, bus: Bus, jwt_keys: Keys, database_url: str) -> Callable[..., dict[str, str]]:
    """The environment a service reads its settings from, pointing at the test servers and the test's own NATS.

    `bus_user` is the NATS user the service connects as: its own, so that its tests run with its permissions.
    """

    def make(*, bus_user: str, **extra: str) -> dict[str, str]:
        return {
            "DATABASE_URL": database_url,
            **bus.env(bus_user),
            "REDIS_URL": servers.redis.url,
            "JWT_PUBLIC_KEY_FILE": str(jwt_keys.public_path),
            "JWT_ISSUER": ISSUER,
            "JWT_AUDIENCE": AUDIENCE,
            "WURAO_ENV": "development",
            **extra,
        }

    return make


@contextlib.asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """Runs an ASGI app's lifespan (its real pools and clients) and yields an HTTP client bound to it."""
    to_app: asyncio.Queue = asyncio.Queue()
    from_app: asyncio.Queue = asyncio.Queue()
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, to_app.get, from_app.put)
    )
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    if started["type"] != "lifespan.startup.complete":
        task.cancel()
        raise RuntimeError(f"app failed to start: {started.get('message')}")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
            yield client
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        await from_app.get()
        await task


def settings_from(env: dict[str, str]):
    from wurao_common.config import Config
    from wurao_common.service import CommonSettings

    return CommonSettings.from_env(Config(environ=env))


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict | None = None, *, headers: dict[str, str]
) -> dict:
    """POSTs a GraphQL request and returns the decoded body, failing on a non-200 answer."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


class Explaining:
    """Stands where an adapter expects a connection: EXPLAINs each statement it fetches, on the real server and
    with the same parameters, keeps the plans (`plans`), and answers as if nothing matched. For query-plan tests
    of the statements exactly as the service sends them."""

    def __init__(self, conn) -> None:
        self._conn = conn
        self.plans: list[dict] = []

    async def explain(self, sql: str, *args) -> dict:
        # Pools decode json themselves (wurao_common.db): EXPLAIN's answer arrives as a list.
        answer = await self._conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
        plan = (json.loads(answer) if isinstance(answer, str) else answer)[0]["Plan"]
        self.plans.append(plan)
        return plan

    async def fetch(self, sql: str, *args) -> list:
        await self.explain(sql, *args)
        return []


def assert_uses_indexes(plan: dict, table: str) -> None:
    """The plan reads `table` through one of its indexes (named after it, as all ours are) and never scans it
    sequentially."""

    def nodes(node: dict) -> Iterator[dict]:
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    found = list(nodes(plan))
    shown = json.dumps(plan, indent=1)
    assert any(node.get("Relation Name") == table for node in found), shown
    assert all(node["Node Type"] != "Seq Scan" for node in found if node.get("Relation Name") == table), shown
    # A bitmap index scan names its index, not its table.
    assert any(node.get("Index Name", "").startswith(table) for node in found), shown


class Hearing:
    """A replica's Notifications (wurao_common.mirror: RowChanges, or a service's own channel) seen from a test: when
    it listens, and when it heard every change committed so far.

    PostgreSQL delivers one connection's notifications in commit order, so once the listener heard a notification
    sent after a change committed, it heard that change too. The test's notification, 'test-heard:<token>', must
    mean nothing to the replica.
    """

    def __init__(self, changes, pool) -> None:
        self._channel = changes.channel
        self.changes = changes
        self._pool = pool
        self._heard: dict[str, asyncio.Event] = {}
        changes.on_payload(self._notified)

    def _notified(self, payload: str) -> None:
        if payload.startswith("test-heard:"):
            self._event(payload.removeprefix("test-heard:")).set()

    def _event(self, token: str) -> asyncio.Event:
        return self._heard.setdefault(token, asyncio.Event())

    async def everything(self, timeout: float = 30) -> None:
        """Returns once the replica heard every change committed before the call (raises if it is not listening
        within `timeout`)."""
        token = uuid.uuid4().hex
        await self._pool.execute("SELECT pg_notify($1, $2)", self._channel, f"test-heard:{token}")
        await asyncio.wait_for(self._event(token).wait(), timeout)

    async def listening_again(self, timeout: float = 30) -> None:
        """Returns once the replica listens (again): until then a notification goes unheard, so ask again."""
        async with asyncio.timeout(timeout):
            while True:
                with contextlib.suppress(TimeoutError):
                    return await self.everything(timeout=0.2)

    @contextlib.asynccontextmanager
    async def listening(self, **options) -> AsyncIterator[None]:
        """The replica listens while the block runs, from its first line on."""
        async with self.changes.listening(self._pool, **options):
            await self.listening_again()
            yield
