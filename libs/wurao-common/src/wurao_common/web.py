"""The HTTP face every subgraph shares: GraphQL on Starlette, guards, masking, health; metrics on a port of
their own."""

from __future__ import annotations

import gc
import inspect
import json
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import strawberry
from cross_web import HTTPException
from graphql import (
    ASTValidationRule,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    StringValueNode,
    ValidationRule,
    Visitor,
    parse,
    visit,
)
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter
from strawberry.federation import Schema as FederationSchema
from strawberry.federation.schema import FederationAny
from strawberry.schema.schema import validate_document
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL
from strawberry.types import Info

from wurao_common import lean_fields
from wurao_common.auth import AuthError, Caller, TokenVerifier
from wurao_common.errors import UNREACHABLE, ClientError
from wurao_common.telemetry import exporting, sanitized_headers, setup_tracing

log = logging.getLogger("wurao.web")
CALLER_KEY = "wurao.caller"
# The composer (@theguild/federation-composition 0.27) rejects Strawberry's default federation version.
FEDERATION_VERSION = "2.9"


def _trace_id() -> str:
    """The request's trace id; without tracing, a fresh id all the same, so the log line can be found."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else secrets.token_hex(16)


# The parse and validation caches every subgraph shares (as Strawberry's ParserCache and ValidationCache keep them).
_cached_parse = lru_cache(maxsize=1000)(parse)


@lru_cache(maxsize=1000)
def _cached_validate(schema, query: str, parse_options: tuple, rules: tuple) -> list[GraphQLError]:
    """Validation's errors for a query's text (parsed as `_cached_parse` parses it): keyed by the text, not by the
    document, whose hash graphql-core works out from every node and location on each lookup (a check-in's
    mutation: 27 nodes, 108 hashes)."""
    return validate_document(schema, _cached_parse(query, **dict(parse_options)), rules)


def _is_expected(error: GraphQLError) -> bool:
    """Validation errors and ClientErrors stay readable; anything else is a bug and is masked."""
    return error.original_error is None or isinstance(error.original_error, ClientError)


UNSTORABLE_REFUSED = "a string may not contain the NUL character (U+0000) nor a lone surrogate (U+D800 to U+DFFF)"
# What PostgreSQL's text cannot hold: NUL, and UTF-16 surrogates outside a pair (JSON's `\ud800` escape decodes
# to one in Python, which no UTF-8 encoder takes). A pair (`\ud83d\ude00`) decodes to one character and passes.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The escapes that spell them in a JSON body (raw surrogates are not UTF-8, refused with the body).
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
STORE_UNREACHABLE = "The service cannot reach its database or cache right now; try again shortly."


class _NoNulInStrings(ValidationRule):
    """PostgreSQL's text holds no NUL, so a string carrying one would fail in the database (a masked internal
    error, found by fuzzing): refused here, in the document's literals (variables: see `_unstorable_in_variables`;
    graphql-core's lexer itself refuses a lone surrogate in a document, raw or escaped)."""

    def enter_string_value(self, node: StringValueNode, *_args) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(UNSTORABLE_REFUSED, node))


class _Plumbing(MaskErrors):
    """What every request's GraphQL goes through, in one extension (Strawberry sets up each extension's hooks on
    every request, so six extensions cost more than the parse they cache): the parser and validation caches,
    the limits' validation rules, GetOperation()'s rule, client error codes, and the masking of the unexpected.
    """

    def __init__(self, rules: tuple[type[ASTValidationRule], ...]) -> None:
        super().__init__(should_mask_error=lambda error: not _is_expected(error), error_message="Internal error.")
        self._rules = rules

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        trace_id = _trace_id()
        masked = super().anonymise_error(error)
        cause = error.original_error
        if isinstance(cause, UNREACHABLE):  # not a bug: the client may try again
            log.warning("a store is unreachable: %s: %s", type(cause).__name__, cause, extra={"trace_id": trace_id})
            masked.message = STORE_UNREACHABLE
            masked.extensions = {"code": "UNAVAILABLE", "traceId": trace_id}
            return masked
        log.error("unexpected error", exc_info=cause, extra={"trace_id": trace_id})
        masked.extensions = {"code": "INTERNAL", "traceId": trace_id}
        return masked

    def _process_result(self, result: object) -> None:
        """As MaskErrors's, without its isinstance() of a runtime-checkable Protocol (a tenth of a request)."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def on_operation(self):
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, *self._rules)
        yield from super().on_operation()  # masks what is unexpected
        for error in getattr(context.result, "errors", None) or ():
            if isinstance(error.original_error, ClientError):  # a machine-readable code in `extensions.code`
                error.extensions = {**(error.extensions or {}), "code": error.original_error.code}

    def on_parse(self):
        context = self.execution_context
        context.graphql_document = _cached_parse(context.query, **context.parse_options)
        yield

    def on_validate(self):
        """Validation's errors, cached by query text and rules (Strawberry then validates no more). GraphQL's
        GetOperation(): a document with several operations and no operation name is a request error; Strawberry
        would run the first one, so it is refused here with validation's other errors, and nothing runs."""
        context = self.execution_context
        options = tuple(sorted(context.parse_options.items()))
        errors = _cached_validate(context.schema._schema, context.query, options, context.validation_rules)
        document = context.graphql_document
        if context._provided_operation_name is None and document is not None:
            operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
            if len(operations) > 1:  # a new list: the cached one is shared by every request
                errors = [*errors, GraphQLError("Must provide operation name if query contains multiple operations.")]
        context.pre_execution_errors = errors
        yield


class _QuietSchema(FederationSchema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Client mistakes are not server errors; unexpected ones are logged once, by the masking extension.
        return

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        """`_entities`, refusing (as the client's error, per representation) what names no entity of this
        subgraph by its keys: Strawberry crashes on a missing or unknown `__typename`, a type that is no entity
        (a scalar, a union, a plain object), and a key it does not expect (found by fuzzing)."""
        problems = [self._representation_problem(representation) for representation in representations]
        good = iter(
            super().entities_resolver(info, [r for r, p in zip(representations, problems, strict=True) if not p])
        )
        return [ClientError(problem) if problem else next(good) for problem in problems]

    def _representation_problem(self, representation: Any) -> str | None:
        if not isinstance(representation, dict) or not isinstance(representation.get("__typename"), str):
            return "a representation must be an object with a '__typename' string"
        type_name = representation["__typename"]
        definition = getattr(self.schema_converter.type_map.get(type_name), "definition", None)
        resolve_reference = getattr(getattr(definition, "origin", None), "resolve_reference", None)
        if resolve_reference is None:
            return f"{type_name} is no entity of this subgraph"
        keys = set(inspect.signature(resolve_reference).parameters) - {"info"}
        given = set(representation) - {"__typename"}
        if given != keys or not all(isinstance(representation[key], str) for key in keys):
            return f"a {type_name} is referred to by {', '.join(sorted(keys))} (strings), and only by that"
        return None


def build_schema(
    *,
    query: type,
    mutation: type | None = None,
    subscription: type | None = None,
    types: Iterable[type] = (),
    max_depth: int = 12,
    max_aliases: int = 30,
    lean: bool = True,
) -> FederationSchema:
    """Every subgraph's schema: its limits, caches and masking (`_Plumbing`), and, when `lean`, the leaner field
    execution of `wurao_common.lean_fields` (the same answers; off only to compare with Strawberry's own)."""
    # The limiters' rule classes are made once: the validation cache keys on them, and a fresh limiter per
    # request would make fresh classes, so every request would miss the cache and validate again (~1 ms each).
    limits = (
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
        _NoNulInStrings,
    )
    schema = _QuietSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=list(types),
        federation_version=FEDERATION_VERSION,
        # A factory: a fresh extension per request; the parse and validation caches are module-level.
        extensions=[lambda: _Plumbing(limits)],
    )
    if lean:
        lean_fields.streamline(schema)
    return schema


def _json_error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        media_type="application/json; charset=utf-8",
    )


def _unauthenticated(error: AuthError) -> JSONResponse:
    response = _json_error(401, str(error), "UNAUTHENTICATED")
    response.headers["www-authenticate"] = "Bearer"
    return response


def authenticated_get(
    path: str, endpoint: Callable[[Request, Caller], Awaitable[Response]], *, verifier: Callable[[], TokenVerifier]
) -> Route:
    """A plain GET route (an image, a download) behind the same bearer authentication as /graphql."""

    async def guarded(request: Request) -> Response:
        try:
            caller = verifier().verify(request.headers.get("authorization"))
        except AuthError as error:
            return _unauthenticated(error)
        return await endpoint(request, caller)

    return Route(path, guarded, methods=["GET"])


class GraphQLGuard:
    """In front of /graphql: authenticate, negotiate, then refuse malformed requests with a clear 4xx.

    Strawberry answers 500 to a JSON scalar body or undecodable bytes, so the body is checked here first. What is
    refused here is refused as GraphQL over HTTP says: 405 (with Allow) for another method, 415 for a body that is
    not UTF-8 JSON, 406 when the client accepts neither GraphQL media type, 413 past the size limit, 400 for a
    body that is no GraphQL-over-HTTP request, and a GraphQL request error (200 for application/json, 400 without
    `data` for application/graphql-response+json) for a well-formed request the production profile refuses.
    """

    def __init__(
        self, app: ASGIApp, *, verifier: Callable[[], TokenVerifier], max_body_bytes: int, introspection: bool
    ):
        self._app = app
        self._verifier = verifier
        self._max = max_body_bytes
        self._introspection = introspection

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await _json_error(400, "only HTTP POST is served here", "BAD_REQUEST")(scope, receive, send)
            return
        request = Request(scope)
        if request.method != "POST":
            refused = _json_error(405, "send GraphQL requests as HTTP POST", "METHOD_NOT_ALLOWED")
            refused.headers["allow"] = "POST"
            await refused(scope, receive, send)
            return
        try:
            caller = self._verifier().verify(request.headers.get("authorization"))
        except AuthError as error:
            await _unauthenticated(error)(scope, receive, send)
            return
        if not _is_utf8_json(request.headers.get("content-type", "")):
            await _json_error(415, "the body must be application/json in UTF-8", "UNSUPPORTED_MEDIA_TYPE")(
                scope, receive, send
            )
            return
        media_type = response_media_type(request.headers.get("accept", ""))
        if media_type is None:
            message = f"the response is {GRAPHQL_RESPONSE_JSON} or {JSON}: accept one of them"
            await _json_error(406, message, "NOT_ACCEPTABLE")(scope, receive, send)
            return
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self._max:
            await _json_error(413, f"the body is larger than {self._max} bytes", "PAYLOAD_TOO_LARGE")(
                scope, receive, send
            )
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > self._max:
                await _json_error(413, f"the body is larger than {self._max} bytes", "PAYLOAD_TOO_LARGE")(
                    scope, receive, send
                )
                return
            if not message.get("more_body"):
                break
        problem = _body_problem(bytes(body))
        if problem:  # no GraphQL-over-HTTP request at all: 400 whichever media type
            await graphql_errors(media_type, 400, problem, "BAD_REQUEST")(scope, receive, send)
            return
        if _unstorable_in_variables(bytes(body)):
            await request_error(media_type, UNSTORABLE_REFUSED, "BAD_USER_INPUT")(scope, receive, send)
            return
        if not self._introspection and _introspects(bytes(body)):
            await request_error(media_type, "introspection is disabled", "INTROSPECTION_DISABLED")(scope, receive, send)
            return
        scope[CALLER_KEY] = caller
        scope[MEDIA_TYPE_KEY] = media_type
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self._app(scope, replay, send)


def _is_utf8_json(content_type: str) -> bool:
    """`application/json`, in UTF-8 (assumed when no charset is named)."""
    media, *params = (piece.strip().lower() for piece in content_type.split(";"))
    charsets = [param.split("=", 1)[1].strip().strip('"') for param in params if param.startswith("charset=")]
    return media == JSON and all(charset in ("utf-8", "utf8") for charset in charsets)


_INTROSPECTION_HINT = re.compile(rb"__schema|__type(?!name)")


def _introspects(body: bytes) -> bool:
    """Whether the query asks for `__schema` or `__type` (`_service { sdl }`, which composition needs, is no
    introspection). Parsed only when the text mentions them, so ordinary requests pay nothing."""
    if not _INTROSPECTION_HINT.search(body):
        return False
    try:
        document = parse(json.loads(body)["query"])
    except GraphQLError:
        return False  # Strawberry answers the syntax error itself
    found = []

    class _Finder(Visitor):
        def enter_field(self, node: FieldNode, *_args) -> None:
            if node.name.value in ("__schema", "__type"):
                found.append(node)

    visit(document, _Finder())
    return bool(found)


def _unstorable_in_variables(body: bytes) -> bool:
    """Whether a variable's value holds a NUL or a lone surrogate anywhere (keys too). JSON escapes them, so a body
    without such an escape is passed at once."""
    if not _UNSTORABLE_ESCAPE.search(body):
        return False

    def holds(value: Any) -> bool:
        if isinstance(value, str):
            return _UNSTORABLE.search(value) is not None
        if isinstance(value, dict):
            return any(holds(key) or holds(item) for key, item in value.items())
        if isinstance(value, list):
            return any(holds(item) for item in value)
        return False

    return holds(json.loads(body).get("variables"))


def _body_problem(body: bytes) -> str | None:
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return "the body is not valid UTF-8"
    except json.JSONDecodeError as error:
        return f"the body is not valid JSON: {error.msg} at position {error.pos}"
    if not isinstance(payload, dict):
        return "the body must be a JSON object with a 'query' string"
    if not isinstance(payload.get("query"), str):
        return "the body must carry a 'query' string"
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return "'variables' must be a JSON object"
    operation = payload.get("operationName")
    if operation is not None and not isinstance(operation, str):
        return "'operationName' must be a string"
    extensions = payload.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        return "'extensions' must be a JSON object"
    return None


class _GraphQLView(GraphQL):
    def __init__(self, schema, make_context: Callable[[Request, Caller], Any], *, hide_suggestions: bool):
        # Subscriptions are served as server-sent events on POST (how the gateway forwards them); no WebSocket.
        super().__init__(
            schema, graphql_ide=None, allow_queries_via_get=False, subscription_protocols=(GRAPHQL_SSE_PROTOCOL,)
        )
        self._make_context = make_context
        self._hide_suggestions = hide_suggestions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """As Strawberry's, except that what Strawberry refuses itself (an unknown operation name, an empty
        query) is a GraphQL request error in the negotiated media type, not a plain-text 400."""
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as error:
            if error.status_code != 400:
                response = _json_error(error.status_code, error.reason, "BAD_REQUEST")
            else:
                response = request_error(scope[MEDIA_TYPE_KEY], error.reason, "BAD_REQUEST")
        await response(scope, receive, send)

    async def get_context(self, request, response) -> Any:
        return self._make_context(request, request.scope[CALLER_KEY])

    def create_response(self, response_data, sub_response: Response) -> Response:
        """GraphQL over HTTP: a client that accepts `application/graphql-response+json` gets it, and a request
        that never executed (parse, validation or variable-coercion failure) is then a 400 without `data`."""
        media_type = sub_response.media_type if sub_response.media_type in _MEDIA_TYPES else JSON
        if self._hide_suggestions:
            response_data = _without_suggestions(response_data)
        status = 200
        if media_type == GRAPHQL_RESPONSE_JSON and _is_request_error(response_data):
            response_data = {key: value for key, value in response_data.items() if key != "data"}
            status = 400
        return Response(self.encode_json(response_data), status_code=status, media_type=_MEDIA_TYPES[media_type])

    async def get_sub_response(self, request: Request) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = request.scope[MEDIA_TYPE_KEY]
        return sub_response


JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# Each response names its encoding, as the specification recommends.
_MEDIA_TYPES = {JSON: f"{JSON}; charset=utf-8", GRAPHQL_RESPONSE_JSON: f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"}
MEDIA_TYPE_KEY = "wurao.media_type"
# What a client may accept besides the two media types: any type, any application type (both answered with
# application/json), and the streams Strawberry serves subscriptions in (the gateway asks for server-sent events).
_ALSO_ACCEPTED = ("*/*", "application/*", "text/event-stream", "multipart/mixed")


def response_media_type(accept: str) -> str | None:
    """The client's preferred one of the two media types GraphQL over HTTP defines; application/json when the
    client names neither but accepts anything (or sends no Accept: the specification's rule for older clients);
    None when it accepts nothing this server can send (a 406)."""
    if not accept.strip():
        return JSON
    wanted = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (piece.strip().lower() for piece in part.split(";"))
        quality = next((param[2:] for param in params if param.startswith("q=")), "1")
        try:
            weight = float(quality)
        except ValueError:
            continue
        if weight <= 0:
            continue
        if media in (GRAPHQL_RESPONSE_JSON, JSON):
            wanted.append((-weight, position, media))
        elif media in _ALSO_ACCEPTED:
            wanted.append((-weight, position, JSON))
    return min(wanted)[2] if wanted else None


def graphql_errors(media_type: str, status: int, message: str, code: str) -> Response:
    """A GraphQL response carrying only an error (no `data`: nothing was executed), in the given media type."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}, separators=(",", ":"))
    return Response(body, status_code=status, media_type=_MEDIA_TYPES[media_type])


def request_error(media_type: str, message: str, code: str) -> Response:
    """A GraphQL request error of a well-formed request: 200 for application/json (legacy clients read errors
    only from a 200), 400 for application/graphql-response+json."""
    return graphql_errors(media_type, 400 if media_type == GRAPHQL_RESPONSE_JSON else 200, message, code)


_SUGGESTION = re.compile(r" Did you mean .*\?$")


def _without_suggestions(response_data: Any) -> Any:
    """In production, validation messages do not name the fields and types they guess at (as at the gateway):
    guesses map the schema for whoever probes it."""
    if not isinstance(response_data, dict) or not response_data.get("errors"):
        return response_data
    errors = [{**error, "message": _SUGGESTION.sub("", error.get("message", ""))} for error in response_data["errors"]]
    return {**response_data, "errors": errors}


def _is_request_error(response_data: Any) -> bool:
    """No data and no error with a path: the operation never ran."""
    if not isinstance(response_data, dict) or response_data.get("data") is not None:
        return False
    errors = response_data.get("errors") or []
    return bool(errors) and not any(error.get("path") for error in errors)


_MEASURED_PATHS = ("/graphql", "/healthz", "/readyz")  # every other path is counted as "other"


class _Metrics:
    def __init__(self, service: str):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "wurao_http_requests", "HTTP requests", ["service", "path", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "wurao_http_request_seconds", "HTTP request latency", ["service", "path"], registry=self.registry
        )
        self.service = service

    def middleware(self, app: ASGIApp) -> ASGIApp:
        # Each label set's child is looked up once (labels() takes a lock and builds a key on every call).
        latency = {path: self.latency.labels(self.service, path) for path in (*_MEASURED_PATHS, "other")}
        requests: dict[tuple[str, int], Any] = {}

        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            status = 500

            async def capture(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            started = time.perf_counter()
            try:
                await app(scope, receive, capture)
            finally:
                path = scope["path"] if scope["path"] in _MEASURED_PATHS else "other"
                counter = requests.get((path, status))
                if counter is None:
                    counter = requests[path, status] = self.requests.labels(self.service, path, str(status))
                counter.inc()
                latency[path].observe(time.perf_counter() - started)

        return measured


@asynccontextmanager
async def _serving_metrics(registry: CollectorRegistry, address: tuple[str, int] | None) -> AsyncIterator[None]:
    """Prometheus's own small server (a thread; it answers any path) on the metrics address, while the app runs."""
    if address is None:
        yield
        return
    host, port = address
    server, thread = start_http_server(port, host, registry=registry)
    log.info("metrics on http://%s:%d/metrics", host, server.server_port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def graphql_service(
    *,
    service: str,
    schema: strawberry.Schema,
    verifier: Callable[[], TokenVerifier],
    runtime: Callable[[], Any],
    make_context: Callable[[Request, Caller], Any],
    readiness: Callable[[], Awaitable[list[str]]],
    max_body_bytes: int = 1 << 20,
    production: bool = True,
    extra_routes: Sequence[BaseRoute] = (),
    metrics_address: tuple[str, int] | None = None,
) -> ASGIApp:
    """The subgraph's ASGI app. `runtime` is an async context manager factory run as the lifespan.

    `extra_routes` serve what is not GraphQL (e.g. images); each must authenticate (see `authenticated_get`).
    `metrics_address` (host, port): where Prometheus reads `/metrics`, never on the public port (the counters
    tell an outsider what the platform does and how much); None serves no metrics.
    """
    metrics = _Metrics(service)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        problems = await readiness()
        if problems:
            return JSONResponse({"ready": False, "problems": problems}, status_code=503)
        return JSONResponse({"ready": True})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        setup_tracing(service)
        async with runtime(), _serving_metrics(metrics.registry, metrics_address):
            # What startup built (modules, the schema, pools) lives as long as the process: kept out of the cyclic
            # collector's reach, so its full collections under load walk what requests made, not all of it.
            gc.collect()
            gc.freeze()
            try:
                yield
            finally:
                gc.unfreeze()

    graphql = GraphQLGuard(
        _GraphQLView(schema, make_context, hide_suggestions=production),
        verifier=verifier,
        max_body_bytes=max_body_bytes,
        introspection=not production,
    )
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=None),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *extra_routes,
        ],
        lifespan=lifespan,
    )
    if not exporting():
        return metrics.middleware(app)  # no span work per request when no span would leave the process
    # One server span per request: the per-message receive/send spans cost more than they tell. Headers captured
    # by the OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* variables keep no credentials (the bearer token).
    return OpenTelemetryMiddleware(
        metrics.middleware(app),
        excluded_urls="healthz,readyz",
        exclude_spans=["receive", "send"],
        http_capture_headers_sanitize_fields=sanitized_headers(),
    )
