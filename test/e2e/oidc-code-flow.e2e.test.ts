import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { startBrowserSuite, type BrowserSuite } from '../support/browser.ts';
import { discover } from '../support/oidc.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemContext } from '../../src/audit/event.ts';
import { ALL_SCOPES } from '../../src/http/scopes.ts';
import { ACR_PASSWORD, ACR_PHISHING_RESISTANT } from '../../src/authn/acr.ts';

const PASSWORD = 'quartz-lantern-orbit-meadow-42';
const admin = systemContext('test', 'browser test setup');
/** The relying party's pages: a small server on loopback answers the browser (the test reads the URL it landed on). */
let CALLBACK = '';
let AFTER_LOGOUT = '';

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { error?: string }).error ?? (err as Error).message;
  }
  throw new Error('expected a refusal');
}

for (const dialect of DIALECTS) {
  describe(`in Chromium on ${dialect}: an application signs users in through Keyledger (code + PKCE, openid-client)`, () => {
    let b: BrowserSuite;
    let issuer: URL;
    let api: <T = any>(method: string, path: string, body?: unknown) => Promise<T>;
    let web: { clientId: string; secret: string };
    let strict: { clientId: string; secret: string };
    let adaId: string;

    /** Opens the authorization URL in the browser, lets `during` sign in, and returns the callback URL the browser was sent to. */
    async function authorize(page: Page, config: client.Configuration, during: (page: Page) => Promise<void>, extra: Record<string, string> = {}) {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email profile offline_access', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, prompt: 'consent', ...extra });
      await page.goto(url.href);
      await during(page);
      await page.waitForURL((u) => u.href.startsWith(CALLBACK), { timeout: 20_000 }).catch(async (err) => {
        throw new Error(`${(err as Error).message}; the browser is at ${page.url()}: ${(await page.locator('main').textContent().catch(() => ''))?.slice(0, 300)}`);
      });
      return { callback: new URL(page.url()), verifier, state };
    }

    async function signIn(page: Page, email: string) {
      await page.waitForURL('**/login?**');
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }

    async function newBrowser(): Promise<BrowserContext> {
      return b.newContext();
    }
    let rp: Server;

    beforeAll(async () => {
      rp = createServer((_req, res) => res.end('relying party'));
      await new Promise<void>((r) => rp.listen(0, '127.0.0.1', () => r()));
      const rpPort = (rp.address() as AddressInfo).port;
      CALLBACK = `http://127.0.0.1:${rpPort}/callback`;
      AFTER_LOGOUT = `http://127.0.0.1:${rpPort}/signed-out`;
      b = await startBrowserSuite(dialect);
      issuer = new URL(`${b.baseUrl}/oidc`);
      const { key } = await b.t.rt.apiKeys.create(admin, { name: 'admin', scopes: [...ALL_SCOPES], expiresAt: null });
      api = async (method, path, body) => {
        const res = await fetch(`${b.baseUrl}/api/v1${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
        if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
        return res.json() as never;
      };
      await b.t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      adaId = (await b.t.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada Lovelace' }, { orgRef: 'acme' })).id;
      await b.t.rt.authn.setPassword(admin, adaId, PASSWORD);
      const bob = (await b.t.rt.identity.createUser(admin, { email: 'bob@acme.test', name: 'Bob' }, { orgRef: 'acme' })).id;
      await b.t.rt.authn.setPassword(admin, bob, PASSWORD);
      const created = await api('POST', '/organizations/acme/applications', { name: 'Acme Wiki', type: 'web', redirectUris: [CALLBACK], postLogoutRedirectUris: [AFTER_LOGOUT], grantTypes: ['authorization_code', 'refresh_token'] });
      web = { clientId: created.application.clientId, secret: created.clientSecret };
      const hardened = await api('POST', '/organizations/acme/applications', { name: 'Acme Payroll', type: 'web', redirectUris: [CALLBACK], grantTypes: ['authorization_code'], requiredAcr: 'phishing_resistant' });
      strict = { clientId: hardened.application.clientId, secret: hardened.clientSecret };
    }, 60_000);
    afterAll(async () => {
      await b?.close();
      await new Promise((r) => rp?.close(r));
    });

    it('signs in with a password through the hosted page; the tokens say how; refresh tokens rotate and a replay revokes the family', async () => {
      const config = await discover(issuer, web.clientId, client.ClientSecretBasic(web.secret));
      const context = await newBrowser();
      const page = await context.newPage();
      const { callback, verifier, state } = await authorize(page, config, async (p) => {
        await signIn(p, 'ada@acme.test');
      });
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({ sub: adaId, email: 'ada@acme.test', acr: ACR_PASSWORD, amr: ['pwd'], aud: web.clientId, iss: issuer.href });
      const info = await client.fetchUserInfo(config, tokens.access_token, adaId);
      expect(info).toMatchObject({ sub: adaId, email: 'ada@acme.test', name: 'Ada Lovelace' });
      expect(await client.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, sub: adaId, client_id: web.clientId });

      // The ID token of one application is not accepted as another's (its audience).
      const other = await discover(issuer, strict.clientId, client.ClientSecretBasic(strict.secret));
      expect(claims.aud).not.toContain(strict.clientId);
      expect(await client.tokenIntrospection(other, tokens.access_token)).toMatchObject({ active: true });

      const first = tokens.refresh_token!;
      const rotated = await client.refreshTokenGrant(config, first);
      expect(rotated.refresh_token).toBeDefined();
      expect(rotated.refresh_token).not.toBe(first);
      // The rotated-out refresh token comes back (stolen): refused, and the whole family dies with it.
      expect(await refusal(client.refreshTokenGrant(config, first))).toBe('invalid_grant');
      expect(await refusal(client.refreshTokenGrant(config, rotated.refresh_token!))).toBe('invalid_grant');
      expect(await client.tokenIntrospection(config, rotated.access_token)).toEqual({ active: false });
      // The provider reports the replay from inside its request; the event lands beside the response.
      await b.t.rt.oidc.settled();
      const items = (await b.t.rt.ledger.listEvents({ actionPrefix: 'oidc.token.replay_detected' }, { limit: 10 })).events;
      expect(items.length).toBeGreaterThan(0);
      expect(items.at(-1)!.data).toMatchObject({ clientId: web.clientId, grantType: 'refresh_token' });
      const granted = (await b.t.rt.ledger.listEvents({ actionPrefix: 'oidc.authorization.granted' }, { limit: 10 })).events;
      expect(granted.at(-1)!.data).toMatchObject({ clientId: web.clientId, acr: ACR_PASSWORD, amr: ['pwd'] });
      await context.close();
    });

    it('refuses a second use of an authorization code and revokes what the first one issued', async () => {
      const config = await discover(issuer, web.clientId, client.ClientSecretBasic(web.secret));
      const context = await newBrowser();
      const page = await context.newPage();
      const { callback, verifier, state } = await authorize(page, config, (p) => signIn(p, 'ada@acme.test'));
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
      expect(await refusal(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }))).toBe('invalid_grant');
      expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
      await context.close();
    });

    it('revoking a user’s access (deprovisioning) ends their application tokens, refresh tokens and browser session in one call', async () => {
      const config = await discover(issuer, web.clientId, client.ClientSecretBasic(web.secret));
      const context = await newBrowser();
      const page = await context.newPage();
      const { callback, verifier, state } = await authorize(page, config, (p) => signIn(p, 'bob@acme.test'));
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
      const bob = tokens.claims()!.sub;
      const revoked = await api('POST', `/users/${bob}/revoke-access`, { reason: 'left the company' });
      expect(revoked.sessionsRevoked).toBe(1);
      expect(revoked.tokensRevoked).toBeGreaterThanOrEqual(3);
      expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
      expect(await refusal(client.refreshTokenGrant(config, tokens.refresh_token!))).toBe('invalid_grant');
      await page.goto('/account');
      await page.waitForURL('**/login**');
      const events = (await b.t.rt.ledger.listEvents({ actionPrefix: 'identity.user.access_revoked' }, { limit: 10 })).events;
      expect(events.at(-1)!.data).toMatchObject({ userId: bob, reason: 'left the company', sessionsRevoked: 1 });
      await context.close();
    });

    it('an application demanding phishing-resistant sign-in sends a password session to step up with a passkey', async () => {
      const config = await discover(issuer, strict.clientId, client.ClientSecretBasic(strict.secret));
      const context = await newBrowser();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });
      // Without a passkey the application cannot be reached: the page says what is missing.
      const verifier = client.randomPKCECodeVerifier();
      await page.goto(client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 'x' }).href);
      await signIn(page, 'ada@acme.test');
      await page.getByRole('heading', { name: /needs a passkey/ }).waitFor();
      await b.screenshot(page, 'oidc-needs-passkey');
      await page.goto('/account');
      await page.getByLabel('Name for the new passkey').fill('Virtual key');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.waitForURL('**/account?done=passkey_added');

      const { callback, verifier: v2, state } = await authorize(page, config, async (p) => {
        await p.waitForURL('**/account/reauth**');
        await b.screenshot(p, 'oidc-step-up');
        await p.getByRole('button', { name: 'Confirm with a passkey' }).click();
      }, { scope: 'openid' });
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: v2, expectedState: state });
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({ sub: adaId, acr: ACR_PHISHING_RESISTANT });
      expect(claims.amr).toEqual(expect.arrayContaining(['hwk', 'user']));
      await context.close();
    });

    it('a user of the organization without a passkey is told what is missing, and RP-initiated logout ends the Keyledger session', async () => {
      const config = await discover(issuer, web.clientId, client.ClientSecretBasic(web.secret));
      const context = await newBrowser();
      const page = await context.newPage();
      const { callback, verifier, state } = await authorize(page, config, (p) => signIn(p, 'bob@acme.test'));
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
      const strictConfig = await discover(issuer, strict.clientId, client.ClientSecretBasic(strict.secret));
      const v = client.randomPKCECodeVerifier();
      await page.goto(client.buildAuthorizationUrl(strictConfig, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(v), code_challenge_method: 'S256', state: 'y' }).href);
      await page.getByRole('heading', { name: /needs a passkey/ }).waitFor();

      const logout = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: AFTER_LOGOUT, state: 'bye' });
      await page.goto(logout.href);
      await b.screenshot(page, 'oidc-logout');
      await page.getByRole('button', { name: 'Sign out' }).last().click();
      await page.waitForURL((u) => u.href.startsWith(AFTER_LOGOUT));
      expect(new URL(page.url()).searchParams.get('state')).toBe('bye');
      // The Keyledger session is gone too: the account page asks to sign in.
      await page.goto('/account');
      await page.waitForURL('**/login**');
      await context.close();
    });
  });
}
