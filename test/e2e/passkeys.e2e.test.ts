import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startBrowserSuite, type BrowserSuite } from '../support/browser.ts';
import { systemContext } from '../../src/audit/event.ts';

const PASSWORD = 'quartz-lantern-orbit-meadow-42';
const admin = systemContext('test', 'browser test setup');

for (const dialect of DIALECTS) {
  describe(`in Chromium on ${dialect}: passkeys through the DevTools virtual authenticator`, () => {
    let b: BrowserSuite;
    let userId: string;
    beforeAll(async () => {
      b = await startBrowserSuite(dialect);
      await b.t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme', settings: { mfaPolicy: 'phishing_resistant' } });
      userId = (await b.t.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada' }, { orgRef: 'acme' })).id;
      await b.t.rt.authn.setPassword(admin, userId, PASSWORD);
    });
    afterAll(async () => b?.close());

    it('registers a passkey on the account page, then signs in with it without typing a username', async () => {
      const context = await b.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      });

      await page.goto('/login?org=acme');
      await page.getByLabel('Email address').fill('ada@acme.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL('**/account');
      // The organization requires a passkey; the page says so until the session has one.
      expect(await page.locator('#mfa-required').textContent()).toContain('Acme requires a passkey');
      await b.screenshot(page, 'passkey-required');

      await page.getByLabel('Name for the new passkey').fill('Virtual key');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.waitForURL('**/account?done=passkey_added');
      await b.screenshot(page, 'passkey-added');
      expect(await page.locator('section[aria-labelledby="passkeys-title"] tbody tr').count()).toBe(1);
      const stored = await b.t.rt.passkeys.listPasskeys(userId);
      expect(stored).toEqual([expect.objectContaining({ name: 'Virtual key', deviceType: 'singleDevice' })]);
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials).toHaveLength(1);
      expect(credentials[0].isResidentCredential).toBe(true);

      await page.getByRole('button', { name: 'Sign out' }).first().click();
      await page.waitForURL('**/login?signed_out=1');
      await page.goto('/login?org=acme');
      await b.screenshot(page, 'login-with-passkey');
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await page.waitForURL('**/account');
      const token = (await context.cookies()).find((c) => c.name === 'kl_session')!.value;
      expect(await b.t.rt.sessions.validate(token)).toMatchObject({ userId, amr: ['hwk', 'user'], acr: 'urn:keyledger:acr:phr' });
      // The passkey sign-in meets the organization's phishing-resistant policy: no notice any more.
      expect(await page.locator('#mfa-required').count()).toBe(0);
      const { events } = await b.t.rt.ledger.listEvents({}, { limit: 5000 });
      expect(events.filter((e) => e.action === 'authn.login.succeeded').at(-1)?.data).toMatchObject({ amr: ['hwk', 'user'], mfa: { level: 'phishing_resistant', satisfied: true } });
      await context.close();
    });

    it('asks for the passkey after the password when the user has one', async () => {
      const context = await b.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      });
      // A second browser with its own authenticator holds no passkey of Ada's: the password step then offers the passkey, which this authenticator cannot answer.
      await page.goto('/login?org=acme');
      await page.getByLabel('Email address').fill('ada@acme.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL('**/login/verify**');
      await b.screenshot(page, 'login-verify-passkey');
      expect(page.url()).toContain('methods=passkey');
      await page.getByRole('button', { name: 'Verify with a passkey' }).click();
      await page.locator('#passkey-second-factor [role=alert]').waitFor({ state: 'visible' });
      expect((await context.cookies()).find((c) => c.name === 'kl_session')).toBeUndefined();
      await context.close();
    });
  });
}
