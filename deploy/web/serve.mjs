#!/usr/bin/env node
// The production web origin's app server (deploy/Dockerfile.web): web/dist, served as the local origin
// (wurao_devstack.web) serves it. The Ingress routes /graphql, /.well-known/code-keys.json, /public/codes and
// /figures to the services; every other path comes here. No dependency: node's own HTTP server.
//
//   WEB_DIST (/web/dist), WEB_PAGE_HEADERS (/web/page-headers.json: the pages' headers, shared with the local
//   origin), WEB_HOST (0.0.0.0), WEB_PORT (8080). GET /healthz answers 200 once the app is loaded.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const env = process.env;
const dist = resolve(env.WEB_DIST || '/web/dist');
const pageHeaders = JSON.parse(readFileSync(env.WEB_PAGE_HEADERS || '/web/page-headers.json', 'utf8'));
const index = readFileSync(resolve(dist, 'index.html'));  // loaded once: a missing build fails at start
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

/** The file of dist a path names (never index.html, never outside dist), or null. */
function fileOf(pathname) {
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const path = resolve(dist, `.${pathname}`);
  if (!path.startsWith(dist + sep) || path === resolve(dist, 'index.html')) return null;
  try {
    const stat = statSync(path);
    return stat.isFile() ? { path, size: stat.size } : null;
  } catch {
    return null;
  }
}

function send(request, response, status, headers, body) {
  response.writeHead(status, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}

const server = createServer((request, response) => {
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
    const immutable = pathname.startsWith('/assets/');
    response.writeHead(200, {
      'content-type': TYPES[extname(file.path)] || 'application/octet-stream',
      'content-length': file.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      'x-content-type-options': 'nosniff',
    });
    if (request.method === 'HEAD') return response.end();
    return createReadStream(file.path).pipe(response);
  }
  if (NOT_PAGES.test(pathname)) {
    return send(request, response, 404, { 'content-type': 'application/json' }, '{"error":"not found"}');
  }
  // Every other path is a page of the app (the scan page /s/<code>, the console): index.html and its headers.
  return send(request, response, 200, { 'content-type': TYPES['.html'], 'cache-control': 'no-cache', ...pageHeaders }, index);
});
server.listen(Number(env.WEB_PORT || 8080), env.WEB_HOST || '0.0.0.0');
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
