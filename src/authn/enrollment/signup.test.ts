import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../../test/support/runtime.ts';
import { expectNothingChanged, snapshotState } from '../../../test/support/http.ts';
import { latestLink, mailTo, tokenOf } from '../../../test/support/mail.ts';
import { ManualClock } from '../../platform/clock.ts';
import { systemContext, type CommandContext } from '../../audit/event.ts';
import { eventTail, refusalOf as refusal } from '../../../test/support/thrown.ts';

const admin = systemContext('test', 'sign-up test');
const page: CommandContext = { actor: { type: 'system', id: 'signup-page', display: 'sign-up page' }, request: { requestId: 'req-signup', ip: '203.0.113.8', userAgent: 'vitest' } };
const PASSWORD = 'quartz-lantern-meadow-91-harbor';

for (const dialect of DIALECTS) {
  describe(`open sign-up and email verification on ${dialect}`, () => {
    const clock = new ManualClock('2026-06-01T09:00:00.000Z');
    let t: TestRuntime;
    const newEvents = eventTail(() => t.rt);
    const signUp = (orgRef: string, email: string, password = PASSWORD, name = 'New Person') => t.rt.enrollment.signUp(page, orgRef, { email, name, password });
    const login = (email: string, password = PASSWORD) => t.rt.authn.beginPasswordLogin(page, { email, password, orgRef: 'open' });

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      await t.rt.identity.createOrganization(admin, { slug: 'closed', name: 'Closed' });
      await t.rt.identity.createOrganization(admin, { slug: 'open', name: 'Open Co', settings: { signup: { mode: 'open' } } });
      await t.rt.identity.createOrganization(admin, { slug: 'domains', name: 'Domains', settings: { signup: { mode: 'open', allowedDomains: ['acme.test'] } } });
      const existing = await t.rt.identity.createUser(admin, { email: 'taken@example.test', name: 'Taken' }, { orgRef: 'closed' });
      await t.rt.authn.setPassword(admin, existing.id, PASSWORD);
      await newEvents();
    });
    afterAll(async () => t?.close());

    it('an organization is invitation-only unless its settings open sign-up, and a listed domain is matched exactly', async () => {
      const cases: Array<[string, string, string]> = [
        ['closed', 'new@example.test', 'invitation only'],
        ['domains', 'new@example.test', 'acme.test'],
        ['domains', 'new@eu.acme.test', 'acme.test'],
        ['domains', 'new@acme.test.evil.test', 'acme.test'],
      ];
      for (const [org, email, why] of cases) {
        const err = await expectNothingChanged(t.rt, () => refusal(signUp(org, email)));
        expect({ org, email, err }).toMatchObject({ org, email, err: { status: 403, code: 'signup.not_allowed', message: expect.stringContaining(why) } });
      }
      expect(await refusal(signUp('nowhere', 'new@example.test'))).toMatchObject({ status: 404, code: 'organization.not_found' });
      expect((await mailTo(t.rt, 'new@example.test')).length).toBe(0);
      expect(await signUp('domains', 'New@Acme.test')).toEqual({ status: 'verification_sent' });
      expect((await t.rt.identity.findUserByEmail('new@acme.test'))?.emailVerifiedAt).toBeNull();
      await newEvents();
    });

    it('answers a new and an existing address identically; only the mails (and the ledger) tell them apart', async () => {
      const fresh = await signUp('open', 'fresh@example.test');
      const freshEvents = await newEvents();
      const before = await snapshotState(t.rt);
      const again = await signUp('open', 'TAKEN@example.test', 'a-different-Passphrase-88');
      expect(again).toEqual(fresh);
      // Nothing was created for the existing address: the refusal is only recorded.
      expect(await snapshotState(t.rt)).toEqual(before);
      const refusedEvents = await newEvents();
      expect(refusedEvents.map((e) => [e.action, e.outcome, e.reason, e.data])).toEqual([['authn.signup.refused', 'failure', 'account_exists', { userId: expect.any(String), email: 'taken@example.test' }]]);

      const user = (await t.rt.identity.findUserByEmail('fresh@example.test'))!;
      expect(user).toMatchObject({ status: 'active', name: 'New Person', emailVerifiedAt: null });
      expect(freshEvents.map((e) => e.action)).toEqual(['identity.user.created', 'identity.membership.created', 'authn.password.changed', 'authn.signup.registered', 'authn.email_verification.requested']);
      expect(freshEvents[4].data).toEqual({ userId: user.id, email: 'fresh@example.test', tokenId: expect.any(String), expiresAt: '2026-06-02T09:00:00.000Z' });

      const freshMail = await mailTo(t.rt, 'fresh@example.test');
      const takenMail = await mailTo(t.rt, 'taken@example.test');
      expect(freshMail.map((m) => [m.kind, m.subject])).toEqual([['email_verification', 'Confirm your email address']]);
      expect(takenMail.map((m) => [m.kind, m.subject])).toEqual([['email_verification', 'You already have an account']]);
      expect(freshMail[0].text).toMatch(/http:\/\/localhost:0\/verify-email\?token=kl_verify_/);
      expect(takenMail[0].text).not.toContain('kl_');
      expect(takenMail[0].text).toContain('http://localhost:0/reset-password');
      // The existing account's password was not touched by the second sign-up.
      expect((await t.rt.authn.beginPasswordLogin(page, { email: 'taken@example.test', password: PASSWORD })).mfaRequired).toBe(false);
      await newEvents();
    });

    it('refuses a weak password for a new and an existing address alike, creating and mailing nothing', async () => {
      for (const email of ['weak-new@example.test', 'taken@example.test']) {
        const mails = (await mailTo(t.rt, email)).length;
        const err = await expectNothingChanged(t.rt, () => refusal(signUp('open', email, 'password1234')));
        expect(err).toMatchObject({ status: 422, code: 'authn.password_breached_or_common' });
        expect((await mailTo(t.rt, email)).length).toBe(mails);
      }
      for (const [email, name] of [['bad', 'N'], ['ok@example.test', '   ']]) {
        expect(await expectNothingChanged(t.rt, () => refusal(signUp('open', email, PASSWORD, name)))).toMatchObject({ status: 400, code: 'request.invalid' });
      }
    });

    it('an unverified account cannot sign in (recorded as email_unverified) until its link is followed; the link works once', async () => {
      await expect(login('fresh@example.test')).rejects.toMatchObject({ code: 'authn.login_failed' });
      const [failed] = await newEvents();
      expect([failed.action, failed.reason, failed.data.reason]).toEqual(['authn.login.failed', 'email_unverified', 'email_unverified']);
      // A wrong password is still just a wrong password.
      await expect(login('fresh@example.test', 'wrong-but-long-passphrase')).rejects.toMatchObject({ code: 'authn.login_failed' });
      expect((await newEvents())[0].data.reason).toBe('wrong_password');

      const token = tokenOf(await latestLink(t.rt, 'fresh@example.test', '/verify-email'));
      clock.advance(60_000);
      const verified = await t.rt.enrollment.verifyEmail(page, token);
      expect(verified).toMatchObject({ email: 'fresh@example.test', emailVerifiedAt: clock.now().toISOString() });
      expect((await newEvents()).map((e) => [e.action, e.data])).toEqual([['identity.user.email_verified', { userId: verified.id, email: 'fresh@example.test', via: 'verification_link' }]]);
      expect((await login('fresh@example.test')).mfaRequired).toBe(false);
      await newEvents();
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.verifyEmail(page, token)))).toMatchObject({ status: 410, code: 'authn.link_invalid', message: expect.stringContaining('already used') });
      expect(await refusal(t.rt.enrollment.sendEmailVerification(admin, verified.id))).toMatchObject({ status: 409, code: 'user.email_already_verified' });
    });

    it('a verification link expires after 24 hours; a new one can be sent, and using one spends the others', async () => {
      await signUp('open', 'slow@example.test');
      const first = tokenOf(await latestLink(t.rt, 'slow@example.test', '/verify-email'));
      clock.advance(24 * 3_600_000);
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.verifyEmail(page, first)))).toMatchObject({ code: 'authn.link_invalid', message: expect.stringContaining('expired') });
      const user = (await t.rt.identity.findUserByEmail('slow@example.test'))!;
      const sent = await t.rt.enrollment.sendEmailVerification(admin, user.id);
      expect(sent).toEqual({ userId: user.id, email: 'slow@example.test', expiresAt: new Date(clock.now().getTime() + 24 * 3_600_000).toISOString() });
      const second = tokenOf(await latestLink(t.rt, 'slow@example.test', '/verify-email'));
      await t.rt.enrollment.sendEmailVerification(admin, user.id);
      const third = tokenOf(await latestLink(t.rt, 'slow@example.test', '/verify-email'));
      expect(new Set([first, second, third]).size).toBe(3);
      await t.rt.enrollment.verifyEmail(page, third);
      expect(await refusal(t.rt.enrollment.verifyEmail(page, second))).toMatchObject({ code: 'authn.link_invalid' });
      // A reset token is not a verification token, nor the other way round.
      expect(await refusal(t.rt.enrollment.verifyEmail(page, third.replace('kl_verify_', 'kl_reset_')))).toMatchObject({ code: 'authn.link_invalid', message: expect.stringContaining('unknown') });
      await newEvents();
    });

    it('a verification link dies when the address changes or the account is suspended', async () => {
      await signUp('open', 'mover@example.test');
      const token = tokenOf(await latestLink(t.rt, 'mover@example.test', '/verify-email'));
      const user = (await t.rt.identity.findUserByEmail('mover@example.test'))!;
      await t.rt.identity.updateUser(admin, user.id, { email: 'moved@example.test' });
      expect(await refusal(t.rt.enrollment.verifyEmail(page, token))).toMatchObject({ code: 'authn.link_invalid', message: expect.stringContaining('email address changed') });
      await t.rt.enrollment.sendEmailVerification(admin, user.id);
      const next = tokenOf(await latestLink(t.rt, 'moved@example.test', '/verify-email'));
      await t.rt.identity.setUserStatus(admin, user.id, 'suspended', 'test');
      expect(await refusal(t.rt.enrollment.verifyEmail(page, next))).toMatchObject({ code: 'authn.link_invalid', message: expect.stringContaining('not active') });
      expect(await refusal(t.rt.enrollment.sendEmailVerification(admin, user.id))).toMatchObject({ status: 409, code: 'user.inactive' });
      expect((await t.rt.identity.requireUser(user.id)).emailVerifiedAt).toBeNull();
      await newEvents();
    });

    it('a squatter who signs up with someone else’s address loses the account when the owner resets the password', async () => {
      // The squatter knows the victim's address, not their mailbox.
      await signUp('open', 'victim@example.test', 'squatter-Chosen-passphrase-13');
      const user = (await t.rt.identity.findUserByEmail('victim@example.test'))!;
      // The owner tries to sign up: same answer, and a mail pointing to the reset page instead of a second account.
      expect(await signUp('open', 'victim@example.test', PASSWORD)).toEqual({ status: 'verification_sent' });
      expect((await mailTo(t.rt, 'victim@example.test')).map((m) => m.subject)).toEqual(['Confirm your email address', 'You already have an account']);
      await t.rt.enrollment.requestPasswordReset(page, 'victim@example.test');
      const reset = tokenOf(await latestLink(t.rt, 'victim@example.test', '/reset-password'));
      const after = await t.rt.enrollment.resetPassword(page, reset, PASSWORD);
      expect(after).toMatchObject({ id: user.id, emailVerifiedAt: clock.now().toISOString() });
      await expect(login('victim@example.test', 'squatter-Chosen-passphrase-13')).rejects.toMatchObject({ code: 'authn.login_failed' });
      expect((await login('victim@example.test')).mfaRequired).toBe(false);
      // The verification link the squatter triggered is spent with the reset.
      const verify = tokenOf(await latestLink(t.rt, 'victim@example.test', '/verify-email'));
      expect(await refusal(t.rt.enrollment.verifyEmail(page, verify))).toMatchObject({ code: 'authn.link_invalid' });
    });

    it('the signup setting is checked when an organization is saved', async () => {
      for (const signup of [{ mode: 'public' }, 'open', { mode: 'open', allowedDomains: ['Acme.test'] }, { mode: 'open', extra: true }]) {
        expect(await expectNothingChanged(t.rt, () => refusal(t.rt.identity.updateOrganization(admin, 'closed', { settings: { signup } })))).toMatchObject({ status: 422, code: 'organization.settings_invalid' });
      }
    });
  });
}
