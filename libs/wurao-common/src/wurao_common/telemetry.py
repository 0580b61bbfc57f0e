"""OpenTelemetry: one tracer provider per process, trace context carried through HTTP and NATS headers.

Configured by the standard OTEL_* variables: spans are made and exported over OTLP/HTTP when
OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set and OTEL_SDK_DISABLED is not `true`.
Otherwise no span is made at all (the API's no-op tracer, no ASGI middleware): nothing would read them.

The standard OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST/_RESPONSE variables put HTTP headers on the
server spans; those that carry credentials (`SECRET_HEADERS`: the caller's bearer token above all) are recorded as
`[REDACTED]` whatever the variables say, besides what OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS names.
"""

from __future__ import annotations

import os

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

# Header names (regular expressions, searched case-insensitively) whose values never reach a span.
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie")


def exporting() -> bool:
    """Whether spans have somewhere to go: an OTLP endpoint is configured and the SDK is not disabled."""
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    return bool(endpoint) and os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() != "true"


def sanitized_headers() -> list[str]:
    """What the ASGI middleware redacts among the headers it captures: the operator's own sanitize list, and always
    `SECRET_HEADERS` (a list given to the middleware replaces the variable's, so both are named here)."""
    own = os.environ.get("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS", "").split(",")
    return [*filter(None, map(str.strip, own)), *SECRET_HEADERS]


def setup_tracing(service_name: str) -> None:
    """Installs the exporting tracer provider once per process, when `exporting()`; else leaves the no-op one."""
    if not exporting() or isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # nothing to export to, or already set up in this process (tests start several apps)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def headers_for(event_id: str, traceparent: str | None) -> dict[str, str]:
    """NATS headers: the dedupe id JetStream understands, and the W3C trace context."""
    headers = {"Nats-Msg-Id": event_id}
    if traceparent:
        headers["traceparent"] = traceparent
    return headers


def context_from(traceparent: str | None) -> context.Context:
    return propagate.extract({"traceparent": traceparent} if traceparent else {})
