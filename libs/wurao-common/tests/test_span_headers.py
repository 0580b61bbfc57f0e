"""Spans may carry the HTTP headers an operator asks for (the standard OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*
variables), never the caller's credentials: secrets never reach the logs or the traces."""

import contextlib

import httpx
import pytest
import strawberry
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from wurao_common.auth import Role, TokenVerifier
from wurao_common.testing import AUDIENCE, ISSUER, Keys
from wurao_common.web import build_schema, graphql_service


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


async def _nothing():
    yield


async def _ready() -> list[str]:
    return []


@pytest.fixture
def traced_app(monkeypatch, jwt_keys: Keys) -> tuple[OpenTelemetryMiddleware, InMemorySpanExporter]:
    """A subgraph's app as it is built when spans are exported and every request and response header is captured;
    its spans go to this test's own exporter (the process has one global tracer provider, and the lifespan, which
    would install it, is not run here)."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE", ".*")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS", "x-tenant-secret")
    verifier = TokenVerifier(jwt_keys.public_pem, issuer=ISSUER, audience=AUDIENCE)
    app = graphql_service(
        service="test",
        schema=build_schema(query=Query),
        verifier=lambda: verifier,
        runtime=contextlib.asynccontextmanager(_nothing),
        make_context=lambda _request, caller: {"caller": caller},
        readiness=_ready,
    )
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
        response = await client.post("/graphql", json={"query": "{ ok }"}, headers=headers)
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
