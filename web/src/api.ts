// The GraphQL client: POST /graphql on this origin with the signed-in person's token. Operations are persisted
// documents, sent by hash only (`documentId`); subscriptions come back as server-sent events on the same POST.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { expire, session } from './session';

export class ApiError extends Error {}

interface Persisted { __meta__?: { hash?: string } }

function body(document: TypedDocumentNode<unknown, unknown>, variables: unknown): string {
  const hash = (document as unknown as Persisted).__meta__?.hash;
  if (!hash) throw new ApiError('operation without a persisted document hash: run the codegen');
  return JSON.stringify({ documentId: hash, variables: variables ?? {} });
}

function headers(accept: string): Record<string, string> {
  const token = session.value?.token;
  return {
    'content-type': 'application/json',
    accept,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

/** A token the API no longer accepts (expired, or its key rotated away) ends the session: the pages then offer
 * signing in again instead of failing request after request. */
export function refused(response: Response): void {
  if (response.status === 401 && session.value) expire();
}

export async function request<R, V>(document: TypedDocumentNode<R, V>, variables?: V): Promise<R> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: headers('application/graphql-response+json, application/json'),
    body: body(document as TypedDocumentNode<unknown, unknown>, variables),
  });
  refused(response);
  let payload: { data?: R; errors?: { message: string }[] };
  try {
    payload = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`);
  }
  if (payload.errors?.length) throw new ApiError(payload.errors.map((e) => e.message).join('; '));
  if (!payload.data) throw new ApiError(`HTTP ${response.status}`);
  return payload.data;
}

/** Calls `onData` for every event of a subscription until the returned function is called. */
export function subscribe<R, V>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  onData: (data: R) => void,
  onError: (error: Error) => void,
): () => void {
  const controller = new AbortController();
  (async () => {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: headers('text/event-stream'),
      body: body(document as TypedDocumentNode<unknown, unknown>, variables),
      signal: controller.signal,
    });
    refused(response);
    if (!response.ok || !response.body) throw new ApiError(`subscription: HTTP ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
        if (!data) continue;
        const payload = JSON.parse(data) as { data?: R; errors?: { message: string }[] };
        if (payload.errors?.length) onError(new ApiError(payload.errors.map((e) => e.message).join('; ')));
        else if (payload.data) onData(payload.data);
      }
    }
  })().catch((error: Error) => {
    if (!controller.signal.aborted) onError(error);
  });
  return () => controller.abort();
}

/** The public summary of a code: no token, the code is the credential (see plan's README). */
export interface PublicSummary {
  genuine: boolean;
  reason?: string;
  status?: 'valid' | 'revoked' | 'expired' | 'not_yet_valid';
  codeNumber?: string;
  title?: string;
  officeName?: string;
  windowStart?: string;
  windowEnd?: string;
  negativeList: { code: string; text: string }[];
}

export async function publicSummary(token: string): Promise<PublicSummary> {
  const response = await fetch(`/public/codes/${encodeURIComponent(token)}`);
  if (response.status === 429) throw new ApiError('rate-limited');
  if (!response.ok) throw new ApiError(`HTTP ${response.status}`);
  return response.json();
}
