#!/usr/bin/env node
// Composes the federated supergraph from the subgraphs' exported SDL files.
//
//   node compose.mjs --out supergraph.graphql --subgraph plan http://127.0.0.1:8001/graphql ../plan/schema.graphql [...]
//   node compose.mjs --out supergraph.graphql --config subgraphs.json
//
// subgraphs.json is `[{"name", "url", "sdlPath"}]` (or `{"subgraphs": [...]}`); relative sdlPaths resolve
// against the JSON file's folder, those given with --subgraph against the working directory.
// Exit codes: 0 written, 1 composition errors (all printed), 2 bad usage or unreadable/invalid SDL.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'graphql';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';

const USAGE = 'usage: compose.mjs --out <supergraph.graphql> (--config <subgraphs.json> | --subgraph <name> <url> <sdlPath>)...';

function fail(code, message) {
  process.stderr.write(`compose: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const subgraphs = [];
  let out;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out' && i + 1 < argv.length) {
      out = resolve(argv[++i]);
    } else if (arg === '--config' && i + 1 < argv.length) {
      const file = resolve(argv[++i]);
      let data;
      try {
        data = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        fail(2, `cannot read ${file}: ${e.message}`);
      }
      const list = Array.isArray(data) ? data : data?.subgraphs;
      if (!Array.isArray(list)) fail(2, `${file}: expected an array of {name, url, sdlPath}`);
      for (const s of list) {
        if (!s?.name || !s?.url || !s?.sdlPath) fail(2, `${file}: each subgraph needs name, url and sdlPath`);
        subgraphs.push({ name: s.name, url: s.url, sdlPath: resolve(dirname(file), s.sdlPath) });
      }
    } else if (arg === '--subgraph' && i + 3 < argv.length) {
      subgraphs.push({ name: argv[i + 1], url: argv[i + 2], sdlPath: resolve(argv[i + 3]) });
      i += 3;
    } else {
      fail(2, `unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  if (!out || subgraphs.length === 0) fail(2, USAGE);
  const names = subgraphs.map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(2, `subgraph ${dup} is listed twice`);
  return { out, subgraphs };
}

const { out, subgraphs } = parseArgs(process.argv.slice(2));

const services = subgraphs.map(({ name, url, sdlPath }) => {
  let sdl;
  try {
    sdl = readFileSync(sdlPath, 'utf8');
  } catch (e) {
    fail(2, `subgraph ${name}: cannot read SDL ${sdlPath}: ${e.message}`);
  }
  try {
    return { name, url, typeDefs: parse(sdl) };
  } catch (e) {
    fail(2, `subgraph ${name}: invalid SDL in ${sdlPath}: ${e.message}`);
  }
});

const result = composeServices(services);
if (compositionHasErrors(result)) {
  const lines = result.errors.map((err, i) => {
    const code = err.extensions?.code ? `[${err.extensions.code}] ` : '';
    return `  ${i + 1}. ${code}${err.message}`;
  });
  fail(1, `composition failed with ${result.errors.length} error(s):\n${lines.join('\n')}`);
}

// Write-then-rename: a gateway that reads a half-written supergraph crashes (it watches the file and reloads it
// on change). The price: after a rename the running gateway stops watching, so restart it to serve a
// recomposed supergraph. Unchanged output is not rewritten at all.
const sdl = result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
let previous;
try {
  previous = readFileSync(out, 'utf8');
} catch {
  previous = undefined;
}
if (previous !== sdl) {
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, sdl);
  renameSync(tmp, out);
}
process.stdout.write(`compose: wrote ${out} (${services.map((s) => s.name).join(', ')})\n`);
