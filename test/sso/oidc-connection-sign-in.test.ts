import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, type HttpSuite } from '../support/http.ts';
import { PageClient } from '../support/page-client.ts';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.ts';
import { signInAtIdp } from '../support/oidc-idp-signin.ts';
import { actionEvents, countRows, orgWithDomain, ssoAdmin } from '../support/sso.ts';
import type { Connection } from '../../src/sso/connection-settings.ts';

const SECRET = 'globex-client-secret-0123456789abcdef';

/**
 * An organization's OIDC connection end to end through Keyledger's routes,
 * against a second oidc-provider standing in for the customer's IdP: the
 * callback is completed only in the browser that started it, once.
 */
describe.each(DIALECTS)('OIDC connection sign-in on %s', (dialect) => {
  let s: HttpSuite;
  let idp: OidcIdp;
  let conn: Connection;
  const events = (action: string) => actionEvents(s.rt, action);

  /** Starts a sign-in in `browser` and brings back the IdP's callback URL (as a path on Keyledger). */
  async function callbackFor(browser: PageClient): Promise<string> {
    const start = await browser.get(`/sso/${conn.id}/login?return_to=%2Faccount`);
    expect(start.statusCode).toBe(303);
    expect(browser.cookies.has('kl_sso_state')).toBe(true);
    const callback = await signInAtIdp(new URL(String(start.headers.location)), conn.oidc!.redirectUri);
    return callback.pathname + callback.search;
  }

  beforeAll(async () => {
    s = await startHttpSuite(dialect);
    idp = await startOidcIdp();
    await orgWithDomain(s.rt, 'globex', 'globex.test');
    conn = await s.rt.sso.connections.create(ssoAdmin, 'globex', { type: 'oidc', name: 'Globex IdP', issuer: idp.issuer, clientId: 'keyledger', clientSecret: SECRET });
    idp.registerClient({ clientId: 'keyledger', clientSecret: SECRET, redirectUris: [conn.oidc!.redirectUri] });
  });
  afterAll(async () => {
    await idp?.close();
    await s?.close();
  });

  it('code + PKCE: the person is provisioned and signed in; the ID token id is in the ledger; the client secret is nowhere in clear', async () => {
    idp.setNextAccount({ sub: 'globex-0042', email: 'hank@globex.test', email_verified: true, given_name: 'Hank', family_name: 'Scorpio', amr: ['pwd', 'otp'] });
    const browser = new PageClient(s.app);
    const res = await browser.get(await callbackFor(browser));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account');
    expect(browser.cookies.has('kl_session')).toBe(true);
    expect(browser.cookies.has('kl_sso_state')).toBe(false);
    const auth = idp.authorizationRequests().at(-1)!;
    expect(auth.get('code_challenge_method')).toBe('S256');
    expect(auth.get('nonce')).toBeTruthy();
    const hank = (await s.rt.identity.findUserByEmail('hank@globex.test'))!;
    expect(hank.name).toBe('Hank Scorpio');
    const [ok] = await events('sso.login.succeeded');
    expect(ok.data).toMatchObject({ type: 'oidc', subject: 'globex-0042', issuer: idp.issuer, userId: hank.id, provisioned: true, idpMfa: true });
    const login = (await events('authn.login.succeeded')).find((e) => e.data.userId === hank.id)!;
    expect(login.data).toMatchObject({ amr: ['fed', 'mfa'], acr: 'urn:keyledger:acr:mfa' });
    const row = await s.rt.database.db.selectFrom('sso_connections').select(['secret', 'settings']).where('id', '=', conn.id).executeTakeFirstOrThrow();
    expect(`${row.secret}${row.settings}`).not.toContain(SECRET);
  });

  it('a callback opened in another browser is refused (login CSRF), and so is a second use of the same callback', async () => {
    idp.setNextAccount({ sub: 'globex-0042', email: 'hank@globex.test', email_verified: true });
    const victim = new PageClient(s.app);
    const attacker = new PageClient(s.app);
    const callback = await callbackFor(attacker);
    const sessions = await countRows(s.rt, 'sessions');
    const refused = await victim.get(callback);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('sso.state_invalid');
    expect(victim.cookies.has('kl_session')).toBe(false);
    expect(await countRows(s.rt, 'sessions')).toBe(sessions);
    expect((await events('sso.login.failed')).at(-1)!.data).toMatchObject({ code: 'sso.state_invalid', reason: 'browser_mismatch' });

    const browser = new PageClient(s.app);
    const own = await callbackFor(browser);
    const state = browser.cookies.get('kl_sso_state')!;
    expect((await browser.get(own)).statusCode).toBe(303);
    // The same callback again, with the state cookie put back: the pending sign-in is used up.
    const again = await s.app.inject({ method: 'GET', url: own, headers: { cookie: `kl_sso_state=${state}` } });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('sso.state_invalid');
  });

  it('an IdP error and an unverified email are refused with their codes; nothing is provisioned', async () => {
    const users = await countRows(s.rt, 'users');
    idp.denyNext('user cancelled');
    const browser = new PageClient(s.app);
    const denied = await browser.get(await callbackFor(browser));
    expect(denied.statusCode).toBe(401);
    expect(denied.body).toContain('sso.oidc_idp_error');

    idp.setNextAccount({ sub: 'globex-0099', email: 'eve@globex.test', email_verified: false });
    const other = new PageClient(s.app);
    const unverified = await other.get(await callbackFor(other));
    expect(unverified.statusCode).toBe(422);
    expect(unverified.body).toContain('sso.identity_incomplete');
    expect(await countRows(s.rt, 'users')).toBe(users);
  });
});
