import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, type HttpSuite } from '../support/http.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { actionEvents, countRows, orgWithDomain, postAcs, samlConnection, samlResponseFromIdp, sessionCookieOf, ssoAdmin } from '../support/sso.ts';
import type { Connection } from '../../src/sso/connection-settings.ts';

/**
 * SAML sign-in end to end against a real samlify IdP on loopback: the browser
 * steps are HTTP requests (the IdP verifies Keyledger's signed AuthnRequest and
 * schema-checks it), the ACS is Keyledger's real route.
 */
describe.each(DIALECTS)('SAML sign-in through an organization IdP on %s', (dialect) => {
  let s: HttpSuite;
  let idp: SamlIdp;
  let conn: Connection;
  const events = (action: string) => actionEvents(s.rt, action);

  beforeAll(async () => {
    s = await startHttpSuite(dialect);
    idp = await startSamlIdp();
    await orgWithDomain(s.rt, 'acme', 'acme.test');
    conn = await samlConnection(s.rt, 'acme', idp);
  });
  afterAll(async () => {
    await idp?.close();
    await s?.close();
  });

  it('SP-initiated: a new person is provisioned just in time, signed in, and every step is in the ledger', async () => {
    const sessionsBefore = await countRows(s.rt, 'sessions');
    const { samlResponse, relayState, requestId } = await samlResponseFromIdp(s, idp, conn.id, { nameId: 'ada@acme.test', email: 'ada@acme.test', givenName: 'Ada', familyName: 'Lovelace' }, '/account?tab=security');
    const res = await postAcs(s, conn.id, samlResponse, relayState);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account?tab=security');
    const cookie = sessionCookieOf(res);
    expect(cookie).not.toBeNull();
    expect(await countRows(s.rt, 'sessions')).toBe(sessionsBefore + 1);

    const user = await s.rt.identity.findUserByEmail('ada@acme.test');
    expect(user).toMatchObject({ name: 'Ada Lovelace', status: 'active' });
    expect(await s.rt.identity.isMember((await s.rt.identity.requireOrg('acme')).id, user!.id)).toBe(true);
    // The account is visible through the admin API too.
    const listed = await s.request('GET', '/api/v1/organizations/acme/members?limit=50');
    expect(listed.json().items.map((u: { email: string }) => u.email)).toContain('ada@acme.test');

    const [signedIn] = await events('sso.login.succeeded');
    expect(signedIn.data).toMatchObject({ connectionId: conn.id, type: 'saml', subject: 'ada@acme.test', issuer: idp.entityId, userId: user!.id, provisioned: true, idpInitiated: false });
    expect(String(signedIn.data.tokenId)).toMatch(/^_/);
    const [linked] = await events('sso.identity.linked');
    expect(linked.data).toMatchObject({ subject: 'ada@acme.test', userId: user!.id, provisioned: true });
    const [login] = (await events('authn.login.succeeded')).filter((e) => e.data.userId === user!.id);
    expect(login.data).toMatchObject({ amr: ['fed'], sessionId: signedIn.data.sessionId });
    // The request this answered is used up.
    const state = await s.rt.database.db.selectFrom('sso_login_states').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
    expect(state.consumed_at).not.toBeNull();

    // The session works on the account page.
    const account = await s.app.inject({ method: 'GET', url: '/account', headers: { cookie: cookie! } });
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('ada@acme.test');
  });

  it('the same person signs in again to the same account; the IdP name change follows', async () => {
    const usersBefore = await countRows(s.rt, 'users');
    const { samlResponse } = await samlResponseFromIdp(s, idp, conn.id, { nameId: 'ada@acme.test', email: 'ada@acme.test', givenName: 'Ada', familyName: 'King' });
    const res = await postAcs(s, conn.id, samlResponse);
    expect(res.statusCode).toBe(303);
    expect(await countRows(s.rt, 'users')).toBe(usersBefore);
    expect((await s.rt.identity.findUserByEmail('ada@acme.test'))?.name).toBe('Ada King');
    const latest = (await events('sso.login.succeeded')).at(-1)!;
    expect(latest.data).toMatchObject({ provisioned: false });
  });

  it('a replayed response is refused and opens no session', async () => {
    const { samlResponse } = await samlResponseFromIdp(s, idp, conn.id, { nameId: 'ada@acme.test', email: 'ada@acme.test' });
    expect((await postAcs(s, conn.id, samlResponse)).statusCode).toBe(303);
    const sessions = await countRows(s.rt, 'sessions');
    const again = await postAcs(s, conn.id, samlResponse);
    expect(again.statusCode).toBe(401);
    expect(again.body).toContain('sso.saml_request_unknown');
    expect(sessionCookieOf(again)).toBeNull();
    expect(await countRows(s.rt, 'sessions')).toBe(sessions);
    expect((await events('sso.login.failed')).at(-1)!.data).toMatchObject({ code: 'sso.saml_request_unknown', connectionId: conn.id });
  });

  it('an unsolicited (IdP-initiated) response is refused unless the connection allows it; allowed, it works once', async () => {
    const response = await idp.loginResponse({ user: { nameId: 'ada@acme.test', email: 'ada@acme.test' } });
    const refused = await postAcs(s, conn.id, response);
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain('sso.saml_request_unknown');
    expect(sessionCookieOf(refused)).toBeNull();

    await s.rt.sso.connections.update(ssoAdmin, 'acme', conn.id, { allowIdpInitiated: true });
    const fresh = await idp.loginResponse({ user: { nameId: 'ada@acme.test', email: 'ada@acme.test' } });
    const accepted = await postAcs(s, conn.id, fresh, '/account');
    expect(accepted.statusCode).toBe(303);
    expect(sessionCookieOf(accepted)).not.toBeNull();
    expect((await events('sso.login.succeeded')).at(-1)!.data).toMatchObject({ idpInitiated: true });
    // The assertion id is remembered: the same IdP-initiated response is an assertion replay.
    const replay = await postAcs(s, conn.id, fresh);
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toContain('sso.saml_replayed');
    expect(sessionCookieOf(replay)).toBeNull();
    // An IdP-initiated RelayState that leaves Keyledger is not followed.
    const offsite = await postAcs(s, conn.id, await idp.loginResponse({ user: { nameId: 'ada@acme.test', email: 'ada@acme.test' } }), 'https://evil.example/');
    expect(offsite.headers.location).toBe('/account');
    await s.rt.sso.connections.update(ssoAdmin, 'acme', conn.id, { allowIdpInitiated: false });
  });

  it('a disabled connection starts and completes nothing', async () => {
    const { samlResponse } = await samlResponseFromIdp(s, idp, conn.id, { nameId: 'ada@acme.test', email: 'ada@acme.test' });
    await s.rt.sso.connections.update(ssoAdmin, 'acme', conn.id, { status: 'disabled' });
    try {
      const res = await postAcs(s, conn.id, samlResponse);
      expect(res.statusCode).toBe(409);
      expect(res.body).toContain('sso.connection_disabled');
      const start = await s.app.inject({ method: 'GET', url: `/sso/${conn.id}/login` });
      expect(start.statusCode).toBe(409);
    } finally {
      await s.rt.sso.connections.update(ssoAdmin, 'acme', conn.id, { status: 'active' });
    }
  });

  it('an encrypted assertion is decrypted with the connection SP key and signs in', async () => {
    const encrypting = await startSamlIdp({ encryptAssertions: true });
    try {
      await orgWithDomain(s.rt, 'cipher', 'cipher.test');
      const c = await samlConnection(s.rt, 'cipher', encrypting);
      const { samlResponse } = await samlResponseFromIdp(s, encrypting, c.id, { nameId: 'enc@cipher.test', email: 'enc@cipher.test' });
      const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
      expect(xml).toContain('EncryptedAssertion');
      expect(xml).not.toContain('enc@cipher.test');
      const res = await postAcs(s, c.id, samlResponse);
      expect(res.statusCode).toBe(303);
      expect(sessionCookieOf(res)).not.toBeNull();
      expect(await s.rt.identity.findUserByEmail('enc@cipher.test')).toBeDefined();
    } finally {
      await encrypting.close();
    }
  });

  it('certificate rollover: both certificates work while both are trusted; once the old one is removed, its signature is refused', async () => {
    const rolling = await startSamlIdp();
    try {
      await orgWithDomain(s.rt, 'roll', 'roll.test');
      const c = await samlConnection(s.rt, 'roll', rolling);
      await rolling.rolloverSigningKey();
      const user = { nameId: 'rho@roll.test', email: 'rho@roll.test' };
      const signIn = async (signedBy: 'current' | 'previous') => {
        await samlResponseFromIdp(s, rolling, c.id, user);
        const requestId = rolling.receivedRequests().at(-1)!.id;
        return postAcs(s, c.id, await rolling.loginResponse({ user, requestId, signedBy }));
      };
      // Only the old certificate is trusted: the new key's signature is refused.
      expect((await signIn('current')).statusCode).toBe(401);
      const withBoth = await s.rt.sso.connections.addCertificate(ssoAdmin, 'roll', c.id, rolling.signingCertificatePem());
      expect(withBoth.saml!.certificates).toHaveLength(2);
      expect((await signIn('current')).statusCode).toBe(303);
      expect((await signIn('previous')).statusCode).toBe(303);
      await s.rt.sso.connections.removeCertificate(ssoAdmin, 'roll', c.id, withBoth.saml!.certificates[0].fingerprint);
      const refused = await signIn('previous');
      expect(refused.statusCode).toBe(401);
      expect(refused.body).toContain('sso.saml_signature_invalid');
      expect((await signIn('current')).statusCode).toBe(303);
    } finally {
      await rolling.close();
    }
  });

  it('serves the SP metadata with the SP entity id, ACS and certificate', async () => {
    const res = await s.app.inject({ method: 'GET', url: `/sso/saml/${conn.id}/metadata` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/samlmetadata+xml');
    expect(res.body).toContain(`entityID="${conn.saml!.spEntityId}"`);
    expect(res.body).toContain(conn.saml!.acsUrl);
    expect(res.body).toContain(conn.saml!.spCertificate.replace(/-----[^-]+-----|\s/g, '').slice(0, 40));
    expect((await s.app.inject({ method: 'GET', url: '/sso/saml/nope/metadata' })).statusCode).toBe(404);
  });
});
