"""Without an exporter no span is made per request, and a masked error still names an id its log line carries."""

import contextlib
import logging
import re

import httpx
import pytest
import strawberry
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

from wurao_common import telemetry
from wurao_common.auth import Role, TokenVerifier, generate_signing_key, issue_token
from wurao_common.testing import AUDIENCE, ISSUER
from wurao_common.web import build_schema, graphql_service

ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED")


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("a bug")


def _app(verifier: TokenVerifier):
    return graphql_service(
        service="test",
        schema=build_schema(query=Query),
        verifier=lambda: verifier,
        runtime=contextlib.asynccontextmanager(_nothing),
        make_context=lambda _request, caller: {"caller": caller},
        readiness=_ready,
    )


async def _nothing():
    yield


async def _ready() -> list[str]:
    return []


@pytest.fixture
def no_exporter(monkeypatch):
    for name in ENDPOINTS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}, False),
    ],
)
def test_spans_are_made_only_when_an_exporter_is_configured_and_the_sdk_enabled(monkeypatch, env, expected):
    for name in ENDPOINTS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert telemetry.exporting() is expected


def test_without_an_exporter_the_app_has_no_span_middleware(no_exporter):
    _private, public = generate_signing_key()
    assert not isinstance(_app(TokenVerifier(public, issuer=ISSUER, audience=AUDIENCE)), OpenTelemetryMiddleware)


async def test_without_tracing_a_masked_error_carries_a_fresh_trace_id_that_is_logged(no_exporter, caplog):
    private, public = generate_signing_key()
    token = issue_token(private, issuer=ISSUER, audience=AUDIENCE, role=Role.OBSERVER, region="43")
    app = _app(TokenVerifier(public, issuer=ISSUER, audience=AUDIENCE))
    assert not trace.get_current_span().get_span_context().is_valid  # no span around this request
    with caplog.at_level(logging.ERROR, logger="wurao.web"):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            response = await client.post(
                "/graphql", json={"query": "{ broken }"}, headers={"authorization": f"Bearer {token}"}
            )
    error = response.json()["errors"][0]
    assert error["message"] == "Internal error."
    assert error["extensions"]["code"] == "INTERNAL"
    assert re.fullmatch(r"[0-9a-f]{32}", error["extensions"]["traceId"])
    assert [record.trace_id for record in caplog.records] == [error["extensions"]["traceId"]]
