"""Plan service fixtures: settings with a code signing key, on the session's real servers."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from wurao_common.bus.envelope import Event
from wurao_common.config import Config
from wurao_common.testing import graphql, serving
from wurao_plan.app import create_app
from wurao_plan.domain.codes import CHINA
from wurao_plan.seed.demo import STORY_COUNTIES, load_demo
from wurao_plan.seed.regions import load_regions
from wurao_plan.settings import PlanSettings

CODE_KEY_ID = 7
SCAN_BASE_URL = "https://wurao.example/s/"


def write_code_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return key


@pytest.fixture(scope="session")
def code_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("code-keys") / "code-signing.pem"
    write_code_key(path)
    return path


@pytest.fixture
def plan_env(service_env, code_key_file) -> Callable[..., dict[str, str]]:
    def make(**extra: str) -> dict[str, str]:
        defaults = {
            "CODE_SIGNING_KEY_FILE": str(code_key_file),
            "CODE_SIGNING_KEY_ID": str(CODE_KEY_ID),
            "SCAN_BASE_URL": SCAN_BASE_URL,
        }
        return service_env(bus_user="plan", **{**defaults, **extra})

    return make


@pytest.fixture
def plan_settings(plan_env) -> Callable[..., PlanSettings]:
    def make(**extra: str) -> PlanSettings:
        return PlanSettings.from_env(Config(environ=plan_env(**extra)))

    return make


class BusEvents:
    """The plan events seen on NATS while a test runs."""

    def __init__(self, nats_client) -> None:
        self.seen: list[Event] = []
        self._nats = nats_client
        self.subscription = None

    def of_type(self, event_type: str) -> list[Event]:
        return [event for event in self.seen if event.type == event_type]

    async def settle(self, pool, timeout: float = 10) -> None:
        """Waits until the outbox is empty and what the relay published has arrived. A row leaves the outbox once
        JetStream acknowledged its message, which the server had routed to this subscription by then: the message
        reaches this client before the answer to a flush sent afterwards, and is handed to `seen` from there."""
        deadline = asyncio.get_running_loop().time() + timeout
        while await pool.fetchval("SELECT count(*) FROM outbox"):
            assert asyncio.get_running_loop().time() < deadline, "the outbox did not drain"
            await asyncio.sleep(0.02)
        await self._nats.flush(timeout=timeout)
        while self.subscription.pending_msgs:  # noqa: ASYNC110 - the subscription offers no event to wait on
            await asyncio.sleep(0)


@pytest.fixture
async def plan_events(nats_client):
    events = BusEvents(nats_client)

    async def seen(message) -> None:
        events.seen.append(Event.from_json(message.data))

    events.subscription = await nats_client.subscribe("wurao.plan.>", cb=seen)
    yield events
    await events.subscription.unsubscribe()


@pytest.fixture
async def plan(plan_settings, plan_events, pool):
    """The plan service with Hunan's regions and the demo offices, serving over in-process HTTP."""
    async with serving(create_app(plan_settings())) as client:
        async with pool.acquire() as conn:
            await load_regions(conn, subtrees=STORY_COUNTIES)
            await load_demo(conn)
        yield client


@pytest.fixture
def as_staff(plan, jwt_keys):
    """`as_staff((role, region, office_id), person)`: an office's staff member calling plan; the call asserts no
    errors and returns the data."""

    def make(who, person="staff"):
        role, region, office_id = who
        headers = jwt_keys.bearer(role, region, office_id=office_id, subject=f"{office_id}:{person}")

        async def call(document: str, **variables) -> dict:
            body = await graphql(plan, document, variables, headers=headers)
            assert "errors" not in body, body
            return body["data"]

        return call

    return make


@pytest.fixture
def new_code_key_file(tmp_path) -> Callable[[str], Path]:
    """Writes another Ed25519 key, as an operator rotating keys would."""

    def make(name: str) -> Path:
        write_code_key(tmp_path / name)
        return tmp_path / name

    return make


@pytest.fixture
def insert_item(pool):
    """Writes an item as part A's approval workflow would leave it (approved unless told otherwise)."""

    async def insert(office_id: str, **columns) -> str:
        return await _insert_item(pool, office_id, **columns)

    return insert


async def _insert_item(
    pool,
    office_id: str,
    *,
    status: str = "approved",
    window: tuple[date, date] | None = None,
    year: int | None = None,
    **columns,
) -> str:
    today = datetime.now(CHINA).date()
    start, end = window or (today, today + timedelta(days=30))
    values = {
        "id": uuid.uuid4(),
        "office_id": office_id,
        "year": year or start.year,
        "kind": "inspection",
        "title": "汛期防汛备汛专项督查",
        "basis": "汛期将至，地质灾害隐患点需核查",
        "content": "防汛物资、隐患点巡查、应急预案落实",
        "scope_regions": ["431024106", "431024103"],
        "scope_unit_kinds": ["village_committee", "township_government"],
        "window_start": start,
        "window_end": end,
        "inspectors": [{"name": "陈跃辉", "title": "县委督查室主任"}],
        "status": status,
        "created_by": "test",
        **columns,
    }
    if status in ("coded", "active", "completed"):  # a coded item carries its code's number
        values.setdefault("code_number", f"XD{office_id[:6]}-{str(values['year'])[2:]}-{uuid.uuid4().hex[:8]}")
    names = ", ".join(values)
    placeholders = ", ".join(f"${n}" for n in range(1, len(values) + 1))
    await pool.execute(f"INSERT INTO items ({names}) VALUES ({placeholders})", *values.values())
    return str(values["id"])
