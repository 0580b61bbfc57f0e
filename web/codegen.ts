// Typed operations from the API schema (scripts/api-schema.mjs) with the client preset. Every operation becomes
// a persisted document: the bundle carries only its hash, and src/gql/persisted-documents.json ({hash: text})
// is what the gateway loads (GATEWAY_PERSISTED_DOCUMENTS); in production it runs nothing else.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/api.graphql',
  documents: ['src/operations.ts'],
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { mode: 'replaceDocumentWithHash', hashAlgorithm: 'sha256' },
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { Date: 'string', DateTime: 'string' },
      },
    },
  },
  silent: true,
};

export default config;
