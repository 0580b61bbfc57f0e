// Who is signed in: a bearer token (in production from the deployment's identity provider; in development
// chosen from the demo people), kept for this browser tab only. Its claims decide what the pages offer; the
// services decide what is allowed.
import { computed, ref } from 'vue';
import { label } from './i18n';

export interface Claims {
  role: 'province_office' | 'city_office' | 'county_office' | 'inspector' | 'unit' | 'observer';
  region: string;
  office?: string;
  unit?: string;
  sub?: string;
  exp?: number;
}

const KEY = 'wurao.session';
const stored = sessionStorage.getItem(KEY);
const state = ref<{ token: string; name: string } | null>(stored ? JSON.parse(stored) : null);
/** The session ended by itself (its token expired or the API stopped accepting it): the sign-in page says so. */
export const expired = ref(false);

function decode(token: string): Claims | null {
  try {
    const body = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0)));
    return JSON.parse(json) as Claims;
  } catch {
    return null;
  }
}

const live = (claims: Claims | null) => !!claims && !(claims.exp && claims.exp * 1000 < Date.now());
if (state.value && !live(decode(state.value.token))) expired.value = true;

export const session = computed(() => {
  if (!state.value) return null;
  const claims = decode(state.value.token);
  if (!claims || !live(claims)) return null;
  return { ...state.value, claims };
});

/** Who is signed in, in words: the demo person's name, or (a pasted token names no one) the token's subject and role in
 * the page's language. */
export const signedInName = computed(() => {
  const s = session.value;
  return !s ? '' : s.name || [s.claims.sub, label('Role', s.claims.role)].filter(Boolean).join(' · ');
});

export function signIn(token: string, name: string): void {
  state.value = { token, name };
  expired.value = false;
  sessionStorage.setItem(KEY, JSON.stringify(state.value));
}

export function signOut(): void {
  state.value = null;
  sessionStorage.removeItem(KEY);
}

/** The API refused the token (401): the person has to sign in again. */
export function expire(): void {
  signOut();
  expired.value = true;
}

export const isOffice = (claims: Claims) => claims.role.endsWith('_office');

// What the pages offer each person, as the services decide it: an action the API would refuse is not offered.
/** Staff of this office (not its inspectors): they write its plans and code its items. */
export const staffOf = (claims: Claims | undefined, officeId: string) => !!claims && isOffice(claims) && claims.office === officeId;
/** The office's staff or inspectors: they verify its rectification tasks or send them back. */
export const worksFor = (claims: Claims | undefined, officeId: string) => !!claims && claims.role !== 'unit' && !!claims.office && claims.office === officeId;
/** An inspector of the office: only they record findings on its visits. */
export const inspectorOf = (claims: Claims | undefined, officeId: string) => !!claims && claims.role === 'inspector' && claims.office === officeId;
/** Who may read an office's codes (their tokens, QR images, sheets): offices and observers (the services check the
 * region), an inspector only its own office's codes; units see codes only by scanning them. */
export const readsCodesOf = (claims: Claims | undefined, officeId: string) =>
  !!claims && claims.role !== 'unit' && (claims.role !== 'inspector' || claims.office === officeId);
/** Staff of the office that approves this office's plans and filings (the province's office approves its own). */
export const approverOf = (claims: Claims | undefined, office: { id: string; approverOfficeId?: string | null } | null | undefined) =>
  !!claims && !!office && isOffice(claims) && claims.office === (office.approverOfficeId ?? office.id);
