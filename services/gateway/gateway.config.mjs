// Hive Gateway configuration, loaded by `hive-gateway supergraph <path>` from this folder.
// Plain ESM (not .ts) so Node 20 loads it without a TypeScript loader.
//
// Environment:
//   JWT_PUBLIC_KEY_FILE, JWT_ISSUER, JWT_AUDIENCE  required; ES256 tokens only
//   WURAO_ENV=development                          GraphiQL + field suggestions; anything else: off
//   GATEWAY_HOST (127.0.0.1), GATEWAY_PORT (4000)  note: the CLI's --host/--port and HOST/PORT win
//   GATEWAY_MAX_DEPTH (12), GATEWAY_MAX_TOKENS (2000), GATEWAY_MAX_ALIASES (30), GATEWAY_MAX_BODY_BYTES (1 MiB)
//   GATEWAY_QUERY_PLANNER=js                       fall back from the Rust planner to the JS one
//   GATEWAY_PERSISTED_DOCUMENTS                    a persisted documents manifest ({"sha256:<hash>": document},
//     web/src/gql/persisted-documents.json): clients may send `documentId`; in production only these run
//   OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   export spans over OTLP/HTTP (JSON),
//     batched for OTEL_BSP_SCHEDULE_DELAY ms (1000)
//   OTEL_SERVICE_NAME (wurao-gateway), OTEL_SDK_DISABLED=true turns tracing off entirely
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, extractFromHeader } from '@graphql-hive/gateway';
import { trace } from '@graphql-hive/gateway/opentelemetry/api';
import { openTelemetrySetup } from '@graphql-hive/gateway/opentelemetry/setup';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError } from 'graphql';

const env = process.env;
const isDev = env.WURAO_ENV === 'development';

function required(name) {
  const value = env[name]?.trim();
  if (!value) throw new Error(`gateway: environment variable ${name} is required`);
  return value;
}

function positiveInt(name, fallback) {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`gateway: ${name} must be a positive integer, got ${raw}`);
  return n;
}

function nonNegativeNumber(name) {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`gateway: ${name} must be a non-negative number, got ${raw}`);
  return n;
}

// Fail at start, not per request: a gateway without a (valid, EC P-256) key must never serve anything.
// Parsed once into a KeyObject; given the PEM text, jsonwebtoken would re-parse it on every request.
const publicKey = createPublicKey(readFileSync(required('JWT_PUBLIC_KEY_FILE'), 'utf8'));
if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
  throw new Error('gateway: JWT_PUBLIC_KEY_FILE must hold an EC P-256 public key (ES256)');
}
const issuer = required('JWT_ISSUER');

// Trusted documents: the web app sends only the hashes of the operations it was built with. In production the
// gateway then runs nothing else (an arbitrary query is refused); in development any query still runs.
const persistedDocumentsFile = env.GATEWAY_PERSISTED_DOCUMENTS?.trim();
const persistedDocuments = persistedDocumentsFile
  ? new Map(Object.entries(JSON.parse(readFileSync(persistedDocumentsFile, 'utf8'))))
  : undefined;
const audience = required('JWT_AUDIENCE');

// Tracing. Unless OTEL_SDK_DISABLED=true, the plugin runs so that every subgraph call carries a W3C
// `traceparent`: the client's trace is continued when it sends one, a new trace is started when it does not.
// Spans leave the process only when an OTLP endpoint is configured; otherwise they are dropped (no exporter).
const tracing = env.OTEL_SDK_DISABLED !== 'true';
if (tracing) {
  const exporter = await otlpTraceExporter();
  openTelemetrySetup({
    // No async-hooks context manager: the plugin then parents spans through the request context, which is
    // all that propagation needs and keeps AsyncLocalStorage off the hot path.
    contextManager: null,
    resource: { serviceName: env.OTEL_SERVICE_NAME || 'wurao-gateway' },
    // The SDK's default batch delay is 5 s; spans should show up about a second after the request instead.
    traces: exporter
      ? { exporter, batching: { scheduledDelayMillis: nonNegativeNumber('OTEL_BSP_SCHEDULE_DELAY') ?? 1000 } }
      : {},
    samplingRate: 1, // parent-based: a client's "not sampled" flag is honoured
  });
}

// OTLP/HTTP span exporter (JSON), or undefined without an endpoint: it reads OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT,
// _HEADERS and _TIMEOUT itself and appends /v1/traces to the base endpoint. It streams its body (chunked).
async function otlpTraceExporter() {
  if (!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter();
}

// The plugin's own flush on shutdown calls forceFlush on the global tracer provider, which is the API's proxy
// (no forceFlush), so it does nothing: flush the real provider here, or spans still batched at SIGTERM are lost.
const flushSpansOnShutdown = {
  onDispose() {
    const provider = trace.getTracerProvider();
    const real = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider;
    if (typeof real.forceFlush === 'function') return real.forceFlush();
  },
};

// WebSocket clients in browsers cannot set headers: they send {"authorization": "Bearer <jwt>"} as the
// graphql-ws connectionParams instead. (Clients that can set headers may also put it on the upgrade request.)
function tokenFromConnectionParams({ serverContext }) {
  const params = serverContext?.connectionParams;
  const value = params?.authorization ?? params?.Authorization;
  if (typeof value !== 'string') return undefined;
  const [prefix, token, ...rest] = value.trim().split(/\s+/);
  if (prefix !== 'Bearer' || !token || rest.length) {
    throw new GraphQLError('Unauthenticated', { extensions: { http: { status: 401 }, code: 'UNAUTHENTICATED' } });
  }
  return { prefix, token };
}

// Tokens without `exp` would never expire (jsonwebtoken only checks `exp` when present): refuse them.
const requireExpiry = {
  onContextBuilding({ context }) {
    if (typeof context.jwt?.payload?.exp !== 'number') {
      throw new GraphQLError('Unauthenticated', { extensions: { http: { status: 401 }, code: 'UNAUTHENTICATED' } });
    }
  },
};

// Subscriptions reach subgraphs over SSE (the HTTP transport's default for subscription operations). The
// gateway's SSE reader only splits events on "\n\n", but Strawberry, like the spec allows, ends lines with
// CRLF: unnormalised, every event is lost. Rewrite CRLF/CR to LF on subgraph event streams.
const normalizeSubgraphEventStreams = {
  onFetch() {
    return ({ response, setResponse }) => {
      if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) return;
      const decoder = new TextDecoder();
      const encoder = new TextEncoder();
      let pendingCR = false; // a CR at a chunk's end may be the first half of a CRLF
      const body = response.body.pipeThrough(
        new TransformStream({
          transform(chunk, controller) {
            let text = (pendingCR ? '\r' : '') + decoder.decode(chunk, { stream: true });
            pendingCR = text.endsWith('\r');
            if (pendingCR) text = text.slice(0, -1);
            controller.enqueue(encoder.encode(text.replace(/\r\n?/g, '\n')));
          },
          flush(controller) {
            controller.enqueue(encoder.encode((pendingCR ? '\n' : '') + decoder.decode().replace(/\r\n?/g, '\n')));
          },
        }),
      );
      setResponse(new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers }));
    };
  },
};

// Malformed requests get a clear JSON 4xx before anything parses them: a body over the size limit (413) or
// one that is not JSON (415). Without this the gateway answers 415 with an empty body and parses any size.
const maxBodyBytes = positiveInt('GATEWAY_MAX_BODY_BYTES', 1 << 20);
function refuse(fetchAPI, status, code, message) {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
const requestShape = {
  onRequest({ request, url, endResponse, fetchAPI }) {
    if (request.method !== 'POST' || !url.pathname.endsWith('/graphql')) return;
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > maxBodyBytes) {
      endResponse(refuse(fetchAPI, 413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${maxBodyBytes} bytes`));
      return;
    }
    const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      endResponse(refuse(fetchAPI, 415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json'));
    }
  },
};

export const gatewayConfig = defineConfig({
  host: env.GATEWAY_HOST || '127.0.0.1',
  port: positiveInt('GATEWAY_PORT', 4000),

  // Rust query planner (Hive Router's) unless explicitly switched off.
  ...(env.GATEWAY_QUERY_PLANNER === 'js' ? {} : { unifiedGraphHandler }),

  jwt: {
    signingKeyProviders: [() => publicKey],
    tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' }), tokenFromConnectionParams],
    // An explicit algorithm list is what rejects `alg: none` and HS256-with-the-public-key forgeries.
    tokenVerification: { algorithms: ['ES256'], issuer, audience },
    reject: { missingToken: true, invalidToken: true },
  },

  // Subgraphs authenticate the caller themselves, so they get the caller's own bearer token (the one verified
  // above, whether it came in a header or in WebSocket connectionParams), not a gateway identity. Trace context
  // is injected by the OpenTelemetry plugin on every subgraph fetch; the client's traceparent/tracestate are
  // copied as they are only when tracing is disabled.
  propagateHeaders: {
    fromClientToSubgraphs({ request, context }) {
      const token = context.jwt?.token?.value;
      const headers = { authorization: token ? `Bearer ${token}` : undefined };
      if (!tracing) {
        headers.traceparent = request.headers.get('traceparent');
        headers.tracestate = request.headers.get('tracestate');
      }
      return headers;
    },
  },

  ...(tracing ? { openTelemetry: { traces: true } } : {}),

  // Subgraphs serve GraphQL by POST only; the HTTP transport would open subscriptions' event streams by GET.
  transportEntries: { '*.http': { options: { method: 'POST' } } },

  ...(persistedDocuments
    ? {
        persistedDocuments: {
          getPersistedOperation: (key) => persistedDocuments.get(key) ?? null,
          allowArbitraryDocuments: isDev,
        },
      }
    : {}),

  maxTokens: positiveInt('GATEWAY_MAX_TOKENS', 2000),
  blockFieldSuggestions: !isDev,
  plugins: () => [
    requestShape,
    requireExpiry,
    normalizeSubgraphEventStreams,
    // Not the built-in `maxDepth`: it counts every fragment spread as a level, so fragment-heavy clients
    // would hit the limit long before their selections are actually deep.
    maxDepthPlugin({ n: positiveInt('GATEWAY_MAX_DEPTH', 12), flattenFragments: true }),
    maxAliasesPlugin({ n: positiveInt('GATEWAY_MAX_ALIASES', 30) }),
    ...(tracing ? [flushSpansOnShutdown] : []),
  ],

  graphiql: isDev,
  landingPage: isDev,
  // Usage reporting stays off: it only starts with --hive-*/--apollo-* tokens, which we never pass.
});
