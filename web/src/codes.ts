// Inspection codes (一事一码), checked in the browser against the published keys (/.well-known/code-keys.json).
// Layout (see libs/wurao-common codes.py): version (1) | key id (uint16) | item id (16) | not before (uint32)
// | expires (uint32) | Ed25519 signature (64) over "wurao-code\0" + the 27 payload bytes; base64url, 122 chars.

const PAYLOAD_BYTES = 27;
const TOKEN_BYTES = PAYLOAD_BYTES + 64;
const DOMAIN = new TextEncoder().encode('wurao-code\0');

export interface CodeClaims {
  keyId: number;
  itemId: string;
  notBefore: Date;
  expires: Date;
}

export type Genuineness =
  | { genuine: true; claims: CodeClaims }
  | { genuine: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' }
  | { genuine: null; reason: 'no-crypto' };

interface Jwk { kty: string; crv: string; kid: string; x: string }

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function uuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The claims a token carries, unchecked; null when it is not shaped like a wurao code. */
export function parseToken(token: string): { claims: CodeClaims; message: Uint8Array; signature: Uint8Array } | null {
  if (token.length !== 122) return null;
  const raw = fromBase64Url(token);
  if (!raw || raw.length !== TOKEN_BYTES || raw[0] !== 1) return null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const payload = raw.subarray(0, PAYLOAD_BYTES);
  const message = new Uint8Array(DOMAIN.length + PAYLOAD_BYTES);
  message.set(DOMAIN);
  message.set(payload, DOMAIN.length);
  return {
    claims: {
      keyId: view.getUint16(1),
      itemId: uuid(raw.subarray(3, 19)),
      notBefore: new Date(view.getUint32(19) * 1000),
      expires: new Date(view.getUint32(23) * 1000),
    },
    message,
    signature: raw.slice(PAYLOAD_BYTES),
  };
}

async function verifySignature(jwk: Jwk, signature: Uint8Array, message: Uint8Array): Promise<boolean | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null; // not a secure context: the page says so and relies on the server's check
  try {
    const key = await subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
    return await subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, message as BufferSource);
  } catch {
    // Browsers without Ed25519 in WebCrypto: the audited pure-JS verifier, loaded only then.
    const raw = fromBase64Url(jwk.x);
    if (!raw) return false;
    const { verifyAsync } = await import('@noble/ed25519');
    return verifyAsync(signature, message, raw);
  }
}

let keys: Promise<Jwk[]> | null = null;

/** The code-signing keys, read once per page; `fresh`: read again past every cache (plan serves them for 5 minutes). */
export function codeKeys(fresh = false): Promise<Jwk[]> {
  if (fresh) keys = null;
  keys ??= fetch('/.well-known/code-keys.json', fresh ? { cache: 'no-cache' } : {}).then(async (response) => {
    if (!response.ok) throw new Error(`code keys: HTTP ${response.status}`);
    return ((await response.json()) as { keys: Jwk[] }).keys;
  });
  keys.catch(() => (keys = null));
  return keys;
}

export async function checkCode(token: string): Promise<Genuineness> {
  const parsed = parseToken(token);
  if (!parsed) return { genuine: false, reason: 'malformed' };
  const named = (list: Jwk[]) => list.find((key) => key.kid === String(parsed.claims.keyId) && key.crv === 'Ed25519');
  // A code signed by a key published after this page, or a cache on the way, read the list: once more, fresh,
  // before it is called forged (a unit refuses a visit on it).
  const jwk = named(await codeKeys()) ?? named(await codeKeys(true));
  if (!jwk) return { genuine: false, reason: 'unknown-key' };
  const ok = await verifySignature(jwk, parsed.signature, parsed.message);
  if (ok === null) return { genuine: null, reason: 'no-crypto' };
  return ok ? { genuine: true, claims: parsed.claims } : { genuine: false, reason: 'bad-signature' };
}
