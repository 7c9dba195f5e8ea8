import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../../test/support/runtime.ts';
import { expectNothingChanged } from '../../../test/support/http.ts';
import { latestLink, mailTo, tokenOf } from '../../../test/support/mail.ts';
import { ManualClock } from '../../platform/clock.ts';
import { systemContext, type CommandContext } from '../../audit/event.ts';
import { eventTail, refusalOf as refusal } from '../../../test/support/thrown.ts';

const admin = systemContext('test', 'reset test');
const page: CommandContext = { actor: { type: 'system', id: 'reset-page', display: 'reset page' }, request: { requestId: 'req-reset', ip: '203.0.113.9', userAgent: 'vitest' } };
const OLD = 'quartz-lantern-meadow-91-harbor';
const NEW = 'violet-anchor-drizzle-47-summit';

for (const dialect of DIALECTS) {
  describe(`password reset on ${dialect}`, () => {
    const clock = new ManualClock('2026-06-01T09:00:00.000Z');
    let t: TestRuntime;
    let ada: string;
    const newEvents = eventTail(() => t.rt);
    const login = async (email: string, password: string) => {
      const r = await t.rt.authn.beginPasswordLogin(page, { email, password, orgRef: 'acme' });
      if (r.mfaRequired) throw new Error('unexpected challenge');
      return r.sessionToken;
    };
    const resetLink = async (email: string) => tokenOf(await latestLink(t.rt, email, '/reset-password'));

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      await t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      ada = (await t.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada' }, { orgRef: 'acme' })).id;
      await t.rt.authn.setPassword(admin, ada, OLD);
      const sus = await t.rt.identity.createUser(admin, { email: 'sus@acme.test' }, { orgRef: 'acme' });
      await t.rt.identity.setUserStatus(admin, sus.id, 'suspended', 'leave');
      await newEvents();
    });
    afterAll(async () => t?.close());

    it('answers every request the same; mails and stores a link only for an active account, and records each with its result', async () => {
      const answers = [];
      for (const email of ['ada@acme.test', 'nobody@acme.test', 'sus@acme.test', ' ADA@acme.test ']) answers.push(await t.rt.enrollment.requestPasswordReset(page, email));
      expect(answers).toEqual([undefined, undefined, undefined, undefined]);
      const events = await newEvents();
      expect(events.map((e) => [e.action, e.outcome, e.reason ?? null, e.data.email, e.data.result, e.data.initiatedBy])).toEqual([
        ['authn.password_reset.requested', 'success', null, 'ada@acme.test', 'sent', 'self'],
        ['authn.password_reset.requested', 'failure', 'unknown_account', 'nobody@acme.test', 'unknown_account', 'self'],
        ['authn.password_reset.requested', 'failure', 'inactive_account', 'sus@acme.test', 'inactive_account', 'self'],
        ['authn.password_reset.requested', 'success', null, 'ada@acme.test', 'sent', 'self'],
      ]);
      expect(events[0].data).toEqual({ email: 'ada@acme.test', userId: ada, result: 'sent', initiatedBy: 'self', tokenId: expect.any(String), expiresAt: '2026-06-01T09:30:00.000Z' });
      expect(events[1].data).toMatchObject({ userId: null, tokenId: null, expiresAt: null });
      expect(events[1].targets).toEqual([]);
      expect((await mailTo(t.rt, 'ada@acme.test')).map((m) => [m.kind, m.subject])).toEqual([['password_reset', 'Reset your password'], ['password_reset', 'Reset your password']]);
      expect(await mailTo(t.rt, 'nobody@acme.test')).toEqual([]);
      expect(await mailTo(t.rt, 'sus@acme.test')).toEqual([]);
      expect(await t.database.db.selectFrom('email_tokens').select('user_id').execute()).toEqual([{ user_id: ada }, { user_id: ada }]);
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.requestPasswordReset(page, 'not an address')))).toMatchObject({ status: 400, code: 'request.invalid' });
    });

    it('refuses a weak new password before anything changes, leaving the link usable', async () => {
      const token = await resetLink('ada@acme.test');
      for (const password of ['password1234', 'ada-acme-Ada-acme', 'x']) {
        expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.resetPassword(page, token, password)))).toMatchObject({ status: 422, code: expect.stringMatching(/^authn\.password_/) });
      }
      expect(await t.rt.enrollment.describeResetToken(token)).toEqual({ email: 'ada@acme.test', expiresAt: '2026-06-01T09:30:00.000Z' });
      expect(await newEvents()).toEqual([]);
    });

    it('replaces the password, spends every open link and revokes every session in one command; the old password stops working', async () => {
      const s1 = await login('ada@acme.test', OLD);
      const s2 = await login('ada@acme.test', OLD);
      const token = await resetLink('ada@acme.test');
      await newEvents();
      clock.advance(10 * 60_000);
      const user = await t.rt.enrollment.resetPassword(page, token, NEW);
      expect(user).toMatchObject({ id: ada, email: 'ada@acme.test' });
      expect(await t.rt.sessions.validate(s1)).toBeNull();
      expect(await t.rt.sessions.validate(s2)).toBeNull();
      const events = await newEvents();
      expect(events.map((e) => e.action)).toEqual(['authn.password.changed', 'sessions.session.revoked', 'sessions.session.revoked', 'authn.password_reset.completed']);
      expect(events[3].data).toEqual({ userId: ada, tokenId: expect.any(String), sessionsRevoked: 2 });
      expect(events.filter((e) => e.action === 'sessions.session.revoked').map((e) => e.data.reason)).toEqual(['password reset', 'password reset']);
      expect(JSON.stringify(events)).not.toContain(token);
      await expect(login('ada@acme.test', OLD)).rejects.toMatchObject({ code: 'authn.login_failed' });
      expect(await t.rt.sessions.validate(await login('ada@acme.test', NEW))).not.toBeNull();
      // The link is spent, and so is the other one sent earlier.
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.resetPassword(page, token, 'yet-another-Passphrase-55')))).toMatchObject({ status: 410, code: 'authn.link_invalid' });
      const open = await t.database.db.selectFrom('email_tokens').selectAll().where('user_id', '=', ada).where('used_at', 'is', null).execute();
      expect(open).toEqual([]);
      await newEvents();
    });

    it('a reset link works for 30 minutes, once, and only while the address is the one it was sent to', async () => {
      await t.rt.enrollment.requestPasswordReset(page, 'ada@acme.test');
      const expiring = await resetLink('ada@acme.test');
      clock.advance(30 * 60_000 - 1);
      expect((await t.rt.enrollment.describeResetToken(expiring)).email).toBe('ada@acme.test');
      clock.advance(1);
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.resetPassword(page, expiring, OLD)))).toMatchObject({ code: 'authn.link_invalid', message: expect.stringContaining('expired') });
      expect(await refusal(t.rt.enrollment.describeResetToken(expiring))).toMatchObject({ code: 'authn.link_invalid' });

      await t.rt.enrollment.requestPasswordReset(page, 'ada@acme.test');
      const stale = await resetLink('ada@acme.test');
      await t.rt.identity.updateUser(admin, ada, { email: 'ada.l@acme.test' });
      expect(await refusal(t.rt.enrollment.resetPassword(page, stale, OLD))).toMatchObject({ code: 'authn.link_invalid', message: expect.stringContaining('email address changed') });
      await t.rt.identity.updateUser(admin, ada, { email: 'ada@acme.test' });

      for (const bad of ['', 'kl_reset_short', `kl_reset_${'A'.repeat(43)}`, stale.replace('kl_reset_', 'kl_verify_'), stale + '='] as string[]) {
        expect(await refusal(t.rt.enrollment.describeResetToken(bad))).toMatchObject({ status: 410, code: 'authn.link_invalid' });
      }
      await newEvents();
    });

    it('an administrator can send a reset link (never seeing it), only to an active user', async () => {
      const sent = await t.rt.enrollment.requestPasswordResetForUser(admin, ada);
      expect(sent).toEqual({ userId: ada, email: 'ada@acme.test', expiresAt: new Date(clock.now().getTime() + 30 * 60_000).toISOString() });
      expect(JSON.stringify(sent)).not.toContain('kl_reset_');
      expect((await newEvents()).map((e) => [e.action, e.data.initiatedBy, e.data.result])).toEqual([['authn.password_reset.requested', 'administrator', 'sent']]);
      await t.rt.enrollment.resetPassword(page, await resetLink('ada@acme.test'), OLD);
      const sus = (await t.rt.identity.findUserByEmail('sus@acme.test'))!;
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.requestPasswordResetForUser(admin, sus.id)))).toMatchObject({ status: 409, code: 'user.inactive' });
      expect(await refusal(t.rt.enrollment.requestPasswordResetForUser(admin, '00000000-0000-7000-8000-000000000000'))).toMatchObject({ status: 404, code: 'user.not_found' });
    });

    it('a link asked for before a suspension does not work after it', async () => {
      await t.rt.enrollment.requestPasswordReset(page, 'ada@acme.test');
      const token = await resetLink('ada@acme.test');
      await t.rt.identity.setUserStatus(admin, ada, 'suspended', 'investigation');
      expect(await refusal(t.rt.enrollment.resetPassword(page, token, NEW))).toMatchObject({ code: 'authn.link_invalid', message: expect.stringContaining('not active') });
      await t.rt.identity.setUserStatus(admin, ada, 'active', null);
    });
  });
}
