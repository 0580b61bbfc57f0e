// Who is signed in: a bearer token (in production from the deployment's identity provider; in development
// chosen from the demo people), kept for this browser tab only. Its claims decide what the pages offer; the
// services decide what is allowed.
import { computed, ref } from 'vue';

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

function decode(token: string): Claims | null {
  try {
    const body = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0)));
    return JSON.parse(json) as Claims;
  } catch {
    return null;
  }
}

export const session = computed(() => {
  if (!state.value) return null;
  const claims = decode(state.value.token);
  if (!claims || (claims.exp && claims.exp * 1000 < Date.now())) return null;
  return { ...state.value, claims };
});

export function signIn(token: string, name: string): void {
  state.value = { token, name };
  sessionStorage.setItem(KEY, JSON.stringify(state.value));
}

export function signOut(): void {
  state.value = null;
  sessionStorage.removeItem(KEY);
}

export const isOffice = (claims: Claims) => claims.role.endsWith('_office');
