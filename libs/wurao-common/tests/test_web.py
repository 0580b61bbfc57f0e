"""The HTTP face every subgraph shares, on a small federated schema; its metrics, on a port of their own; its spans."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
import strawberry
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from wurao_common import embedded, web
from wurao_common.auth import Role, TokenVerifier
from wurao_common.config import Config, SettingsError
from wurao_common.service import CommonSettings
from wurao_common.testing import AUDIENCE, ISSUER, Keys, serving
from wurao_common.web import STORE_UNREACHABLE, build_schema, graphql_service


@strawberry.federation.type(keys=["id"])
class Thing:
    id: strawberry.ID

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Thing:
        return cls(id=id)


@strawberry.type
class Result:
    ok: bool


@strawberry.type
class Query:
    @strawberry.field
    def thing(self) -> Thing:
        return Thing(id=strawberry.ID("1"))

    @strawberry.field
    def result(self) -> Result:
        return Result(ok=True)

    @strawberry.field
    def echo(self, text: str) -> str:
        return text

    @strawberry.field
    def echo_all(self, texts: list[str]) -> list[str]:
        return texts


def _app(keys: Keys, *, schema=None, **options):
    @asynccontextmanager
    async def runtime() -> AsyncIterator[None]:
        yield

    async def ready() -> list[str]:
        return []

    verifier = TokenVerifier(keys.public_pem, issuer=ISSUER, audience=AUDIENCE)
    return graphql_service(
        service="things",
        schema=schema or build_schema(query=Query, types=[Thing]),
        verifier=lambda: verifier,
        runtime=runtime,
        make_context=lambda _request, caller: {"caller": caller},
        readiness=ready,
        **options,
    )


ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { id } } }"


@pytest.mark.parametrize(
    "representation",
    [
        {"__typename": "Result", "ok": True},  # an object type that is no entity
        {"__typename": "Boolean"},  # a scalar
        {"__typename": "Query"},
        {"__typename": "NoSuchType", "id": "1"},
        {"id": "1"},  # no __typename
        {"__typename": 5, "id": "1"},
        {"__typename": "Thing"},  # the key missing
        {"__typename": "Thing", "id": "1", "name": "x"},  # a field that is no key
        {"__typename": "Thing", "id": {"nested": True}},  # a key of the wrong type
        "Thing",  # not an object at all
    ],
    ids=lambda value: str(value)[:40],
)
async def test_an_entity_representation_that_names_no_entity_of_the_subgraph_is_the_clients_error(
    jwt_keys, caplog, representation
):
    """Strawberry crashed (a masked 'Internal error' and a stack trace in the log) on each of these."""
    caplog.set_level(logging.ERROR, logger="wurao.web")
    async with serving(_app(jwt_keys)) as client:
        answer = await client.post(
            "/graphql",
            json={"query": ENTITIES, "variables": {"r": [{"__typename": "Thing", "id": "7"}, representation]}},
            headers=jwt_keys.bearer(Role.OBSERVER, "43"),
        )
    body = answer.json()
    assert answer.status_code == 200, answer.text
    assert body["data"]["_entities"][0] == {"id": "7"}, "a good representation beside a bad one still resolves"
    assert body["data"]["_entities"][1] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["path"] == ["_entities", 1]
    assert not caplog.records, "a client's mistake is no unexpected error"


def _metrics_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return response.read().decode()


async def test_metrics_are_served_on_their_own_port_and_never_on_the_public_one(jwt_keys):
    port = embedded.free_port()
    async with serving(_app(jwt_keys, metrics_address=("127.0.0.1", port))) as client:
        answer = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers=jwt_keys.bearer(Role.OBSERVER, "43")
        )
        assert answer.status_code == 200
        public = await client.get("/metrics")
        assert public.status_code == 404, "the public port does not tell an outsider what the platform does"
        assert "wurao_http_requests" not in public.text
        text = await asyncio.to_thread(_metrics_text, f"http://127.0.0.1:{port}/metrics")
    assert 'wurao_http_requests_total{path="/graphql",service="things",status="200"} 1.0' in text
    assert 'path="/metrics"' not in text
    with pytest.raises(OSError):  # the metrics server stops with the app
        await asyncio.to_thread(_metrics_text, f"http://127.0.0.1:{port}/metrics")


async def test_without_a_metrics_address_no_metrics_are_served(jwt_keys):
    async with serving(_app(jwt_keys)) as client:
        assert (await client.get("/metrics")).status_code == 404


def _settings(jwt_keys: Keys, **extra: str) -> CommonSettings:
    env = {
        "DATABASE_URL": "postgresql://nowhere/x",
        "NATS_URL": "nats://127.0.0.1:1",
        "JWT_PUBLIC_KEY_FILE": str(jwt_keys.public_path),
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": AUDIENCE,
    }
    return CommonSettings.from_env(Config(environ=env | extra))


@pytest.mark.parametrize("value", ["0", "65536", "nine", "-1"])
def test_a_metrics_port_that_is_no_port_refuses_to_start(jwt_keys, value):
    with pytest.raises(SettingsError, match="METRICS_PORT"):
        _settings(jwt_keys, METRICS_PORT=value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("MAX_BODY_BYTES", "0"),
        ("MAX_BODY_BYTES", "-1"),
        ("DB_POOL_MAX", "1"),
        ("DB_POOL_MAX", "0"),
        ("DB_POOL_MAX", "-5"),
    ],
)
def test_a_body_limit_or_pool_size_no_service_can_run_with_refuses_to_start(jwt_keys, key, value):
    """MAX_BODY_BYTES=0 used to start a service that answered every request 413; DB_POOL_MAX=1 one that failed in
    its lifespan with asyncpg's "min_size is greater than max_size", naming no setting."""
    with pytest.raises(SettingsError, match=key):
        _settings(jwt_keys, **{key: value})


def test_the_smallest_body_limit_and_pool_size_are_taken(jwt_keys):
    settings = _settings(jwt_keys, MAX_BODY_BYTES="1", DB_POOL_MAX="2")
    assert (settings.max_body_bytes, settings.db_pool_max) == (1, 2)


def test_metrics_listen_on_loopback_unless_told_otherwise_and_are_off_without_a_port(jwt_keys):
    settings = _settings(jwt_keys, METRICS_PORT="9100")
    assert (settings.metrics_host, settings.metrics_port) == ("127.0.0.1", 9100)
    assert _settings(jwt_keys, METRICS_HOST="0.0.0.0", METRICS_PORT="9100").metrics_host == "0.0.0.0"
    assert _settings(jwt_keys).metrics_port is None


@pytest.mark.parametrize(
    ("query", "variables", "refusal"),
    [
        ('{ echo(text: "a\\u0000b") }', None, web.UNSTORABLE_REFUSED),
        ("query($t: String!) { echo(text: $t) }", {"t": "a\u0000b"}, web.UNSTORABLE_REFUSED),
        ("query($t: [String!]!) { echoAll(texts: $t) }", {"t": ["ok", "a\u0000b"]}, web.UNSTORABLE_REFUSED),
        # a lone surrogate (JSON: "\ud800")
        ("query($t: String!) { echo(text: $t) }", {"t": "a\ud800b"}, web.UNSTORABLE_REFUSED),
        ("query($t: [String!]!) { echoAll(texts: $t) }", {"t": ["ok", "\udfff"]}, web.UNSTORABLE_REFUSED),
        # the same, raw in the document's literal: graphql-core's lexer refuses it
        ('{ echo(text: "a\ud800b") }', None, "Syntax Error: Invalid character within String: U+D800."),
    ],
    ids=["literal", "variable", "nested-variable", "surrogate-variable", "nested-surrogate", "surrogate-literal"],
)
async def test_a_string_postgresql_cannot_store_is_refused_as_the_clients_error_before_it_reaches_a_resolver(
    jwt_keys, caplog, query, variables, refusal
):
    """PostgreSQL's text holds no NUL and no lone surrogate: such a string used to fail in the database as a masked
    internal error."""
    caplog.set_level(logging.ERROR, logger="wurao.web")
    async with serving(_app(jwt_keys)) as client:
        answer = await client.post(
            "/graphql",
            # escaped as JSON escapes them: httpx's own encoding cannot write a lone surrogate
            content=json.dumps({"query": query, "variables": variables}).encode(),
            headers={
                **jwt_keys.bearer(Role.OBSERVER, "43"),
                "accept": "application/graphql-response+json",
                "content-type": "application/json",
            },
        )
    assert answer.status_code == 400, answer.text
    assert "data" not in answer.json()
    assert answer.json()["errors"][0]["message"] == refusal
    assert not caplog.records


async def test_a_surrogate_pair_is_one_character_and_passes(jwt_keys):
    async with serving(_app(jwt_keys)) as client:
        answer = await client.post(
            "/graphql",
            content=b'{"query": "query($t: String!) { echo(text: $t) }", "variables": {"t": "\\ud83d\\ude00"}}',
            headers={**jwt_keys.bearer(Role.OBSERVER, "43"), "content-type": "application/json"},
        )
    assert answer.json() == {"data": {"echo": "\U0001f600"}}


async def test_strings_without_a_nul_pass_even_when_the_query_spells_the_escape_elsewhere(jwt_keys):
    async with serving(_app(jwt_keys)) as client:
        answer = await client.post(
            "/graphql",
            json={
                "query": "query($t: String!) { echo(text: $t) }",
                "variables": {"t": "\\u0000 is how JSON spells it"},
            },
            headers=jwt_keys.bearer(Role.OBSERVER, "43"),
        )
    assert answer.json() == {"data": {"echo": "\\u0000 is how JSON spells it"}}


@strawberry.type
class StoreQuery:
    @strawberry.field
    async def count(self) -> int:
        """Reads from a PostgreSQL that is not there: nothing listens on the port."""
        pool = await asyncpg.create_pool(f"postgresql://wurao@127.0.0.1:{embedded.free_port()}/wurao", min_size=0)
        try:
            return await pool.fetchval("SELECT 1")
        finally:
            await pool.close()

    @strawberry.field
    def broken(self) -> int:
        raise RuntimeError("a bug")


async def test_a_store_out_of_reach_is_unavailable_and_logged_without_a_stack_while_a_bug_stays_internal(
    jwt_keys, caplog
):
    """A client told UNAVAILABLE tries again later; INTERNAL means a bug, logged with its stack for the team."""
    caplog.set_level(logging.WARNING, logger="wurao.web")
    app = _app(jwt_keys, schema=build_schema(query=StoreQuery))
    async with serving(app) as client:
        answer = await client.post(
            "/graphql", json={"query": "{ count }"}, headers=jwt_keys.bearer(Role.OBSERVER, "43")
        )
        bug = await client.post("/graphql", json={"query": "{ broken }"}, headers=jwt_keys.bearer(Role.OBSERVER, "43"))

    [error] = answer.json()["errors"]
    assert error["message"] == STORE_UNREACHABLE
    assert error["extensions"]["code"] == "UNAVAILABLE"
    [logged, bug_logged] = caplog.records
    assert logged.levelno == logging.WARNING
    assert logged.exc_info is None
    assert logged.trace_id == error["extensions"]["traceId"]
    assert "ConnectionRefusedError" in logged.getMessage()
    assert bug.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert bug_logged.levelno == logging.ERROR
    assert bug_logged.exc_info is not None
    assert bug_logged.trace_id == bug.json()["errors"][0]["extensions"]["traceId"]


@pytest.mark.parametrize("value", ["*", "0.0.0.0/0", "::/0", "10.0.0.0/8, *", "10.1.2.3/8", "ingress-nginx"])
def test_a_service_refuses_to_let_clients_choose_the_address_they_are_counted_under(jwt_keys, value):
    """uvicorn believes X-Forwarded-For from FORWARDED_ALLOW_IPS: `*` (or every address) makes it take the first
    address listed, which the client writes; an entry that is no address or network it would silently ignore."""
    with pytest.raises(SettingsError, match="FORWARDED_ALLOW_IPS"):
        _settings(jwt_keys, FORWARDED_ALLOW_IPS=value)


@pytest.mark.parametrize("value", [None, "", "127.0.0.1,::1", "10.244.0.0/16", "10.244.0.0/16, 10.245.0.7, fd00::/64,"])
def test_a_service_believes_x_forwarded_for_from_named_proxies_only(jwt_keys, value):
    """Unset: loopback only (uvicorn's default, how `make run`'s web origin reaches plan); empty: no proxy."""
    _settings(jwt_keys, **({} if value is None else {"FORWARDED_ALLOW_IPS": value}))


@pytest.fixture
def traced_app(monkeypatch, jwt_keys) -> tuple[OpenTelemetryMiddleware, InMemorySpanExporter]:
    """The app as it is built when spans are exported and the standard OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*
    variables capture every request and response header; its spans go to this test's own exporter (the process has
    one global tracer provider, and the lifespan, which would install it, is not run here)."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE", ".*")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS", "x-tenant-secret")
    app = _app(jwt_keys)
    assert isinstance(app, OpenTelemetryMiddleware)
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exported))
    app.tracer = provider.get_tracer("test")
    return app, exported


@pytest.mark.parametrize("valid", [True, False], ids=["valid token", "tampered token"])
async def test_captured_headers_keep_no_bearer_token_nor_cookie_nor_what_the_operator_names(
    traced_app, jwt_keys, valid
):
    """Secrets never reach the traces: with every header captured, each subgraph's server span carried the caller's
    bearer token (http.request.header.authorization) and cookies."""
    app, exported = traced_app
    token = jwt_keys.token(Role.OBSERVER, "43")
    if not valid:
        token = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    headers = {
        "authorization": f"Bearer {token}",
        "cookie": "session=cookie-secret",
        "x-tenant-secret": "tenant-secret",
        "user-agent": "secrets-test",
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.post("/graphql", json={"query": "{ result { ok } }"}, headers=headers)
    assert response.status_code == (200 if valid else 401), response.text

    [span] = exported.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["http.request.header.user_agent"] == ("secrets-test",), "headers are captured"
    assert attributes["http.request.header.authorization"] == ("[REDACTED]",)
    assert attributes["http.request.header.cookie"] == ("[REDACTED]",)
    assert attributes["http.request.header.x_tenant_secret"] == ("[REDACTED]",), "the operator's list still holds"
    shown = repr(attributes)
    for secret in (token, token.rsplit(".", 1)[1], "cookie-secret", "tenant-secret"):
        assert secret not in shown
