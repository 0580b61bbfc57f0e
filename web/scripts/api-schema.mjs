// Writes the client-facing API schema (the supergraph without federation internals) from the committed
// subgraph SDLs, for GraphQL Code Generator. Run by `npm run build`; the output is not committed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const out = resolve(here, '..', 'schema', 'api.graphql');
const subgraphs = ['plan', 'inspection', 'rectification', 'reporting'];

const result = composeServices(
  subgraphs.map((name) => ({
    name,
    url: `http://${name}/graphql`,
    typeDefs: parse(readFileSync(resolve(repo, 'services', name, 'schema.graphql'), 'utf8')),
  })),
);
if (compositionHasErrors(result)) {
  process.stderr.write(`api-schema: the subgraphs do not compose:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}\n`);
  process.exit(1);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, result.publicSdl);
process.stdout.write(`api-schema: wrote ${out}\n`);
