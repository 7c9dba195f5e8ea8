/**
 * Signing in to the console: an OpenID Connect authorization-code flow with
 * PKCE against Keyledger's own provider (the console is a public client). The
 * access token lives in this tab's sessionStorage only and goes to /api/v1 as a
 * bearer token; a step-up asks the provider again for a fresh passkey proof
 * (acr_values, max_age: RFC 9470).
 */
export interface ConsoleConfig {
  clientId: string;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  endSessionEndpoint: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  operatorOrg: { slug: string; exists: boolean };
  stepUp: { acr: string; maxAgeSeconds: number };
}

export interface SignedInUser {
  sub: string;
  email: string | null;
  name: string | null;
  acr: string | null;
  amr: string[];
  authTime: number | null;
}

interface StoredSession {
  accessToken: string;
  expiresAt: number;
  user: SignedInUser;
}

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

const SESSION_KEY = 'keyledger.console.session';
const PENDING_KEY = 'keyledger.console.pending';
let config: ConsoleConfig | null = null;

export async function loadConfig(): Promise<ConsoleConfig> {
  if (config) return config;
  const res = await fetch('/console/config.json', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`the console configuration could not be loaded (HTTP ${res.status})`);
  config = (await res.json()) as ConsoleConfig;
  return config;
}

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challengeOf(verifier: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

function readSession(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : null;
  } catch {
    return null;
  }
}

/** The signed-in user, or null when the console has no live token. */
export function currentUser(): SignedInUser | null {
  const s = readSession();
  return s && s.expiresAt > Date.now() ? s.user : null;
}

export function accessToken(): string | null {
  const s = readSession();
  return s && s.expiresAt > Date.now() ? s.accessToken : null;
}

/** Seconds left before a step-up (the last phishing-resistant proof) is too old for a change; 0 when none counts. */
export function stepUpSecondsLeft(cfg: ConsoleConfig, user: SignedInUser | null, now = Date.now()): number {
  if (!user || user.acr !== cfg.stepUp.acr || user.authTime === null) return 0;
  return Math.max(0, Math.floor(user.authTime + cfg.stepUp.maxAgeSeconds - now / 1000));
}

function here(): string {
  return window.location.pathname + window.location.search + window.location.hash;
}

/** Sends the browser to Keyledger's sign-in; it comes back to /console/callback and then to `returnTo`. */
export async function signIn(returnTo = here(), extra: Record<string, string> = {}): Promise<never> {
  const cfg = await loadConfig();
  const pending: Pending = { verifier: random(), state: random(), nonce: random(), returnTo: returnTo.startsWith('/console') ? returnTo : '/console/' };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(cfg.authorizationEndpoint);
  const params = {
    response_type: 'code',
    client_id: cfg.clientId,
    redirect_uri: cfg.redirectUri,
    scope: 'openid profile email',
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  window.location.assign(url.toString());
  return new Promise<never>(() => {});
}

/** Asks for a fresh phishing-resistant proof (a passkey), then returns here with a token that allows changes. */
export async function stepUp(returnTo = here()): Promise<never> {
  const cfg = await loadConfig();
  return signIn(returnTo, { acr_values: cfg.stepUp.acr, max_age: String(cfg.stepUp.maxAgeSeconds) });
}

function decodeClaims(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(decodeURIComponent(Array.from(json, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''))) as Record<string, unknown>;
}

/**
 * Completes the flow at /console/callback: checks the state, redeems the code
 * with the PKCE verifier, checks the ID token's nonce and audience, and keeps
 * the token. Returns where to go next. The ID token comes straight from the
 * token endpoint over this origin's TLS, so its signature is not needed for
 * the claims shown here; the API checks the access token on every call.
 */
export async function completeSignIn(search: string): Promise<string> {
  const cfg = await loadConfig();
  const params = new URLSearchParams(search);
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const pending = raw ? (JSON.parse(raw) as Pending) : null;
  const error = params.get('error');
  if (error) throw new Error(params.get('error_description') || error);
  if (!pending || params.get('state') !== pending.state) throw new Error('this sign-in was not started here (state mismatch); start again');
  const res = await fetch(cfg.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: params.get('code') ?? '', redirect_uri: cfg.redirectUri, client_id: cfg.clientId, code_verifier: pending.verifier }),
  });
  const body = (await res.json()) as { access_token?: string; id_token?: string; expires_in?: number; error?: string; error_description?: string };
  if (!res.ok || !body.access_token || !body.id_token) throw new Error(body.error_description || body.error || `the token request failed (HTTP ${res.status})`);
  const claims = decodeClaims(body.id_token);
  if (claims.nonce !== pending.nonce) throw new Error('the ID token does not answer this sign-in (nonce mismatch)');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(cfg.clientId) || claims.iss !== cfg.issuer) throw new Error('the ID token is not for the console');
  const session: StoredSession = {
    accessToken: body.access_token,
    expiresAt: Date.now() + (body.expires_in ?? 600) * 1000 - 5_000,
    user: {
      sub: String(claims.sub),
      email: typeof claims.email === 'string' ? claims.email : null,
      name: typeof claims.name === 'string' ? claims.name : null,
      acr: typeof claims.acr === 'string' ? claims.acr : null,
      amr: Array.isArray(claims.amr) ? claims.amr.map(String) : [],
      authTime: typeof claims.auth_time === 'number' ? claims.auth_time : null,
    },
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return pending.returnTo;
}

/** Forgets the token here and ends the Keyledger session at the provider. */
export async function signOut(): Promise<never> {
  const cfg = await loadConfig();
  sessionStorage.removeItem(SESSION_KEY);
  const url = new URL(cfg.endSessionEndpoint);
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('post_logout_redirect_uri', cfg.postLogoutRedirectUri);
  window.location.assign(url.toString());
  return new Promise<never>(() => {});
}
