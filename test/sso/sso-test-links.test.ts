import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.ts';
import { DIALECTS } from '../support/databases.ts';
import { expectError, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { PageClient, visibleText } from '../support/page-client.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { formFields } from '../support/saml-connection.ts';
import { actionEvents, countRows, orgWithDomain, samlConnection } from '../support/sso.ts';
import type { Connection } from '../../src/sso/connection-settings.ts';

const TESS = { nameId: 'tess@acme.test', email: 'tess@acme.test', givenName: 'Tess', groups: ['Staff'] };

/** "Test connection" started through the admin API: a one-time link runs the real sign-in at the IdP, records the result and signs nobody in. */
describe.each(DIALECTS)('SSO connection tests started from the admin API on %s', (dialect) => {
  let s: HttpSuite;
  let idp: SamlIdp;
  let conn: Connection;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock(new Date());
    s = await startHttpSuite(dialect, { clock });
    idp = await startSamlIdp();
    await orgWithDomain(s.rt, 'acme', 'acme.test');
    await orgWithDomain(s.rt, 'globex', 'globex.test');
    conn = await samlConnection(s.rt, 'acme', idp);
  });
  afterAll(async () => {
    await idp?.close();
    await s?.close();
  });

  async function startTest(org = 'acme', connectionId = conn.id) {
    const res = await s.request('POST', `/api/v1/organizations/${org}/sso-connections/${connectionId}/tests`);
    expect(res.statusCode).toBe(201);
    return res.json() as { testId: string; url: string; expiresAt: string };
  }

  /** Opens the link in a fresh browser and follows it to the IdP; returns the browser and the AuthnRequest id. */
  async function openAtIdp(url: string) {
    const page = new PageClient(s.app);
    const opened = await page.get(new URL(url).pathname);
    expect(opened.statusCode).toBe(303);
    const toIdp = String(opened.headers.location);
    expect(toIdp.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
    idp.setNextUser(TESS);
    const form = formFields(await (await fetch(toIdp)).text());
    const requests = idp.receivedRequests();
    return { page, form, requestId: requests[requests.length - 1].id };
  }

  /** Posts what the IdP's page posts to the ACS, then follows to the result page. */
  async function postBack(page: PageClient, samlResponse: string, relayState: string | null) {
    const acs = await page.post(`/sso/saml/${conn.id}/acs`, { _csrf: null, SAMLResponse: samlResponse, ...(relayState ? { RelayState: relayState } : {}) }, { 'sec-fetch-site': 'cross-site' });
    // A redirect after a cross-site post is a page that moves on by itself.
    const location = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(acs.body)?.[1]?.replace(/&amp;/g, '&') ?? String(acs.headers.location);
    expect(location).toMatch(/^\/sso\/test-result\?tested=/);
    return { location, result: await page.get(location) };
  }

  it('a test link runs the real sign-in: the passed result shows the mapped attributes, is listed and recorded, and nobody is signed in or created', async () => {
    const users = await countRows(s.rt, 'users');
    const sessions = await countRows(s.rt, 'sessions');
    const started = await startTest();
    expect(started.url).toMatch(/\/sso\/test\/kl_ssotest_[A-Za-z0-9_-]{43}$/);
    const row = await s.rt.database.db.selectFrom('sso_test_links').selectAll().where('id', '=', started.testId).executeTakeFirstOrThrow();
    // Only the hash is stored, and the link is never in the ledger.
    expect(row.token_hash).not.toContain('kl_ssotest_');
    const startedEvents = await actionEvents(s.rt, 'sso.connection.test_started');
    expect(startedEvents.at(-1)).toMatchObject({ actor: { type: 'api_key', id: s.adminKeyId }, data: { connectionId: conn.id, testId: started.testId, expiresAt: started.expiresAt } });
    expect(JSON.stringify(startedEvents)).not.toContain(new URL(started.url).pathname.split('/').pop());

    const { page, form } = await openAtIdp(started.url);
    const { location, result } = await postBack(page, form.samlResponse, form.relayState);
    expect(result.statusCode).toBe(200);
    const text = visibleText(result.body);
    expect(text).toContain('Connection test passed');
    expect(text).toContain('tess@acme.test');
    expect(text).toContain('Staff');
    expect(result.body).toContain(`href="/console/connections/sso/${conn.id}"`);

    expect(await countRows(s.rt, 'users')).toBe(users);
    expect(await countRows(s.rt, 'sessions')).toBe(sessions);
    expect(page.cookies.has('kl_session')).toBe(false);
    const listed = (await s.request('GET', `/api/v1/organizations/acme/sso-connections/${conn.id}/tests`)).json().items;
    expect(listed[0]).toMatchObject({ outcome: 'succeeded', subject: 'tess@acme.test', email: 'tess@acme.test', errorCode: null });
    expect((await actionEvents(s.rt, 'sso.connection.tested')).at(-1)?.data).toMatchObject({ outcome: 'succeeded', subject: 'tess@acme.test', code: null, reason: null });
    expect(await actionEvents(s.rt, 'sso.login.succeeded')).toHaveLength(0);

    // Another browser cannot read the result, even with its id.
    const stranger = await new PageClient(s.app).get(location);
    expect(stranger.statusCode).toBe(404);
  });

  it('an altered assertion and a wrong audience are recorded as failed tests with their reason, and open nothing', async () => {
    const sessions = await countRows(s.rt, 'sessions');
    const altered = await openAtIdp((await startTest()).url);
    const xml = Buffer.from(altered.form.samlResponse, 'base64').toString('utf8');
    expect(xml).toContain('tess@acme.test');
    const forged = Buffer.from(xml.replaceAll('tess@acme.test', 'mallory@acme.test'), 'utf8').toString('base64');
    const first = await postBack(altered.page, forged, altered.form.relayState);
    expect(first.result.statusCode).toBe(200);
    expect(visibleText(first.result.body)).toContain('Connection test failed');
    expect(visibleText(first.result.body)).toContain('sso.saml_signature_invalid');
    const failedSig = (await actionEvents(s.rt, 'sso.connection.tested')).at(-1)!;
    expect(failedSig.data).toMatchObject({ outcome: 'failed', code: 'sso.saml_signature_invalid', reason: expect.any(String) });

    const wrongAudience = await openAtIdp((await startTest()).url);
    const response = await idp.loginResponse({ user: TESS, requestId: wrongAudience.requestId, audience: 'https://evil.test/sp' });
    const second = await postBack(wrongAudience.page, response, null);
    expect(visibleText(second.result.body)).toContain('sso.saml_audience_mismatch');
    const listed = (await s.request('GET', `/api/v1/organizations/acme/sso-connections/${conn.id}/tests`)).json().items;
    expect(listed.slice(0, 2).map((t: { outcome: string; errorCode: string }) => [t.outcome, t.errorCode])).toEqual([
      ['failed', 'sso.saml_audience_mismatch'],
      ['failed', 'sso.saml_signature_invalid'],
    ]);
    // Refusals of a test are the test's result, not failed sign-ins.
    expect(await actionEvents(s.rt, 'sso.login.failed')).toHaveLength(0);
    expect(await countRows(s.rt, 'sessions')).toBe(sessions);
  });

  it('a link opens once, and not after it expired', async () => {
    const { url } = await startTest();
    const path = new URL(url).pathname;
    expect((await new PageClient(s.app).get(path)).statusCode).toBe(303);
    const again = await new PageClient(s.app).get(path);
    expect(again.statusCode).toBe(404);
    expect(visibleText(again.body)).toContain('sso.test_link_invalid');
    // Garbage in the place of a token is refused the same way.
    expect((await new PageClient(s.app).get('/sso/test/kl_ssotest_short')).statusCode).toBe(404);

    const late = await startTest();
    const now = clock.now();
    clock.advance(10 * 60 * 1000 + 1000);
    try {
      const expired = await new PageClient(s.app).get(new URL(late.url).pathname);
      expect(expired.statusCode).toBe(404);
      expect(visibleText(expired.body)).toContain('sso.test_link_invalid');
    } finally {
      clock.set(now);
    }
    const row = await s.rt.database.db.selectFrom('sso_test_links').selectAll().where('id', '=', late.testId).executeTakeFirstOrThrow();
    expect(row.used_at).toBeNull();
  });

  it('another organization cannot start a test of a connection that is not its own, and a disabled connection is not tested', async () => {
    const before = await s.rt.database.db.selectFrom('sso_test_links').select('id').execute();
    expectError(await s.request('POST', `/api/v1/organizations/globex/sso-connections/${conn.id}/tests`), 404, 'sso.connection_not_found');
    const other = await samlConnection(s.rt, 'globex', idp);
    await s.request('PATCH', `/api/v1/organizations/globex/sso-connections/${other.id}`, { body: { status: 'disabled' } });
    expectError(await s.request('POST', `/api/v1/organizations/globex/sso-connections/${other.id}/tests`), 409, 'sso.connection_disabled');
    const readOnly = await s.issueKey('reader', ['admin:read']);
    expect((await s.request('POST', `/api/v1/organizations/acme/sso-connections/${conn.id}/tests`, { key: readOnly.key })).statusCode).toBe(403);
    expect(await s.rt.database.db.selectFrom('sso_test_links').select('id').execute()).toEqual(before);
  });
});
