import { createHash, randomBytes } from 'node:crypto';
import type { Runtime } from '../../src/runtime.ts';
import type { App } from '../../src/http/app.ts';
import { systemContext } from '../../src/audit/event.ts';
import { sessionCookieName } from '../../src/sessions/session-cookie.ts';
import { DEFAULT_SESSION_POLICY } from '../../src/sessions/session-policy.ts';
import { PageClient } from './page-client.ts';

export interface UserTokens {
  /** The Keyledger session cookie (`name=value`) the user signed in with. */
  cookie: string;
  accessToken: string;
  refreshToken: string;
}

/**
 * Signs a user in to an application without a browser: a Keyledger session is
 * made through the session service, then the authorization code flow (PKCE,
 * offline_access with prompt=consent) runs over app.inject with that cookie,
 * and the code is exchanged at the token endpoint with the client secret.
 * The application must be first-party (no consent page) and allow refresh_token.
 */
export async function signInToApplication(rt: Runtime, app: App, input: { userId: string; orgId: string; clientId: string; clientSecret: string; redirectUri: string }): Promise<UserTokens> {
  const { token } = await rt.sessions.create(systemContext('test', 'token helper'), { userId: input.userId, orgId: input.orgId, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd', ip: null, userAgent: null, policy: DEFAULT_SESSION_POLICY });
  const cookieName = sessionCookieName(rt.config.publicUrl);
  const browser = new PageClient(app);
  browser.cookies.set(cookieName, token);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({ client_id: input.clientId, redirect_uri: input.redirectUri, response_type: 'code', scope: 'openid offline_access', state: 'st', prompt: 'consent', code_challenge: challenge, code_challenge_method: 'S256' });
  let res = await browser.get(`/oidc/auth?${query}`);
  let code: string | null = null;
  for (let hops = 0; hops < 10 && !code; hops++) {
    const location = res.headers.location;
    if (!location) throw new Error(`the authorization flow stopped at ${res.statusCode}: ${res.body.slice(0, 300)}`);
    const target = new URL(String(location), rt.config.publicUrl);
    if (String(location).startsWith(input.redirectUri)) {
      code = target.searchParams.get('code');
      if (!code) throw new Error(`no code in the redirect: ${location}`);
      break;
    }
    res = await browser.get(`${target.pathname}${target.search}`);
  }
  if (!code) throw new Error('the authorization flow did not come back to the application');
  const tokenRes = await app.inject({
    method: 'POST',
    url: '/oidc/token',
    headers: { authorization: `Basic ${Buffer.from(`${input.clientId}:${input.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: input.redirectUri, code_verifier: verifier }).toString(),
  });
  if (tokenRes.statusCode !== 200) throw new Error(`the token endpoint refused the code: ${tokenRes.statusCode} ${tokenRes.body}`);
  const tokens = tokenRes.json() as { access_token: string; refresh_token?: string };
  if (!tokens.refresh_token) throw new Error('no refresh token was issued');
  return { cookie: `${cookieName}=${token}`, accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
}

/** Asks the provider to refresh; the status and the OAuth error (if any). */
export async function refresh(app: App, client: { clientId: string; clientSecret: string }, refreshToken: string): Promise<{ status: number; error: string | null }> {
  const res = await app.inject({
    method: 'POST',
    url: '/oidc/token',
    headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
  return { status: res.statusCode, error: res.statusCode === 200 ? null : ((res.json() as { error?: string }).error ?? null) };
}

/** Calls the userinfo endpoint with an access token; its status. */
export async function userinfoStatus(app: App, accessToken: string): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/oidc/me', headers: { authorization: `Bearer ${accessToken}` } })).statusCode;
}
