import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from 'otpauth';
import { DIALECTS } from '../support/databases.ts';
import { startBrowserSuite, type BrowserSuite } from '../support/browser.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';

const PASSWORD = 'quartz-lantern-orbit-meadow-42';
const admin = systemContext('test', 'browser test setup');

for (const dialect of DIALECTS) {
  describe(`in Chromium on ${dialect}: password and authenticator app`, () => {
    let b: BrowserSuite;
    // The server's clock: the test moves it to the next TOTP step instead of waiting 30 seconds.
    const clock = new ManualClock(new Date());
    beforeAll(async () => {
      b = await startBrowserSuite(dialect, { clock });
      await b.t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      const id = (await b.t.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada' }, { orgRef: 'acme' })).id;
      await b.t.rt.authn.setPassword(admin, id, PASSWORD);
      const grace = (await b.t.rt.identity.createUser(admin, { email: 'grace@acme.test', name: 'Grace' }, { orgRef: 'acme' })).id;
      await b.t.rt.authn.setPassword(admin, grace, PASSWORD);
    });
    afterAll(async () => b?.close());

    it('signs in with a password, sets up TOTP on the account page, then signs in with password and code', async () => {
      const context = await b.newContext();
      const page = await context.newPage();
      await page.goto('/login?org=acme');
      await b.screenshot(page, 'login');
      await page.getByLabel('Email address').fill('ada@acme.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL('**/account');
      expect(await page.locator('main p').first().textContent()).toContain('Signed in as ada@acme.test');
      await b.screenshot(page, 'account');
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'kl_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });

      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await page.waitForURL('**/account/totp/start');
      await b.screenshot(page, 'totp-setup');
      const secret = Buffer.from(Secret.fromBase32((await page.locator('#totp-secret').textContent())!.trim()).bytes);
      await page.getByLabel('Verification code').fill(generateTotpCode({ secret, now: clock.now() }));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
      await b.screenshot(page, 'recovery-codes');
      expect(await page.locator('ul.codes li').count()).toBe(10);
      await page.getByRole('link', { name: 'I have saved my codes' }).click();
      await page.getByRole('button', { name: 'Sign out' }).first().click();
      await page.waitForURL('**/login?signed_out=1');

      await page.getByLabel('Email address').fill('ada@acme.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL('**/login/verify**');
      await b.screenshot(page, 'login-verify');
      // The code the enrollment used is spent: the next one comes 30 seconds later.
      clock.advance(30_000);
      await page.getByLabel('Verification code').fill(generateTotpCode({ secret, now: clock.now() }));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL('**/account');
      const token = (await context.cookies()).find((c) => c.name === 'kl_session')!.value;
      expect(await b.t.rt.sessions.validate(token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'urn:keyledger:acr:mfa' });
      await context.close();
    });

    it('logs a revoked session out on its very next request', async () => {
      const context = await b.newContext();
      const page = await context.newPage();
      await page.goto('/login');
      await page.getByLabel('Email address').fill('grace@acme.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL('**/account');
      const user = (await b.t.rt.identity.listUsers({}, { limit: 10 })).items.find((u) => u.email === 'grace@acme.test')!;
      // An administrator signs the user out everywhere (as deprovisioning does).
      expect(await b.t.rt.sessions.revokeAllForUser(admin, user.id, 'offboarding')).toBeGreaterThan(0);
      await page.reload();
      await page.waitForURL('**/login?return_to=%2Faccount');
      await b.screenshot(page, 'revoked-session');
      expect((await context.cookies()).find((c) => c.name === 'kl_session')).toBeUndefined();
      await context.close();
    });
  });
}
