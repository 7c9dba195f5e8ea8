import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { openSignedInConsole, startConsoleSuite, unlockChanges, type ConsoleSuite } from '../support/console.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { CORE_USER } from '../support/scim.ts';
import { signHrEvent } from '../../src/lifecycle/hr-signature.ts';

/**
 * The Connections area of the console, driven as an administrator would:
 * an SSO connection from uploaded IdP metadata (with the SP values and a
 * domain), a SCIM directory whose token really provisions a user and then
 * rotates, and an HR source with its secret rotated. Each change is checked
 * through the API and the ledger.
 */
describe.each(DIALECTS)('console: connections (%s)', (dialect) => {
  let s: ConsoleSuite;
  let idp: SamlIdp;
  let page: Page;
  let org: string;

  beforeAll(async () => {
    s = await startConsoleSuite(dialect);
    idp = await startSamlIdp();
    org = `/api/v1/organizations/${s.admin.orgId}`;
    ({ page } = await openSignedInConsole(s, { passkey: true }));
  }, 120_000);
  afterAll(async () => {
    await idp?.close();
    await s?.close();
  });

  const secretShown = async () => (await page.getByTestId('one-time-secret').textContent())!.trim();

  it('refuses a change before the passkey is proved: the step-up notice, and no HR source', async () => {
    await page.goto('/console/connections/hr');
    await page.getByLabel('HR source name').fill('Too early');
    await page.getByRole('button', { name: 'Create HR source' }).click();
    await page.getByText('Confirm it is you.').waitFor();
    expect((await s.api(`GET`, `${org}/hr-sources`)).items).toEqual([]);
    await unlockChanges(page);
  });

  it('sets up a SAML connection from uploaded metadata: invalid XML refused with its code, SP values shown, a domain attested', async () => {
    await page.goto('/console/connections/sso');
    await page.getByRole('heading', { name: 'Single sign-on', level: 1 }).waitFor();
    await page.getByText('No SSO connection yet').waitFor();
    await s.screenshot(page, 'console-sso');

    await page.getByRole('link', { name: 'Set up a connection' }).click();
    await page.getByRole('radio', { name: /SAML 2\.0/ }).check();
    await s.screenshot(page, 'console-sso-wizard-1');
    await page.getByRole('button', { name: 'Continue' }).click();

    // Not metadata: the API's stable code is shown, nothing is created.
    await page.getByLabel('Connection name').fill('Okta');
    await page.getByRole('textbox', { name: 'Metadata XML' }).fill('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('alert').filter({ hasText: 'sso.metadata_invalid' }).waitFor();
    expect((await s.api('GET', `${org}/sso-connections`)).items).toEqual([]);

    await page.getByLabel('Metadata file').setInputFiles({ name: 'okta-metadata.xml', mimeType: 'application/xml', buffer: Buffer.from(idp.metadataXml()) });
    await page.getByText(/Read okta-metadata\.xml/).waitFor();
    expect(await page.getByRole('textbox', { name: 'Metadata XML' }).inputValue()).toContain(idp.entityId);
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByText('Give these values to the identity provider').waitFor();
    const [conn] = (await s.api('GET', `${org}/sso-connections`)).items;
    expect(conn).toMatchObject({ type: 'saml', name: 'Okta', saml: { idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl } });
    expect(await page.getByTestId('copy-ACS URL').textContent()).toBe(`${s.baseUrl}/sso/saml/${conn.id}/acs`);
    expect(await page.getByTestId('copy-SP entity ID').textContent()).toBe(conn.saml.spEntityId);
    expect(await page.getByTestId('copy-SP metadata URL').textContent()).toBe(conn.saml.spMetadataUrl);
    await s.screenshot(page, 'console-sso-wizard');

    await page.getByRole('button', { name: 'Continue to domains' }).click();
    await page.getByLabel('Domain to add').fill('acme-example.com');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByTestId('copy-TXT value for acme-example.com').waitFor();
    const [domain] = (await s.api('GET', `${org}/sso-domains`)).items;
    expect(domain).toMatchObject({ domain: 'acme-example.com', verified: false });
    expect(await page.getByTestId('copy-TXT value for acme-example.com').textContent()).toBe(domain.txtRecord.value);
    expect(await page.getByTestId('copy-TXT name for acme-example.com').textContent()).toBe('_keyledger-verification.acme-example.com');
    await s.screenshot(page, 'console-sso-wizard-3');
    await page.getByRole('button', { name: 'Attest instead' }).click();
    await page.getByLabel('Attestation for acme-example.com').fill('Checked the registrar account with the customer on a call.');
    await page.getByRole('button', { name: 'Attest ownership of acme-example.com' }).click();
    await page.getByText('verified (attested)').waitFor();
    const verified = await s.api('GET', `/api/v1/audit/events?action=sso.domain.verified&target=${domain.id}`);
    expect(verified.items).toHaveLength(1);
    expect(verified.items[0].data).toMatchObject({ via: 'attestation' });

    await page.getByRole('button', { name: 'Continue to test and enable' }).click();
    await page.getByRole('heading', { name: 'Recent tests' }).waitFor();
    await page.getByText('Not tested yet').waitFor();
    await page.getByRole('button', { name: 'Disable connection' }).click();
    await page.getByRole('button', { name: 'Enable connection' }).waitFor();
    expect((await s.api('GET', `${org}/sso-connections/${conn.id}`)).status).toBe('disabled');
    await page.getByRole('button', { name: 'Enable connection' }).click();
    await page.getByRole('button', { name: 'Disable connection' }).waitFor();
    expect((await s.api('GET', `${org}/sso-connections/${conn.id}`)).status).toBe('active');
    await s.screenshot(page, 'console-sso-wizard-4');

    await page.getByRole('link', { name: 'Finish: open the connection' }).click();
    await page.getByRole('heading', { name: 'SSO connection: Okta' }).waitFor();
    await page.getByRole('table', { name: 'Trusted IdP signing certificates' }).getByText(conn.saml.certificates[0].fingerprint).waitFor();
    await s.screenshot(page, 'console-sso-connection');
  });

  it('creates a SCIM directory whose token provisions a user, shows that sync event, and rotates the token', async () => {
    await page.goto('/console/connections/scim');
    await page.getByLabel('Directory name').fill('Okta directory');
    await page.getByRole('button', { name: 'Create directory' }).click();
    const token = await secretShown();
    expect(token).toMatch(/^kl_scim_/);
    const baseUrl = (await page.getByTestId('copy-SCIM base URL').first().textContent())!;
    const [dir] = (await s.api('GET', `${org}/scim-directories`)).items;
    expect(baseUrl).toBe(dir.baseUrl);
    await s.screenshot(page, 'console-scim');

    const scim = (t: string, method: string, path: string, body?: unknown) =>
      fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${t}`, accept: 'application/scim+json', ...(body ? { 'content-type': 'application/scim+json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const created = await scim(token, 'POST', '/Users', { schemas: [CORE_USER], userName: 'jane.doe@acme-example.com', name: { givenName: 'Jane', familyName: 'Doe' }, emails: [{ primary: true, value: 'jane.doe@acme-example.com', type: 'work' }], active: true });
    expect(created.status).toBe(201);

    await page.getByRole('link', { name: 'Okta directory' }).first().click();
    await page.getByRole('heading', { name: 'SCIM directory: Okta directory' }).waitFor();
    const events = await s.api('GET', `/api/v1/audit/events?actor=${dir.id}&action=scim.user.created`);
    expect(events.items).toHaveLength(1);
    const sync = page.getByRole('table', { name: 'Last sync events of the directory' });
    await sync.getByText('scim.user.created').waitFor();
    expect(await sync.getByRole('link', { name: `event #${events.items[0].seq}` }).getAttribute('href')).toBe(`/console/audit/events/${events.items[0].id}`);
    expect(await sync.getByText('scim.resources.read').count()).toBe(0);
    await s.screenshot(page, 'console-scim-directory');

    await page.getByLabel('Current tokens keep working for').selectOption('0');
    await page.getByRole('button', { name: 'Rotate token' }).click();
    await page.getByTestId('one-time-secret').waitFor();
    const rotated = await secretShown();
    expect(rotated).toMatch(/^kl_scim_/);
    expect(rotated).not.toBe(token);
    expect((await scim(token, 'GET', '/Users')).status).toBe(401);
    expect((await scim(rotated, 'GET', '/Users')).status).toBe(200);
    const tokens = (await s.api('GET', `${org}/scim-directories/${dir.id}/tokens`)).items as Array<{ prefix: string; state: string }>;
    expect(tokens.filter((t) => t.state === 'active').map((t) => t.prefix)).toEqual([rotated.slice(0, tokens[0].prefix.length)]);
  });

  it('creates an HR source, shows its secret once and rotates it', async () => {
    await page.goto('/console/connections/hr');
    await page.getByLabel('HR source name').fill('Workday');
    await page.getByRole('button', { name: 'Create HR source' }).click();
    const first = await secretShown();
    expect(first).toMatch(/^kl_hr_/);
    const [source] = (await s.api('GET', `${org}/hr-sources`)).items;
    expect(source).toMatchObject({ name: 'Workday', status: 'active' });
    expect(first.startsWith(source.secretPrefix)).toBe(true);
    expect(await page.getByTestId('copy-HR webhook URL').textContent()).toBe(`${s.baseUrl}/api/v1/lifecycle/hr-events`);

    await page.getByLabel('When rotating, the old secret keeps working for').selectOption('0');
    await page.getByRole('button', { name: 'Rotate secret of Workday' }).click();
    await page.getByRole('region', { name: 'New signing secret of Workday' }).waitFor();
    const second = await secretShown();
    expect(second).not.toBe(first);
    await s.screenshot(page, 'console-hr');

    const send = (secret: string, id: string) => {
      const body = JSON.stringify({ id, type: 'employee.terminated', employeeId: 'E-nobody', effectiveAt: '2026-01-01T00:00:00Z' });
      const t = Math.floor(Date.now() / 1000);
      return fetch(`${s.baseUrl}/api/v1/lifecycle/hr-events`, { method: 'POST', headers: { 'content-type': 'application/json', 'keyledger-source': source.id, 'keyledger-signature': `t=${t},v1=${signHrEvent(secret, t, body)}` }, body });
    };
    expect((await send(first, 'evt-old')).status).toBe(401);
    expect((await send(second, 'evt-new')).status).toBe(202);
  });
});
