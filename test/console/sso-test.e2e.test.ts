import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { openSignedInConsole, startConsoleSuite, unlockChanges, type ConsoleSuite } from '../support/console.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';

/** "Test connection" from the console: the button runs the real sign-in at the IdP, and the passed result is listed on return. */
describe.each(DIALECTS)('console SSO connection test on %s', (dialect) => {
  let s: ConsoleSuite;
  let idp: SamlIdp;
  let page: Page;
  let org: string;
  let conn: { id: string; name: string };

  beforeAll(async () => {
    s = await startConsoleSuite(dialect);
    idp = await startSamlIdp();
    org = `/api/v1/organizations/${s.admin.orgId}`;
    conn = await s.api('POST', `${org}/sso-connections`, { type: 'saml', name: 'Okta', metadataXml: idp.metadataXml() });
    idp.trustServiceProvider(await (await fetch(`${s.baseUrl}/sso/saml/${conn.id}/metadata`)).text());
    ({ page } = await openSignedInConsole(s, { passkey: true }));
  }, 120_000);
  afterAll(async () => {
    await idp?.close();
    await s?.close();
  });

  it('refuses to start a test before changes are unlocked: the step-up notice, and no test started', async () => {
    await page.goto(`/console/connections/sso/${conn.id}`);
    await page.getByRole('heading', { name: 'Recent tests' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Confirm it is you.').waitFor();
    expect((await s.api('GET', `/api/v1/audit/events?action=sso.connection.test_started`)).items).toEqual([]);
    await unlockChanges(page);
  });

  it('wizard step 4 offers the test; from the connection page the test signs in at the IdP, shows the result and lists it as passed', async () => {
    await page.goto(`/console/connections/sso/new?step=4&connection=${conn.id}`);
    await page.getByRole('heading', { name: 'Step 4: Test and enable' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).waitFor();
    await s.screenshot(page, 'console-sso-wizard-4-test');

    await page.goto(`/console/connections/sso/${conn.id}`);
    await page.getByText('Not tested yet').waitFor();
    idp.setNextUser({ nameId: 'tess@example.com', email: 'tess@example.com', givenName: 'Tess', groups: ['Staff'] });
    await page.getByRole('button', { name: 'Test connection' }).click();
    // The real IdP's sign-in page (it checked the signed AuthnRequest).
    await page.getByRole('button', { name: /Sign in as/ }).click();
    await page.getByRole('heading', { name: 'Connection test passed' }).waitFor();
    expect(await page.getByRole('table', { name: /Test result/ }).textContent()).toContain('tess@example.com');
    await s.screenshot(page, 'console-sso-test-result');

    await page.getByRole('link', { name: 'Back to the connection in the console' }).click();
    const tests = page.getByRole('table', { name: 'Recent connection tests' });
    await tests.getByText('tess@example.com').first().waitFor();
    expect(await tests.textContent()).toContain('succeeded');
    await s.screenshot(page, 'console-sso-connection-tested');

    const listed = (await s.api<{ items: Array<Record<string, unknown>> }>('GET', `${org}/sso-connections/${conn.id}/tests`)).items;
    expect(listed[0]).toMatchObject({ outcome: 'succeeded', subject: 'tess@example.com', errorCode: null });
    const started = (await s.api('GET', `/api/v1/audit/events?action=sso.connection.test_started`)).items;
    expect(started).toHaveLength(1);
    expect(started[0].actor).toMatchObject({ type: 'user', id: s.admin.userId });
    // A test opens no session for the tested person.
    expect((await s.api('GET', `/api/v1/audit/events?action=sso.login.succeeded`)).items).toEqual([]);
  });
});
