import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, type HttpSuite } from '../support/http.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { ATTACKER_NAME_ID, commentInNameId, decodeSamlResponse, duplicateIds, encodeSamlResponse, removeSignatures, resignWithAttackerKey, swapAudience, twoAssertions, xsw1, xsw2, xsw3, xsw4, xsw5, xsw6, xsw7, xsw8 } from '../support/saml-attacks.ts';
import { countRows, orgWithDomain, postAcs, samlConnection, sessionCookieOf, ssoAdmin } from '../support/sso.ts';
import type { Connection } from '../../src/sso/connection-settings.ts';

/**
 * The attack suite through Keyledger's real ACS: each forgery starts from a
 * response the IdP signed for a sign-in Keyledger started, is refused with its
 * own code, opens no session, creates no account, is recorded as
 * `sso.login.failed` — and leaves the pending sign-in usable, which the
 * untampered response then proves by signing in.
 */
describe.each(DIALECTS)('SAML attacks against the ACS on %s', (dialect) => {
  let s: HttpSuite;
  let idp: SamlIdp;
  let conn: Connection;
  const victim = { nameId: 'alice@acme.test', email: 'alice@acme.test', givenName: 'Alice' };

  /** A response the IdP signed (as `sign` says) for a request Keyledger just started. */
  async function signedForRequest(sign: 'assertion' | 'response' | 'both', user = victim): Promise<{ xml: string; clean: string }> {
    const start = await s.app.inject({ method: 'GET', url: `/sso/${conn.id}/login` });
    expect(start.statusCode).toBe(303);
    // The IdP takes the AuthnRequest (checking its signature) as a browser would bring it.
    idp.setNextUser(user);
    expect((await fetch(String(start.headers.location))).status).toBe(200);
    const requestId = idp.receivedRequests().at(-1)!.id;
    const clean = await idp.loginResponse({ user, requestId, sign });
    return { xml: decodeSamlResponse(clean), clean };
  }

  async function expectRefused(forged: string, status: number, code: string, clean: string | null): Promise<void> {
    const sessions = await countRows(s.rt, 'sessions');
    const users = await countRows(s.rt, 'users');
    const res = await postAcs(s, conn.id, encodeSamlResponse(forged));
    expect(res.statusCode).toBe(status);
    expect(res.body).toContain(code);
    expect(res.body).not.toContain(ATTACKER_NAME_ID);
    expect(sessionCookieOf(res)).toBeNull();
    expect(await countRows(s.rt, 'sessions')).toBe(sessions);
    expect(await countRows(s.rt, 'users')).toBe(users);
    const failed = (await s.rt.ledger.listEvents({ actionPrefix: 'sso.login.failed' }, { limit: 1000 })).events.at(-1)!;
    expect(failed.data).toMatchObject({ connectionId: conn.id, code });
    if (clean) {
      // The forgery did not use up the sign-in it rode on: the genuine response still completes it.
      const genuine = await postAcs(s, conn.id, clean);
      expect(genuine.statusCode).toBe(303);
      expect(sessionCookieOf(genuine)).not.toBeNull();
    }
  }

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

  for (const [name, attack] of Object.entries({ xsw1, xsw2 })) {
    it(`${name} (Response wrapping) is refused`, async () => {
      const { xml, clean } = await signedForRequest('both');
      await expectRefused(attack(xml), 401, 'sso.saml_signature_invalid', clean);
    });
  }
  for (const [name, attack] of Object.entries({ xsw3, xsw4, xsw5, xsw6, xsw7, xsw8 })) {
    it(`${name} (assertion wrapping) is refused`, async () => {
      const { xml, clean } = await signedForRequest('assertion');
      await expectRefused(attack(xml), 401, 'sso.saml_signature_invalid', clean);
    });
  }

  it('signature removal, an attacker key in KeyInfo, a rewritten audience and a duplicated ID are refused', async () => {
    for (const forge of [removeSignatures, (x: string) => swapAudience(x, 'https://other-sp.example.com'), duplicateIds]) {
      const { xml, clean } = await signedForRequest('assertion');
      await expectRefused(forge(xml), 401, 'sso.saml_signature_invalid', clean);
    }
    const { xml, clean } = await signedForRequest('assertion');
    await expectRefused(await resignWithAttackerKey(xml), 401, 'sso.saml_signature_invalid', clean);
  });

  it('two assertions in one response are refused', async () => {
    const first = await signedForRequest('assertion');
    const second = await signedForRequest('assertion', { nameId: 'mallory@acme.test', email: 'mallory@acme.test', givenName: 'Mallory' });
    await expectRefused(twoAssertions(first.xml, second.xml), 401, 'sso.saml_multiple_assertions', first.clean);
  });

  it('a comment in the NameID never truncates it: admin@acme.test<!---->.evil.com stays an address outside the verified domain', async () => {
    const registered = 'admin@acme.test.evil.com';
    const { xml } = await signedForRequest('assertion', { nameId: registered, email: registered, givenName: 'Eve' });
    const tricked = commentInNameId(xml, '.evil.com');
    expect(tricked).toContain('admin@acme.test<!---->.evil.com');
    await expectRefused(tricked, 403, 'sso.identity_outside_domains', null);
    expect(await s.rt.identity.findUserByEmail('admin@acme.test')).toBeUndefined();
  });

  it('a replayed assertion is refused after its first use', async () => {
    await s.rt.sso.connections.update(ssoAdmin, 'acme', conn.id, { allowIdpInitiated: true });
    const unsolicited = await idp.loginResponse({ user: victim });
    expect((await postAcs(s, conn.id, unsolicited)).statusCode).toBe(303);
    await expectRefused(decodeSamlResponse(unsolicited), 401, 'sso.saml_replayed', null);
  });
});
