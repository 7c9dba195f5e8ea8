import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, type HttpSuite } from '../support/http.ts';
import { PageClient, visibleText } from '../support/page-client.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { formFields } from '../support/saml-connection.ts';
import { countRows, orgWithDomain, samlConnection, ssoAdmin } from '../support/sso.ts';
import type { Connection } from '../../src/sso/connection-settings.ts';

const PASSWORD = 'harbor-violet-cascade-ember-58';

/** The login page sends addresses of routed domains to their IdP; enforcement refuses passwords; a setup link lets a customer test its connection. */
describe.each(DIALECTS)('SSO routing, enforcement and self-serve setup on %s', (dialect) => {
  let s: HttpSuite;
  let idp: SamlIdp;
  let conn: Connection;
  const refreshTarget = (body: string) => /http-equiv="refresh" content="0;url=([^"]+)"/.exec(body)?.[1]?.replace(/&amp;/g, '&') ?? null;

  beforeAll(async () => {
    s = await startHttpSuite(dialect);
    idp = await startSamlIdp();
    await orgWithDomain(s.rt, 'acme', 'acme.test');
    conn = await samlConnection(s.rt, 'acme', idp);
    const bob = await s.rt.identity.createUser(ssoAdmin, { email: 'bob@acme.test', name: 'Bob' }, { orgRef: 'acme' });
    await s.rt.authn.setPassword(ssoAdmin, bob.id, PASSWORD);
    await s.rt.identity.createOrganization(ssoAdmin, { slug: 'plain', name: 'Plain' });
    const carol = await s.rt.identity.createUser(ssoAdmin, { email: 'carol@plain.test', name: 'Carol' }, { orgRef: 'plain' });
    await s.rt.authn.setPassword(ssoAdmin, carol.id, PASSWORD);
  });
  afterAll(async () => {
    await idp?.close();
    await s?.close();
  });

  it('an address in a verified domain goes to its organization IdP; others are told to use a password', async () => {
    const page = new PageClient(s.app);
    await page.get('/login?return_to=/account');
    const routed = await page.post('/login', { email: 'Someone@ACME.test', password: '', sso: '1', return_to: '/account' });
    expect(routed.statusCode).toBe(200);
    const target = refreshTarget(routed.body)!;
    expect(target).toBe(`/sso/${conn.id}/login?return_to=%2Faccount&login_hint=Someone%40ACME.test`);
    const start = await page.get(target);
    expect(start.statusCode).toBe(303);
    expect(String(start.headers.location)).toMatch(new RegExp(`^${idp.ssoUrl}\\?SAMLRequest=`));

    await page.get('/login');
    const notRouted = await page.post('/login', { email: 'carol@plain.test', password: '', sso: '1' });
    expect(notRouted.statusCode).toBe(422);
    expect(visibleText(notRouted.body)).toContain('Single sign-on is not set up for this email address');
    // A password sign-in outside routed domains is unchanged.
    await page.get('/login');
    expect((await page.post('/login', { email: 'carol@plain.test', password: PASSWORD })).statusCode).toBe(303);
  });

  it('with ssoEnforced, a correct password is refused and the login page routes to the IdP; a wrong one stays a plain refusal', async () => {
    const bob = (await s.rt.identity.findUserByEmail('bob@acme.test'))!;
    const web = { actor: { type: 'system' as const, id: 'hosted-pages', display: 'test' }, request: { ip: '203.0.113.9', userAgent: 'vitest', requestId: 'r1' } };
    expect((await s.rt.authn.beginPasswordLogin(web, { email: 'bob@acme.test', password: PASSWORD })).mfaRequired).toBe(false);
    await s.rt.identity.updateOrganization(ssoAdmin, 'acme', { settings: { ssoEnforced: true } });
    try {
      const sessions = await countRows(s.rt, 'sessions');
      await expect(s.rt.authn.beginPasswordLogin(web, { email: 'bob@acme.test', password: PASSWORD })).rejects.toMatchObject({ code: 'authn.sso_required' });
      await expect(s.rt.authn.beginPasswordLogin(web, { email: 'bob@acme.test', password: 'wrong-password-entirely-9' })).rejects.toMatchObject({ code: 'authn.login_failed' });
      expect(await countRows(s.rt, 'sessions')).toBe(sessions);
      const failed = (await s.rt.ledger.listEvents({ actionPrefix: 'authn.login.failed', targetId: bob.id }, { limit: 100 })).events;
      expect(failed.map((e) => e.data.reason)).toContain('sso_required');

      const page = new PageClient(s.app);
      await page.get('/login');
      const res = await page.post('/login', { email: 'bob@acme.test', password: PASSWORD });
      expect(refreshTarget(res.body)).toContain(`/sso/${conn.id}/login`);
      expect(page.cookies.has('kl_session')).toBe(false);
    } finally {
      await s.rt.identity.updateOrganization(ssoAdmin, 'acme', { settings: { ssoEnforced: false } });
    }
  });

  it('a setup link opens the setup page once its token leaves the address bar; a test sign-in shows the attributes and signs nobody in', async () => {
    const fresh = await orgWithDomain(s.rt, 'initech', 'initech.test');
    const { url, link } = await s.rt.sso.setupLinks.create(ssoAdmin, 'initech', { email: 'it@initech.test' });
    const page = new PageClient(s.app);
    const opened = await page.get(new URL(url).pathname);
    expect(opened.statusCode).toBe(303);
    expect(opened.headers.location).toBe('/sso/setup');
    const setup = await page.follow();
    expect(setup.statusCode).toBe(200);
    expect(setup.body).toContain(`/sso/saml/${link.connectionId}/acs`);

    const saved = await page.post('/sso/setup/saml', { metadata_url: idp.metadataUrl, metadata_xml: '' });
    expect(saved.statusCode).toBe(200);
    expect(visibleText(saved.body)).toContain('The SAML connection is saved.');
    // Saving again (a second tab still showing the form) is refused with a message, not a server error.
    const twice = await page.post('/sso/setup/saml', { _csrf: page.csrfToken(), metadata_url: idp.metadataUrl, metadata_xml: '' });
    expect(twice.statusCode).toBe(422);
    expect(visibleText(twice.body)).toContain('configured its connection already');
    const connection = await s.rt.sso.connections.get('initech', link.connectionId);
    expect(connection.saml?.idpEntityId).toBe(idp.entityId);
    const created = (await s.rt.ledger.listEvents({ actionPrefix: 'sso.connection.created', orgId: fresh.orgId }, { limit: 10 })).events[0];
    expect(created.actor).toMatchObject({ type: 'sso_setup_link', id: link.id });
    idp.trustServiceProvider(await s.rt.sso.spMetadata(connection.id));

    const users = await countRows(s.rt, 'users');
    const sessions = await countRows(s.rt, 'sessions');
    const started = await page.post('/sso/setup/test', {});
    const toIdp = refreshTarget(started.body) ?? String(started.headers.location);
    expect(toIdp.startsWith(idp.ssoUrl)).toBe(true);
    idp.setNextUser({ nameId: 'tester@initech.test', email: 'tester@initech.test', givenName: 'Tess', groups: ['Staff'] });
    const form = formFields(await (await fetch(toIdp)).text());
    const acs = await page.post(new URL(form.action).pathname, { _csrf: null, SAMLResponse: form.samlResponse, ...(form.relayState ? { RelayState: form.relayState } : {}) }, { 'sec-fetch-site': 'cross-site' });
    const resultUrl = refreshTarget(acs.body) ?? String(acs.headers.location);
    expect(resultUrl).toMatch(/^\/sso\/setup\?tested=/);
    const result = await page.get(resultUrl);
    const text = visibleText(result.body);
    expect(text).toContain('Last test: succeeded');
    expect(text).toContain('tester@initech.test');
    expect(text).toContain('Staff');
    expect(await countRows(s.rt, 'users')).toBe(users);
    expect(await countRows(s.rt, 'sessions')).toBe(sessions);
    expect(page.cookies.has('kl_session')).toBe(false);
    const tested = (await s.rt.ledger.listEvents({ actionPrefix: 'sso.connection.tested', orgId: fresh.orgId }, { limit: 10 })).events;
    expect(tested[0].data).toMatchObject({ outcome: 'succeeded', subject: 'tester@initech.test' });

    // A revoked link opens nothing.
    await s.rt.sso.setupLinks.revoke(ssoAdmin, 'initech', link.id);
    const after = await page.get('/sso/setup');
    expect(after.statusCode).toBe(404);
    expect(after.body).toContain('expired or revoked');
  });

  it('a malformed or unknown setup link is refused without a cookie', async () => {
    const page = new PageClient(s.app);
    expect((await page.get('/sso/setup/kl_ssosetup_short')).statusCode).toBe(404);
    expect((await page.get(`/sso/setup/kl_ssosetup_${'A'.repeat(43)}`)).statusCode).toBe(404);
    expect(page.cookies.has('kl_sso_setup')).toBe(false);
    expect((await page.get('/sso/setup')).statusCode).toBe(404);
  });
});
