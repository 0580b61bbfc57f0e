// Hive Gateway configuration, loaded by `hive-gateway supergraph <path>` from this folder.
// Plain ESM (not .ts) so Node 20 loads it without a TypeScript loader.
//
// Environment:
//   JWT_PUBLIC_KEY_FILE, JWT_ISSUER, JWT_AUDIENCE  required; ES256 tokens only. The file may hold several
//     PEM public keys (a rotation); every token names its key by `kid`, the key's RFC 7638 thumbprint
//   WURAO_ENV=development                          GraphiQL + field suggestions; anything else: off
//   GATEWAY_HOST (127.0.0.1), GATEWAY_PORT (4000)  note: the CLI's --host/--port and HOST/PORT win
//   GATEWAY_MAX_DEPTH (12), GATEWAY_MAX_TOKENS (2000), GATEWAY_MAX_ALIASES (30), GATEWAY_MAX_BODY_BYTES (1 MiB)
//   GATEWAY_QUERY_PLANNER=js                       fall back from the Rust planner to the JS one
//   GATEWAY_CORS_ORIGINS                           comma-separated origins whose pages may call the gateway from a
//     browser (never with credentials); none by default: the web app is served from the gateway's own origin
//   GATEWAY_PERSISTED_DOCUMENTS                    a persisted documents manifest ({"sha256:<hash>": document},
//     web/src/gql/persisted-documents.json): clients may send `documentId`; in production only these run
//   OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   export spans over OTLP/HTTP (JSON),
//     batched for OTEL_BSP_SCHEDULE_DELAY ms (1000)
//   OTEL_SERVICE_NAME (wurao-gateway), OTEL_SDK_DISABLED=true turns tracing off entirely; without an endpoint
//     it is off too (no span per request)
//   LOG_LEVEL (info), DEBUG=1                      Hive Gateway's own; at debug every subgraph request is logged,
//     its credentials as [REDACTED] (GatewayLogWriter)
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { ConsoleLogWriter, defineConfig, extractFromHeader, Logger } from '@graphql-hive/gateway';
import { trace } from '@graphql-hive/gateway/opentelemetry/api';
import { openTelemetrySetup } from '@graphql-hive/gateway/opentelemetry/setup';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError } from 'graphql';
import { maskError as maskUnexpected } from 'graphql-yoga';

const env = process.env;

function unauthenticated() {
  throw new GraphQLError('Unauthenticated', { extensions: { http: { status: 401 }, code: 'UNAUTHENTICATED' } });
}
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

// Fail at start, not per request: a gateway without (valid, EC P-256) keys must never serve anything.
// Parsed once into KeyObjects; given the PEM text, jsonwebtoken would re-parse it on every request.
// Keyed by RFC 7638 thumbprint, as the services and the token issuer compute it (wurao_common.auth.key_id).
function thumbprint(key) {
  const { crv, kty, x, y } = key.export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
}
const verificationKeys = new Map(
  (readFileSync(required('JWT_PUBLIC_KEY_FILE'), 'utf8').match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [])
    .map((pem) => createPublicKey(pem))
    .map((key) => {
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new Error('gateway: JWT_PUBLIC_KEY_FILE must hold EC P-256 public keys (ES256)');
      }
      return [thumbprint(key), key];
    }),
);
if (verificationKeys.size === 0) throw new Error('gateway: JWT_PUBLIC_KEY_FILE holds no PEM public key');
const issuer = required('JWT_ISSUER');

// Trusted documents: the web app sends only the hashes of the operations it was built with. In production the
// gateway then runs nothing else (an arbitrary query is refused); in development any query still runs.
const persistedDocumentsFile = env.GATEWAY_PERSISTED_DOCUMENTS?.trim();
const persistedDocuments = persistedDocumentsFile
  ? new Map(Object.entries(JSON.parse(readFileSync(persistedDocumentsFile, 'utf8'))))
  : undefined;
const audience = required('JWT_AUDIENCE');

// Tracing, only when an OTLP endpoint is configured (and OTEL_SDK_DISABLED is not true): then every subgraph call
// carries a W3C `traceparent`, the client's trace continued when it sends one, a new one started when it does
// not. Without an exporter no span is made per request (nothing would read it); the client's own traceparent
// and tracestate are still passed to the subgraphs as they are.
const exporter = env.OTEL_SDK_DISABLED === 'true' ? undefined : await otlpTraceExporter();
const tracing = exporter !== undefined;
if (tracing) {
  openTelemetrySetup({
    // No async-hooks context manager: the plugin then parents spans through the request context, which is
    // all that propagation needs and keeps AsyncLocalStorage off the hot path.
    contextManager: null,
    resource: { serviceName: env.OTEL_SERVICE_NAME || 'wurao-gateway' },
    // The SDK's default batch delay is 5 s; spans should show up about a second after the request instead.
    traces: { exporter, batching: { scheduledDelayMillis: nonNegativeNumber('OTEL_BSP_SCHEDULE_DELAY') ?? 1000 } },
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
  if (prefix !== 'Bearer' || !token || rest.length) unauthenticated();
  return { prefix, token };
}

// Claims the services rely on, with their types. jsonwebtoken only checks `exp` when present (a token without
// it would never expire) and never checks that `iat` is not in the future; a claim of the wrong type must be
// an unauthenticated request here, not something a subgraph trips over.
const CLOCK_SKEW_SECONDS = 30;
const ROLES = new Set(['province_office', 'city_office', 'county_office', 'inspector', 'unit', 'observer']);
const REGION = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;
const saneClaims = {
  onContextBuilding({ context }) {
    const claims = context.jwt?.payload ?? {};
    const strings = [claims.sub, claims.role, claims.region, claims.office ?? '', claims.unit ?? ''];
    if (
      typeof claims.exp !== 'number' ||
      typeof claims.iat !== 'number' ||
      claims.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS ||
      !strings.every((value) => typeof value === 'string') ||
      !ROLES.has(claims.role) ||
      !REGION.test(claims.region)
    ) {
      unauthenticated();
    }
    // Verified by the JWT plugin (or remembered from an earlier request) and sane: remember it for the next one.
    const authorization = context.request?.headers.get('authorization');
    if (authorization && authorization === `Bearer ${context.jwt?.token?.value}`) rememberVerified(authorization, context.jwt);
  },
};

// Tokens verified once are remembered until they expire: a client sends many requests with one token, and checking
// its ES256 signature (with the JWT plugin's decoding around it) was about a tenth of the gateway's CPU per request.
// Keyed by the whole Authorization header, signature included: only the very token verified before skips the check.
// A token enters only after the plugin verified it (known key, ES256, issuer, audience, expiry) and saneClaims passed
// its claims; it is dropped at its `exp`, when the verifier would refuse it. The keys never change while the gateway
// runs. At most VERIFIED_TOKENS entries, the oldest dropped first.
const VERIFIED_TOKENS = 10_000;
const verifiedTokens = new Map(); // Authorization header -> the plugin's context.jwt ({ payload, token })
function rememberVerified(authorization, jwt) {
  if (verifiedTokens.has(authorization)) return;
  if (verifiedTokens.size >= VERIFIED_TOKENS) verifiedTokens.delete(verifiedTokens.keys().next().value);
  verifiedTokens.set(authorization, Object.freeze({ payload: Object.freeze(jwt.payload), token: Object.freeze(jwt.token) }));
}
function verifiedBefore(authorization) {
  const jwt = verifiedTokens.get(authorization);
  if (jwt === undefined) return undefined;
  if (Math.floor(Date.now() / 1000) < jwt.payload.exp) return jwt; // as jsonwebtoken: expired from `exp` on
  verifiedTokens.delete(authorization);
  return undefined;
}

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
// A bearer token that cannot be one of ours is refused with 401 before the JWT plugin sees it: the plugin
// answers a token it cannot decode with 400 and one naming an unknown key with 500. Ours are three base64url
// segments whose header and payload are JSON objects and whose header names a key we hold.
const BEARER_JWT = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/;
function jsonObject(segment) {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
function mayBeOurToken(authorization) {
  const [, header, payload] = BEARER_JWT.exec(authorization.trim()) ?? [];
  const kid = header && jsonObject(header)?.kid;
  return typeof kid === 'string' && verificationKeys.has(kid) && jsonObject(payload) !== undefined;
}
const requestShape = {
  onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
    if (request.method !== 'POST' || !url.pathname.endsWith('/graphql')) return;
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > maxBodyBytes) {
      endResponse(refuse(fetchAPI, 413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${maxBodyBytes} bytes`));
      return;
    }
    const authorization = request.headers.get('authorization');
    const verified = authorization === null ? undefined : verifiedBefore(authorization);
    if (verified) {
      serverContext.jwt = verified; // the JWT plugin takes a context that has `jwt` as verified, and skips its check
    } else if (authorization !== null && !mayBeOurToken(authorization)) {
      endResponse(refuse(fetchAPI, 401, 'UNAUTHENTICATED', "send Authorization: Bearer <a JWT>"));
      return;
    }
    const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      endResponse(refuse(fetchAPI, 415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json'));
    }
  },
};

// A body sent in chunks has no Content-Length to refuse it by: read it here, and stop at the same limit.
function requestError(status, code, message) {
  return new GraphQLError(message, { extensions: { http: { status }, code } });
}
async function readAtMost(request, limit) {
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw requestError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw requestError(400, 'BAD_REQUEST', 'the body is not valid UTF-8');
  }
}
// Our body limits are the ones that hold: a Content-Length over the limit is refused by requestShape (Node's HTTP
// parser refuses a malformed or doubled one and never hands over more bytes than it says), and a body sent in chunks
// is read here with the same limit. Yoga also wraps every request body in a limiting stream of its own (25 MB, after
// every other plugin's parser; the gateway does not pass its setting through): a TransformStream and a stream pipeline
// per request, about a tenth of the gateway's CPU per request in a profile, to enforce a looser limit than ours. So the
// parser chosen before Yoga's wrapper is remembered here and put back by a plugin that runs after it.
const bodyParsers = new WeakMap(); // request -> the parser chosen before Yoga's limit wrapped it
const afterYogaBodyLimit = {
  onRequestParse({ request, setRequestParser }) {
    const parser = bodyParsers.get(request);
    if (parser) setRequestParser(parser);
  },
};
const limitBodies = {
  // Plugins added by `addPlugin` run right after this one, before Yoga's own; appended, it runs after them all.
  onPluginInit({ plugins }) {
    plugins.push(afterYogaBodyLimit);
  },
  onRequestParse({ request, requestParser, setRequestParser }) {
    if (request.method !== 'POST') return;
    if (request.headers.has('content-length')) {
      if (requestParser) bodyParsers.set(request, requestParser);
      return;
    }
    if (!request.body) return;
    const parser = async (req) => {
      let body;
      try {
        body = JSON.parse(await readAtMost(req, maxBodyBytes));
      } catch (error) {
        if (error instanceof GraphQLError) throw error;
        throw requestError(400, 'BAD_REQUEST', 'the body is not valid JSON');
      }
      if (body === null || typeof body !== 'object') {
        throw requestError(400, 'BAD_REQUEST', 'the body must be a JSON object with a query');
      }
      return body;
    };
    setRequestParser(parser);
    bodyParsers.set(request, parser);
  },
};

// Secrets never reach the log, at any level. At `debug` (LOG_LEVEL=debug, or DEBUG=1) the gateway logs every
// subgraph request with its headers, the caller's bearer token among them: every line is written with the values of
// credential headers (SECRET_HEADERS, whatever the key's case) as [REDACTED], and a bearer token or anything shaped
// like a JWT, wherever it appears in the message or its attributes, as [REDACTED] too.
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const SECRET_TEXT = /(\bBearer\s+)[\w.~+\/-]+=*|\beyJ[\w-]*\.[\w-]+\.[\w-]*/gi;
const REDACTED = '[REDACTED]';
function redacted(value, seen = new WeakSet()) {
  if (typeof value === 'string') return value.replace(SECRET_TEXT, (_match, bearer) => `${bearer ?? ''}${REDACTED}`);
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redacted(item, seen));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_HEADERS.has(key.toLowerCase()) ? REDACTED : redacted(item, seen)]),
  );
}

// A rejected token is an ordinary client mistake, not a fault: the JWT plugin logs each one with the verifier's
// whole stack trace (seventeen lines per bad token, and a way for anyone to flood the log). Those messages are
// written as one line with the reason only; every other log line is written as the console writer writes it.
const TOKEN_REJECTIONS = [
  'Failed to verify authentication token',
  'Failed to decode JWT authentication token',
  'Failed to extract payload from incoming token',
  'Signing key is not available',
];
class GatewayLogWriter {
  constructor(inner = new ConsoleLogWriter()) {
    this.inner = inner;
  }
  write(level, attrs, msg) {
    return this.#write(level, redacted(attrs), redacted(msg));
  }
  #write(level, attrs, msg) {
    if (typeof msg !== 'string' || !TOKEN_REJECTIONS.some((prefix) => msg.startsWith(prefix))) {
      return this.inner.write(level, attrs, msg);
    }
    const error = Array.isArray(attrs) ? attrs[0] : attrs; // the verifier's error, as the logger parsed it
    const reason = error?.message ?? String(error?.stack ?? '').split('\n')[0];
    const line = `${msg.trim().replace(/:$/, '')}${reason ? `: ${reason}` : ''}`.replace(/\s+/g, ' ');
    return this.inner.write(level, undefined, line);
  }
}

// A subgraph out of reach (refused, reset, timed out): the client may try again, as when a subgraph cannot reach its
// own database or cache (its UNAVAILABLE). Yoga would mask it as `Unexpected error.` (INTERNAL_SERVER_ERROR), which
// says "a bug". The other subgraphs' parts still answer. Anything else unexpected is masked as Yoga masks it.
const SUBGRAPH_UNREACHABLE = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)\b|socket hang up/;
const SUBGRAPH_UNAVAILABLE = 'A part of the service cannot be reached right now; try again shortly.';

function maskError(error, message, isDev) {
  if (
    error instanceof GraphQLError &&
    error.extensions?.code === 'SUBREQUEST_HTTP_ERROR' &&
    SUBGRAPH_UNREACHABLE.test(error.message)
  ) {
    const { nodes, source, positions, path } = error;
    return new GraphQLError(SUBGRAPH_UNAVAILABLE, { nodes, source, positions, path, extensions: { code: 'UNAVAILABLE' } });
  }
  return maskUnexpected(error, message, isDev);
}

// Subgraph connections are kept alive and reused, but dropped after 4 s idle. uvicorn closes an idle connection after
// 5 s (its --timeout-keep-alive default) and Node's default agent also kept them 5 s: a request sent on a connection
// just as uvicorn closed it failed with "socket hang up" (the gateway's 500 `Unexpected error.` after a lull).
// Cross-origin calls from browsers: the web origin routes /graphql to the gateway, so the app needs none. Yoga's
// default reflected any Origin with Access-Control-Allow-Credentials: true, which any cookie put in front of the
// gateway (an SSO edge) would turn into a cross-site read.
function corsOptions() {
  const origins = (env.GATEWAY_CORS_ORIGINS || '').split(',').map((origin) => origin.trim()).filter(Boolean);
  return origins.length ? { origin: origins, credentials: false } : false;
}

const subgraphAgent = new Agent({ keepAlive: true, timeout: 4_000, scheduling: 'lifo' });

export const gatewayConfig = defineConfig({
  logging: new Logger({ writers: [new GatewayLogWriter()] }),
  host: env.GATEWAY_HOST || '127.0.0.1',
  port: positiveInt('GATEWAY_PORT', 4000),
  cors: corsOptions(),

  // Rust query planner (Hive Router's) unless explicitly switched off.
  ...(env.GATEWAY_QUERY_PLANNER === 'js' ? {} : { unifiedGraphHandler }),

  jwt: {
    // The plugin hands over the token's `kid`; a token naming no known key finds none and is refused (401).
    // The plugin hands over the token's `kid` (checked above to name a key we hold).
    signingKeyProviders: [(kid) => verificationKeys.get(kid)],
    tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' }), tokenFromConnectionParams],
    // An explicit algorithm list is what rejects `alg: none` and HS256-with-the-public-key forgeries.
    tokenVerification: { algorithms: ['ES256'], issuer, audience },
    reject: { missingToken: true, invalidToken: true },
    // The plugin would also copy the claims into every subgraph request's `extensions`: the subgraphs verify the
    // token they get (below) themselves and never read them, so they are not sent.
    forward: { payload: false },
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

  customAgent: ({ url }) => (url.startsWith('http:') ? subgraphAgent : undefined),

  ...(persistedDocuments
    ? {
        persistedDocuments: {
          getPersistedOperation: (key) => persistedDocuments.get(key) ?? null,
          allowArbitraryDocuments: isDev,
        },
      }
    : {}),

  maskedErrors: { maskError },
  maxTokens: positiveInt('GATEWAY_MAX_TOKENS', 2000),
  blockFieldSuggestions: !isDev,
  plugins: () => [
    requestShape,
    limitBodies,
    saneClaims,
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
