"""The whole platform, started once for the end-to-end tests: services and gateway as real processes, two
replicas of each service behind a balancer (so every end-to-end test also runs on replicas)."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from redis import Redis

from wurao_common import embedded
from wurao_common.auth import Role
from wurao_common.testing import Servers, china_today
from wurao_devstack.stack import Stack


class SpanSink:
    """A minimal OTLP/HTTP trace receiver: the services and the gateway export their spans here."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, str, str]] = []  # (service, span name, trace id)
        # Every text a span or a span's event carries as an attribute, by service (each text once), and what the key
        # was: (service, key, text).
        self.texts: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self._body()
                if self.headers.get("content-type", "").startswith("application/json"):  # the Node exporter
                    sink._collect_json(json.loads(body))
                else:  # the Python exporter sends protobuf
                    request = ExportTraceServiceRequest()
                    request.ParseFromString(body)
                    sink._collect(request)
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.end_headers()

            def _body(self) -> bytes:
                if self.headers.get("transfer-encoding", "").lower() != "chunked":  # the Python exporter
                    return self.rfile.read(int(self.headers.get("content-length", 0)))
                body = b""  # the Node exporter streams its body
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    body += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
                return body

            def log_message(self, *_args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", embedded.free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def _collect(self, request: ExportTraceServiceRequest) -> None:
        with self._lock:
            for resource_spans in request.resource_spans:
                attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                service = attributes.get("service.name", "")
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        self.spans.append((service, span.name, span.trace_id.hex()))
                        for attribute in [*span.attributes, *(a for e in span.events for a in e.attributes)]:
                            value = attribute.value
                            texts = [v.string_value for v in value.array_value.values] or [value.string_value]
                            self.texts.update((service, attribute.key, text) for text in texts if text)

    def _collect_json(self, request: dict) -> None:
        with self._lock:
            for resource_spans in request.get("resourceSpans", []):
                attributes = {
                    a["key"]: a["value"].get("stringValue", "")
                    for a in resource_spans.get("resource", {}).get("attributes", [])
                }
                service = attributes.get("service.name", "")
                for scope_spans in resource_spans.get("scopeSpans", []):
                    for span in scope_spans.get("spans", []):
                        self.spans.append((service, span["name"], span["traceId"]))
                        events = [a for e in span.get("events", []) for a in e.get("attributes", [])]
                        for attribute in [*span.get("attributes", []), *events]:
                            value = attribute.get("value", {})
                            texts = [v.get("stringValue") for v in value.get("arrayValue", {}).get("values", [])]
                            texts = texts or [value.get("stringValue")]
                            self.texts.update((service, attribute["key"], text) for text in texts if text)

    def in_trace(self, trace_id: str) -> list[tuple[str, str]]:
        with self._lock:
            return [(service, name) for service, name, span_trace in self.spans if span_trace == trace_id]

    def attribute_texts(self) -> set[tuple[str, str, str]]:
        """(service, attribute key, text) of every span received so far."""
        with self._lock:
            return set(self.texts)


@pytest.fixture(scope="session")
def span_sink() -> Iterator[SpanSink]:
    sink = SpanSink()
    sink.thread.start()
    yield sink
    sink.server.shutdown()
    sink.server.server_close()


@pytest.fixture(scope="session")
def platform(
    servers: Servers, new_bus, span_sink: SpanSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The platform on a NATS and a Redis of its own: what other tests publish, consume or flush never reaches
    it (their services would share its durable consumers and cap counters). It shares only the PostgreSQL
    server, in databases of its own (wurao_<service>).

    Every server's URL carries a password, as in production, and every request and response header is put on the
    services' spans: tests/e2e/test_secrets_stay_out.py looks for the passwords and the tokens in every log and
    span. The Redis requires its password; the shared PostgreSQL trusts loopback and never asks for it."""
    data_dir = tmp_path_factory.mktemp("platform")
    redis = embedded.start_redis(data_dir / "own-redis")
    try:
        redis_password = secrets.token_urlsafe(24)
        with Redis.from_url(redis.url) as client:
            client.config_set("requirepass", redis_password)
        with new_bus() as bus:
            stack = Stack(
                data_dir=data_dir,
                gateway_port=embedded.free_port(),
                external={
                    "DATABASE_URL": _with_password(servers.postgres.url, secrets.token_urlsafe(24)),
                    "REDIS_URL": _with_password(redis.url, redis_password),
                    "NATS_URL": bus.url,
                },
                nats_passwords=dict(bus.passwords),  # each service connects as its own NATS user
                extra_env={
                    "OTEL_EXPORTER_OTLP_ENDPOINT": span_sink.endpoint,
                    "OTEL_BSP_SCHEDULE_DELAY": "100",
                    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": ".*",
                    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE": ".*",
                    "SWEEP_SECONDS": "1",  # rectification's sweepers (one per replica) send a due reminder in a second
                },
                replicas=2,
            )
            stack.start()
            yield stack
            stack.stop()
    finally:
        redis.stop()


def _with_password(url: str, password: str) -> str:
    """`url` (with a user, or none) carrying `password`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{password}@{parts.netloc.rpartition('@')[2]}"))


@pytest.fixture
async def gateway(platform: Stack):
    async with httpx.AsyncClient(base_url=platform.gateway_url.removesuffix("/graphql"), timeout=30) as client:
        yield client


@pytest.fixture
def call(gateway):
    """`await call(query, variables, token, **headers)`: one GraphQL request through the gateway; its data, the
    request having succeeded without errors."""

    async def post(query: str, variables: dict, token: str, **headers: str) -> dict:
        response = await gateway.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}", **headers},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    return post


async def _until(check, what: str):
    """What `check` found once it found something: the platform's consumers work on their own time."""
    for _ in range(300):
        if found := await check():
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
def until():
    """`await until(check, what)`: polls `check` until it finds something, and returns that."""
    return _until


JIAHE_OFFICE, JIAHE = "431024-dcs", "431024"
JIAHE_VILLAGE = "431024106201"  # inside the seeded flood-season item's scope
DEMO_ITEM = "汛期防汛备汛专项督查"  # the demo story's coded item (services/plan/src/wurao_plan/seed/story.py)
ITEMS = "query($office: ID!) { items(officeId: $office) { id title scopeRegions code { token scanUrl } } }"
REGISTER = (
    'mutation($name: String!) { registerUnit(unit: {name: $name, kind: VILLAGE_COMMITTEE, region: "431024106201"}) '
    "{ __typename ... on Unit { id } } }"
)
VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"


@pytest.fixture
async def demo_item(platform, call) -> dict:
    """Jiahe's coded flood-season item of the demo story, found by its title (tests code and revoke other items of
    the office): its id, title, scopeRegions and code (token, scanUrl)."""
    office = platform.keys.token(Role.COUNTY_OFFICE, JIAHE, office=JIAHE_OFFICE)
    items = (await call(ITEMS, {"office": JIAHE_OFFICE}, office))["items"]
    return next(item for item in items if item["title"] == DEMO_ITEM and item["code"])


@pytest.fixture
async def admitted_unit(platform, call, demo_item):
    """A new village committee in Jiahe county that inspection already knows, and the flood-season item's code:
    (item, the unit's token, the unit's id)."""
    item = demo_item
    assert any(JIAHE_VILLAGE.startswith(region) for region in item["scopeRegions"]), item
    office = platform.keys.token(Role.COUNTY_OFFICE, JIAHE, office=JIAHE_OFFICE)
    registered = await call(REGISTER, {"name": f"测试村委会 {uuid.uuid4().hex[:6]}"}, office)
    unit = registered["registerUnit"]["id"]
    unit_token = platform.keys.token(Role.UNIT, JIAHE_VILLAGE, unit=unit)

    async def known():
        verdict = await call(VERIFY, {"code": item["code"]["token"]}, unit_token)
        return verdict["verifyCode"]["__typename"] == "CodeValid"

    await _until(known, "inspection learns the new unit")
    return item, unit_token, unit


CHECK_IN = "mutation($code: String!) { checkIn(code: $code) { __typename ... on Visit { id } } }"
FINDING = """mutation($visit: ID!, $unit: ID!, $deadline: Date!) {
  recordFinding(input: {visitId: $visit, severity: MEDIUM, responsibleUnitId: $unit, description: "防汛物资台账不符",
                        proposedDeadline: $deadline}) { __typename } }"""
TASKS = "query($unit: ID!) { tasks(unitId: $unit) { tasks { id visitId deadline } } }"


@pytest.fixture
async def open_task(platform, call, admitted_unit):
    """A visit to a new village committee, a finding due in 20 days, and the task rectification opened for it:
    (task id, item id, the unit's token)."""
    item, unit_token, unit_id = admitted_unit
    deadline = (china_today() + timedelta(days=20)).isoformat()
    visit = (await call(CHECK_IN, {"code": item["code"]["token"]}, unit_token))["checkIn"]["id"]
    inspector = platform.keys.token(Role.INSPECTOR, JIAHE, office=JIAHE_OFFICE)
    recorded = await call(FINDING, {"visit": visit, "unit": unit_id, "deadline": deadline}, inspector)
    assert recorded["recordFinding"]["__typename"] == "Finding"

    async def opened():
        return (await call(TASKS, {"unit": unit_id}, unit_token))["tasks"]["tasks"]

    (task,) = await _until(opened, "rectification opens the finding's task")
    assert (task["visitId"], task["deadline"]) == (visit, deadline)
    return task["id"], item["id"], unit_token
