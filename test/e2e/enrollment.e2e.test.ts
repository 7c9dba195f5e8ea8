import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from 'otpauth';
import type { Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { startBrowserSuite, type BrowserSuite } from '../support/browser.ts';
import { latestLink } from '../support/mail.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';

const PASSWORD = 'quartz-lantern-orbit-meadow-42';
const NEW_PASSWORD = 'copper-violin-harbor-glacier-17';
const WRONG_PASSWORD = 'not-the-password-at-all-71';
const REFUSED = 'The email address or password is incorrect';
const admin = systemContext('test', 'browser test setup');

/** Fills and submits the sign-in form on the current page, and waits for the page that answers. */
async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
}

for (const dialect of DIALECTS) {
  describe(`in Chromium on ${dialect}: enrollment and recovery`, () => {
    let b: BrowserSuite;
    // The server's clock: the test moves it to the next TOTP step instead of waiting 30 seconds.
    const clock = new ManualClock(new Date());
    const path = (link: string) => new URL(link).pathname + new URL(link).search;

    beforeAll(async () => {
      // All browser attempts come from 127.0.0.1: the per-address wait (after 5 by default) would answer
      // "too many attempts" before the account lock this suite exercises; the lock itself is unchanged.
      b = await startBrowserSuite(dialect, { clock, env: { KEYLEDGER_RATE_LIMIT_BACKOFF_AFTER: '50' } });
      await b.t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      await b.t.rt.identity.createOrganization(admin, { slug: 'open', name: 'Open Co', settings: { signup: { mode: 'open' } } });
      const gus = (await b.t.rt.identity.createUser(admin, { email: 'gus@acme.test', name: 'Gus' }, { orgRef: 'acme' })).id;
      await b.t.rt.authn.setPassword(admin, gus, PASSWORD);
    });
    afterAll(async () => b?.close());

    it('an invited user signs up from the emailed link, sets up an authenticator app, then signs in with password and code', async () => {
      await b.t.rt.enrollment.inviteUser(admin, 'acme', { email: 'ada@acme.test' });
      const link = await latestLink(b.t.rt, 'ada@acme.test', '/signup');
      const context = await b.newContext();
      const page = await context.newPage();
      await page.goto(path(link));
      await page.getByRole('heading', { name: 'Join Acme' }).waitFor();
      await b.screenshot(page, 'signup-invitation');
      expect(await page.getByLabel('Email address').inputValue()).toBe('ada@acme.test');
      expect(await page.getByLabel('Email address').getAttribute('readonly')).not.toBeNull();
      await page.getByLabel('Your name').fill('Ada Lovelace');
      await page.getByLabel('Choose a password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Create my account' }).click();
      await page.locator('#password-error').waitFor();
      await b.screenshot(page, 'signup-invitation-refused-password');
      await page.getByLabel('Choose a password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create my account' }).click();
      await page.waitForURL('**/account');
      expect(await page.locator('main').textContent()).toContain('Signed in as ada@acme.test');
      await b.screenshot(page, 'signup-account');

      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await page.waitForURL('**/account/totp/start');
      const secret = Buffer.from(Secret.fromBase32((await page.locator('#totp-secret').textContent())!.trim()).bytes);
      await page.getByLabel('Verification code').fill(generateTotpCode({ secret, now: clock.now() }));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
      await page.getByRole('link', { name: 'I have saved my codes' }).click();
      await page.getByRole('button', { name: 'Sign out' }).first().click();
      await page.waitForURL('**/login?signed_out=1');

      await submitSignIn(page, 'ada@acme.test', PASSWORD);
      await page.waitForURL('**/login/verify**');
      // The code the enrollment used is spent: the next one comes 30 seconds later.
      clock.advance(30_000);
      await page.getByLabel('Verification code').fill(generateTotpCode({ secret, now: clock.now() }));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL('**/account');
      const token = (await context.cookies()).find((c) => c.name === 'kl_session')!.value;
      expect(await b.t.rt.sessions.validate(token)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'urn:keyledger:acr:mfa' });
      // The link is spent.
      const reused = await page.goto(path(link));
      expect(reused?.status()).toBe(410);
      await b.screenshot(page, 'signup-invitation-used');
      await context.close();
    });

    it('ten wrong passwords lock the account, the right one is then refused alike, and the emailed unlock link lets it in', async () => {
      const context = await b.newContext();
      const page = await context.newPage();
      await page.goto('/login');
      for (let i = 0; i < b.t.rt.config.lockout.threshold; i++) {
        await submitSignIn(page, 'gus@acme.test', WRONG_PASSWORD);
        expect(await page.locator('#password-error').textContent()).toContain(REFUSED);
      }
      await submitSignIn(page, 'gus@acme.test', PASSWORD);
      expect(await page.locator('#password-error').textContent()).toContain(REFUSED);
      expect(page.url()).toMatch(/\/login$/);
      await b.screenshot(page, 'login-locked');
      const { events } = await b.t.rt.ledger.listEvents({}, { limit: 5000 });
      expect(events.filter((e) => e.action === 'authn.account.locked')).toHaveLength(1);
      expect(events.filter((e) => e.action === 'authn.login.failed').at(-1)?.reason).toBe('account_locked');

      const link = await latestLink(b.t.rt, 'gus@acme.test', '/unlock');
      await page.goto(path(link));
      await page.getByRole('heading', { name: 'Unlock your account' }).waitFor();
      await b.screenshot(page, 'unlock');
      await page.getByRole('button', { name: 'Unlock my account' }).click();
      await page.getByRole('heading', { name: 'Your account is unlocked' }).waitFor();
      await b.screenshot(page, 'unlocked');
      await page.getByRole('link', { name: 'Sign in' }).click();
      await submitSignIn(page, 'gus@acme.test', PASSWORD);
      await page.waitForURL('**/account');
      // The link works once.
      await page.goto(path(link));
      await page.getByRole('button', { name: 'Unlock my account' }).click();
      await page.getByRole('heading', { name: 'This link cannot be used' }).waitFor();
      await b.screenshot(page, 'unlock-used');
      await context.close();
    });

    it('open sign-up, email confirmation, a forgotten password, and an invitation accepted while signed in', async () => {
      const context = await b.newContext();
      const page = await context.newPage();
      await page.goto('/signup?org=open');
      await page.getByRole('heading', { name: 'Join Open Co' }).waitFor();
      await b.screenshot(page, 'signup-open');
      await page.getByLabel('Email address').fill('vera@example.test');
      await page.getByLabel('Your name').fill('Vera');
      await page.getByLabel('Choose a password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create my account' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await b.screenshot(page, 'signup-check-email');

      await page.goto(path(await latestLink(b.t.rt, 'vera@example.test', '/verify-email')));
      await b.screenshot(page, 'verify-email');
      await page.getByRole('button', { name: 'Confirm my email' }).click();
      await page.getByRole('heading', { name: 'Your email is confirmed' }).waitFor();
      await b.screenshot(page, 'verify-email-done');

      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
      await b.screenshot(page, 'reset-request');
      await page.getByLabel('Email address').fill('vera@example.test');
      await page.getByRole('button', { name: 'Send me a link' }).click();
      await page.getByText('If an account exists for that address, we sent a link').waitFor();
      await b.screenshot(page, 'reset-sent');
      await page.goto(path(await latestLink(b.t.rt, 'vera@example.test', '/reset-password')));
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await b.screenshot(page, 'reset-form');
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set my new password' }).click();
      await page.waitForURL('**/login?reset=1');
      await b.screenshot(page, 'reset-done-login');
      await submitSignIn(page, 'vera@example.test', NEW_PASSWORD);
      await page.waitForURL('**/account');

      // Invited to another organization: a stranger's browser is asked to sign in; Vera's joins with one button.
      await b.t.rt.enrollment.inviteUser(admin, 'acme', { email: 'vera@example.test' });
      const invitation = path(await latestLink(b.t.rt, 'vera@example.test', '/signup'));
      const strangerContext = await b.newContext();
      const stranger = await strangerContext.newPage();
      await stranger.goto(invitation);
      await stranger.getByRole('link', { name: 'Sign in to accept the invitation' }).waitFor();
      await b.screenshot(stranger, 'signup-invitation-sign-in-first');
      await strangerContext.close();
      await page.goto(invitation);
      await b.screenshot(page, 'signup-invitation-join');
      await page.getByRole('button', { name: 'Join Acme as vera@example.test' }).click();
      await page.getByRole('heading', { name: 'Welcome to Acme' }).waitFor();
      await b.screenshot(page, 'signup-invitation-joined');
      const vera = (await b.t.rt.identity.findUserByEmail('vera@example.test'))!;
      expect(await b.t.rt.identity.isMember((await b.t.rt.identity.requireOrg('acme')).id, vera.id)).toBe(true);
      await context.close();
    });
  });
}
