import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startBrowserSuite, type BrowserSuite } from '../support/browser.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.ts';
import { orgWithDomain, samlConnection, ssoAdmin } from '../support/sso.ts';

/**
 * Enterprise SSO in a real browser: the person types their work address on
 * Keyledger's login page, is routed to their organization's IdP (a samlify
 * SAML IdP, or a second oidc-provider), signs in there, and comes back signed
 * in to an account provisioned just in time, visible in the API and ledger.
 */
for (const dialect of DIALECTS) {
  describe(`in Chromium on ${dialect}: sign-in routed to the organization's IdP`, () => {
    let b: BrowserSuite;
    let saml: SamlIdp;
    let oidc: OidcIdp;
    let adminKey: string;
    const api = async (url: string) => (await b.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${adminKey}` } })).json();

    beforeAll(async () => {
      b = await startBrowserSuite(dialect);
      adminKey = (await b.t.rt.apiKeys.create(ssoAdmin, { name: 'e2e', scopes: ['admin:read', 'audit:read'], expiresAt: null })).key;
      saml = await startSamlIdp();
      await orgWithDomain(b.t.rt, 'acme', 'acme.test');
      await samlConnection(b.t.rt, 'acme', saml);
      oidc = await startOidcIdp();
      await orgWithDomain(b.t.rt, 'globex', 'globex.test');
      const conn = await b.t.rt.sso.connections.create(ssoAdmin, 'globex', { type: 'oidc', name: 'Globex IdP', issuer: oidc.issuer, clientId: 'keyledger', clientSecret: 'globex-client-secret-0123456789' });
      oidc.registerClient({ clientId: 'keyledger', clientSecret: 'globex-client-secret-0123456789', redirectUris: [conn.oidc!.redirectUri] });
    });
    afterAll(async () => {
      await saml?.close();
      await oidc?.close();
      await b?.close();
    });

    it('SAML: email on the login page → the IdP → back signed in; the new account is in the API and the ledger', async () => {
      const context = await b.newContext();
      const page = await context.newPage();
      await page.goto('/login');
      await page.getByLabel('Email address').fill('ada@acme.test');
      saml.setNextUser({ nameId: 'ada@acme.test', email: 'ada@acme.test', givenName: 'Ada', familyName: 'Lovelace' });
      await page.getByRole('button', { name: 'Continue with single sign-on' }).click();
      await page.waitForURL(`${saml.ssoUrl}**`);
      await b.screenshot(page, 'sso-saml-idp');
      await page.getByRole('button', { name: 'Sign in as ada@acme.test' }).click();
      await page.waitForURL('**/account');
      expect(await page.locator('main p').first().textContent()).toContain('Signed in as ada@acme.test');
      await b.screenshot(page, 'sso-saml-signed-in');

      const members = await api('/api/v1/organizations/acme/members?limit=50');
      const ada = members.items.find((u: { email: string }) => u.email === 'ada@acme.test');
      expect(ada).toMatchObject({ name: 'Ada Lovelace', status: 'active' });
      const events = await api('/api/v1/audit/events?action=sso.login.succeeded&limit=50');
      expect(events.items.some((e: { data: { userId: string; type: string } }) => e.data.userId === ada.id && e.data.type === 'saml')).toBe(true);
      await context.close();
    });

    it('OIDC: email on the login page → the IdP → back signed in', async () => {
      const context = await b.newContext();
      const page = await context.newPage();
      await page.goto('/login');
      await page.getByLabel('Email address').fill('hank@globex.test');
      oidc.setNextAccount({ sub: 'globex-0042', email: 'hank@globex.test', email_verified: true, given_name: 'Hank', family_name: 'Scorpio' });
      await page.getByRole('button', { name: 'Continue with single sign-on' }).click();
      await page.waitForURL(`${oidc.issuer}/**`);
      await b.screenshot(page, 'sso-oidc-idp');
      await page.getByRole('button', { name: /Continue as hank@globex\.test/ }).click();
      await page.waitForURL('**/account');
      expect(await page.locator('main p').first().textContent()).toContain('Signed in as hank@globex.test');
      const members = await api('/api/v1/organizations/globex/members?limit=50');
      expect(members.items.map((u: { email: string }) => u.email)).toContain('hank@globex.test');
      await context.close();
    });
  });
}
