#!/usr/bin/env node
// The production web origin's app server (deploy/Dockerfile.web): web/dist, served as the local origin
// (wurao_devstack.web) serves it. The Ingress routes /graphql, /.well-known/code-keys.json, /public/codes and
// /figures to the services; every other path comes here. No dependency: node's own HTTP server.
//
//   WEB_DIST (/web/dist), WEB_PAGE_HEADERS (/web/page-headers.json: the pages' headers, shared with the local
//   origin), WEB_HOST (0.0.0.0), WEB_PORT (8080). GET /healthz answers 200 once the app is loaded.
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const env = process.env;
const dist = resolve(env.WEB_DIST || '/web/dist');
const pageHeaders = JSON.parse(readFileSync(env.WEB_PAGE_HEADERS || '/web/page-headers.json', 'utf8'));
const index = resolve(dist, 'index.html');
readFileSync(index);  // a missing build fails at start
const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
// Paths the Ingress gives to the services: one reaching here is a miss, not a page.
const NOT_PAGES = /^\/(assets|public|figures|graphql)(\/|$)/;
// Text is sent gzipped to a client that takes it, as the local origin sends it (its GZipMiddleware): the files
// never change in an image, so each is read and compressed once and kept (the whole app is a few MB).
const TEXT = new Set(['.js', '.css', '.html', '.json', '.svg', '.txt', '.webmanifest']);
const held = new Map();

function bodyOf(path) {
  let body = held.get(path);
  if (!body) {
    const plain = readFileSync(path);
    body = { plain, gzip: TEXT.has(extname(path)) ? gzipSync(plain) : null };
    held.set(path, body);
  }
  return body;
}

/** The body for this client, and the headers that say how it is encoded. */
function encoded(request, body) {
  const vary = body.gzip ? { vary: 'accept-encoding' } : {};
  if (body.gzip && /\bgzip\b/.test(request.headers['accept-encoding'] || '')) {
    return [body.gzip, { ...vary, 'content-encoding': 'gzip', 'content-length': body.gzip.length }];
  }
  return [body.plain, { ...vary, 'content-length': body.plain.length }];
}

/** The file of dist a path names (never index.html, never outside dist), or null. */
function fileOf(pathname) {
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const path = resolve(dist, `.${pathname}`);
  if (!path.startsWith(dist + sep) || path === index) return null;
  try {
    return statSync(path).isFile() ? path : null;
  } catch {
    return null;
  }
}

function send(request, response, status, headers, body) {
  response.writeHead(status, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}

const server = createServer((request, response) => {
  try {
    answer(request, response);
  } catch (error) {  // a file that cannot be read now (e.g. no file handle left): this request fails, not the server
    console.error(`web: ${request.url}: ${error.message}`);
    if (!response.headersSent) send(request, response, 500, { 'content-type': 'text/plain' }, 'try again\n');
  }
});

function answer(request, response) {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return send(request, response, 405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }, 'GET or HEAD only\n');
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(request.url, 'http://web').pathname);
  } catch {
    return send(request, response, 400, { 'content-type': 'text/plain' }, 'malformed path\n');
  }
  if (pathname === '/healthz') return send(request, response, 200, { 'content-type': 'text/plain' }, 'ok\n');
  const file = fileOf(pathname);
  if (file) {
    const [body, encoding] = encoded(request, bodyOf(file));
    return send(request, response, 200, {
      'content-type': TYPES[extname(file)] || 'application/octet-stream',
      'cache-control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      ...encoding,
    }, body);
  }
  if (NOT_PAGES.test(pathname)) {
    return send(request, response, 404, { 'content-type': 'application/json' }, '{"error":"not found"}');
  }
  // Every other path is a page of the app (the scan page /s/<code>, the console): index.html and its headers.
  const [body, encoding] = encoded(request, bodyOf(index));
  const headers = { 'content-type': TYPES['.html'], 'cache-control': 'no-cache', ...pageHeaders, ...encoding };
  return send(request, response, 200, headers, body);
}
server.listen(Number(env.WEB_PORT || 8080), env.WEB_HOST || '0.0.0.0');
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
