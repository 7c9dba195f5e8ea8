import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startServerSuite, type ServerSuite } from '../support/oidc.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { sessionCookieName } from '../../src/sessions/session-cookie.ts';
import { DEFAULT_SESSION_POLICY } from '../../src/sessions/session-policy.ts';

const CALLBACK = 'http://127.0.0.1:9/callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`authorization and token requests the provider refuses, and its signing keys, on ${dialect}`, () => {
    let s: ServerSuite;
    let clientId: string;
    let secret: string;
    const clock = new ManualClock(new Date());

    const authorize = (params: Record<string, string>) =>
      fetch(`${s.baseUrl}/oidc/auth?${new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', state: 'st', ...params })}`, { redirect: 'manual' });
    const errorOf = (res: Response) => new URL(res.headers.get('location')!).searchParams.get('error');

    beforeAll(async () => {
      s = await startServerSuite(dialect, { clock });
      await s.api('POST', '/organizations', { slug: 'acme', name: 'Acme' });
      const app = await s.api('POST', '/organizations/acme/applications', { name: 'Wiki', type: 'web', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'] });
      clientId = app.application.clientId;
      secret = app.clientSecret;
    }, 60_000);
    afterAll(async () => s?.close());

    it('publishes discovery with code + S256 only, at the issuer and at the root', async () => {
      for (const path of ['/oidc/.well-known/openid-configuration', '/.well-known/openid-configuration']) {
        const doc = (await (await fetch(`${s.baseUrl}${path}`)).json()) as Record<string, unknown>;
        expect(doc).toMatchObject({ issuer: `${s.baseUrl}/oidc`, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'], token_endpoint: `${s.baseUrl}/oidc/token` });
        expect(doc.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
        expect(doc.grant_types_supported).not.toContain('implicit');
        expect(doc.grant_types_supported).not.toContain('password');
        expect(doc.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'private_key_jwt']));
      }
      // Without a trusted proxy configured, forwarded headers cannot move the endpoints elsewhere.
      const spoofed = (await (await fetch(`${s.baseUrl}/oidc/.well-known/openid-configuration`, { headers: { 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' } })).json()) as Record<string, string>;
      expect(spoofed.token_endpoint).toBe(`${s.baseUrl}/oidc/token`);
    });

    it('a request without PKCE, or with plain PKCE, goes back to the application as invalid_request', async () => {
      const missing = await authorize({});
      expect(missing.status).toBe(303);
      expect(missing.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:9\/callback\?/);
      expect(errorOf(missing)).toBe('invalid_request');
      const plain = await authorize({ code_challenge: CHALLENGE, code_challenge_method: 'plain' });
      expect(errorOf(plain)).toBe('invalid_request');
      // With S256 the request proceeds to the sign-in interaction.
      const good = await authorize({ code_challenge: CHALLENGE, code_challenge_method: 'S256' });
      expect(good.status).toBe(303);
      expect(good.headers.get('location')).toMatch(/^\/interaction\/[A-Za-z0-9_-]+$/);
    });

    it('a redirect URI that is not registered exactly is never redirected to', async () => {
      for (const uri of [`${CALLBACK}/x`, `${CALLBACK}?a=1`, 'http://127.0.0.1:9/Callback', 'https://evil.test/callback']) {
        const res = await authorize({ redirect_uri: uri, code_challenge: CHALLENGE, code_challenge_method: 'S256' });
        expect(res.status).toBe(400);
        expect(res.headers.get('location')).toBeNull();
        expect(await res.text()).toContain('redirect_uri');
      }
    });

    it('refuses the implicit and hybrid response types and the password grant (RFC 9700)', async () => {
      for (const responseType of ['token', 'id_token', 'code id_token', 'code token']) {
        const res = await authorize({ response_type: responseType, code_challenge: CHALLENGE, code_challenge_method: 'S256', nonce: 'n' });
        expect(res.status).toBe(303);
        // Errors for response types that would carry tokens go back in the fragment.
        const back = new URL(res.headers.get('location')!);
        const error = back.searchParams.get('error') ?? new URLSearchParams(back.hash.slice(1)).get('error');
        expect({ responseType, error }).toEqual({ responseType, error: 'unsupported_response_type' });
      }
      const res = await fetch(`${s.baseUrl}/oidc/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=ada&password=x',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
    });

    it('a logout confirmation posted from another site does not end the Keyledger session', async () => {
      const user = await s.api('POST', '/users', { email: 'eve-target@acme.test', name: 'Target' });
      const { token, session } = await s.t.rt.sessions.create(systemContext('test', 'setup'), { userId: user.id, orgId: null, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd', ip: null, userAgent: null, policy: DEFAULT_SESSION_POLICY });
      const cookie = `${sessionCookieName(s.baseUrl)}=${token}`;
      const foreign: Array<Record<string, string>> = [{ 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' }, { 'sec-fetch-site': 'same-site', origin: 'null' }, { origin: 'https://evil.test' }, { origin: 'null' }, {}];
      for (const headers of foreign) {
        await fetch(`${s.baseUrl}/oidc/session/end/confirm`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: 'xsrf=forged&logout=yes' });
        expect((await s.t.rt.sessions.inspect(token)).ok).toBe(true);
      }
      // From this origin the session ends (the provider then refuses the forged form token on its own).
      await fetch(`${s.baseUrl}/oidc/session/end/confirm`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: s.baseUrl }, body: 'xsrf=forged&logout=yes' });
      expect(await s.t.rt.sessions.inspect(token)).toMatchObject({ ok: false, reason: 'revoked', sessionId: session.id });
    });

    it('publishes the next signing key before it signs, and keeps a retired key until its tokens have expired', async () => {
      const keys = async () => (await s.api('GET', '/oidc/signing-keys')).items as Array<{ kid: string; state: string; activatesAt: string; retiresAt: string }>;
      const jwks = async () => ((await (await fetch(`${s.baseUrl}/oidc/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> }).keys;
      const [first] = await keys();
      expect(first.state).toBe('signing');
      expect((await jwks()).map((k) => k.kid)).toEqual([first.kid]);
      // No private part is ever published.
      expect((await jwks()).every((k) => k.d === undefined)).toBe(true);

      clock.set(new Date(Date.parse(first.retiresAt) - 6 * DAY));
      await s.t.rt.oidc.refreshKeys();
      const published = await keys();
      const next = published.find((k) => k.kid !== first.kid)!;
      expect(next).toMatchObject({ state: 'published', activatesAt: first.retiresAt });
      expect((await jwks()).map((k) => k.kid)).toEqual([first.kid, next.kid]);

      clock.set(new Date(Date.parse(first.retiresAt) + 60_000));
      await s.t.rt.oidc.refreshKeys();
      expect(Object.fromEntries((await keys()).map((k) => [k.kid, k.state]))).toEqual({ [first.kid]: 'retired', [next.kid]: 'signing' });
      // The key that signs now comes first.
      expect((await jwks()).map((k) => k.kid)).toEqual([next.kid, first.kid]);

      clock.set(new Date(Date.parse(first.retiresAt) + 25 * 3_600_000));
      await s.t.rt.oidc.refreshKeys();
      expect((await jwks()).map((k) => k.kid)).toEqual([next.kid]);
      const events = (await s.t.rt.ledger.listEvents({ actionPrefix: 'oidc.signing_key.' }, { limit: 10 })).events;
      expect(events.map((e) => [e.action, e.data.reason])).toEqual([['oidc.signing_key.created', 'initial'], ['oidc.signing_key.created', 'scheduled']]);
    });

    it('an emergency rotation signs with a new key at once and keeps the old one published', async () => {
      const before = (await s.api('GET', '/oidc/signing-keys')).items.find((k: { state: string }) => k.state === 'signing');
      const rotated = await s.api('POST', '/oidc/signing-keys/rotate', undefined, 201);
      expect(rotated.state).toBe('signing');
      const after = (await s.api('GET', '/oidc/signing-keys')).items as Array<{ kid: string; state: string }>;
      expect(after.find((k) => k.kid === before.kid)!.state).toBe('retired');
      const jwks = ((await (await fetch(`${s.baseUrl}/oidc/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
      expect(jwks[0]).toBe(rotated.kid);
      expect(jwks).toContain(before.kid);
    });
  });
}
