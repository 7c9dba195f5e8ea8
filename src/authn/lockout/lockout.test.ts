import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../../test/support/runtime.ts';
import { failSignIns, freshIp, lockAccount, refusalOf, webContext } from '../../../test/support/lockout.ts';
import { ManualClock } from '../../platform/clock.ts';
import { systemContext } from '../../audit/event.ts';
import { lookupAction } from '../../audit/actions.ts';
import { generateTotpCode } from '../totp/totp.ts';
import { openTotpSecret } from '../totp-secret.ts';
import { eventTail } from '../../../test/support/thrown.ts';

const admin = systemContext('test', 'lockout test');
const PASSWORD = 'quartz-lantern-meadow-91-harbor';
const MINUTE = 60_000;
const WINDOW = 15 * MINUTE;

for (const dialect of DIALECTS) {
  describe(`account lockout on ${dialect}`, () => {
    let t: TestRuntime;
    const clock = new ManualClock('2026-04-01T08:00:00.000Z');
    const newEvents = eventTail(() => t.rt);
    const createUser = async (email: string): Promise<string> => {
      const id = (await t.rt.identity.createUser(admin, { email })).id;
      await t.rt.authn.setPassword(admin, id, PASSWORD);
      return id;
    };
    const signIn = (email: string, password = PASSWORD, ip = freshIp()) => t.rt.authn.beginPasswordLogin(webContext(ip), { email, password });
    const state = (userId: string) => t.rt.lockouts.getLockoutState(userId);

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
    });
    afterAll(async () => t?.close());

    it('locks after exactly 10 failures within 15 minutes, not after 9; refuses the right password then, recording account_locked', async () => {
      const id = await createUser('ada@acme.test');
      await newEvents();
      await failSignIns(t.rt, 'ada@acme.test', 9);
      expect(await state(id)).toMatchObject({ locked: false, failuresInWindow: 9, threshold: 10, windowMinutes: 15, durationMinutes: 15 });
      expect((await newEvents()).map((e) => e.action)).toEqual(Array(9).fill('authn.login.failed'));
      clock.advance(WINDOW - 1);
      await failSignIns(t.rt, 'ada@acme.test', 1);
      const events = await newEvents();
      expect(events.map((e) => e.action)).toEqual(['authn.login.failed', 'authn.account.locked']);
      const lockedUntil = new Date(clock.now().getTime() + 15 * MINUTE).toISOString();
      expect(events[1]).toMatchObject({ outcome: 'success', targets: [{ type: 'user', id }], data: { userId: id, failures: 10, lockedUntil, lockId: expect.any(String) } });
      expect(await state(id)).toMatchObject({ locked: true, lockedUntil, failuresInWindow: 0, history: [{ id: events[1].data.lockId, failures: 10, lockedUntil, endedAt: null, endedBy: null }] });

      const refused = await refusalOf(signIn('ada@acme.test'));
      expect(refused).toEqual({ code: 'authn.login_failed', status: 401, message: 'the email address or password is incorrect', details: undefined });
      const [failed, ...rest] = await newEvents();
      expect(rest).toEqual([]);
      expect(failed).toMatchObject({ action: 'authn.login.failed', outcome: 'failure', reason: 'account_locked', data: { reason: 'account_locked', method: 'password', userId: id, email: 'ada@acme.test' } });
      // Attempts while locked neither extend the lock nor count toward the next one.
      expect(await state(id)).toMatchObject({ lockedUntil, failuresInWindow: 0 });
    });

    it('does not lock on failures spread beyond the window: one exactly a window old no longer counts', async () => {
      const id = await createUser('bob@acme.test');
      await failSignIns(t.rt, 'bob@acme.test', 9);
      clock.advance(WINDOW);
      await failSignIns(t.rt, 'bob@acme.test', 1);
      expect(await state(id)).toMatchObject({ locked: false, failuresInWindow: 1 });
      await failSignIns(t.rt, 'bob@acme.test', 8);
      expect(await state(id)).toMatchObject({ locked: false, failuresInWindow: 9 });
      await failSignIns(t.rt, 'bob@acme.test', 1);
      expect(await state(id)).toMatchObject({ locked: true });
    });

    it('a completed sign-in resets the count; a password passed with a second factor still pending does not', async () => {
      const id = await createUser('cleo@acme.test');
      await failSignIns(t.rt, 'cleo@acme.test', 9);
      const ok = await signIn('cleo@acme.test');
      expect(ok.mfaRequired).toBe(false);
      expect(await state(id)).toMatchObject({ locked: false, failuresInWindow: 0 });
      await failSignIns(t.rt, 'cleo@acme.test', 9);
      expect(await state(id)).toMatchObject({ locked: false, failuresInWindow: 9 });
    });

    it('wrong second-factor codes count toward the same lockout, across challenges', async () => {
      const id = await createUser('dora@acme.test');
      const start = await t.rt.authn.startTotpEnrollment(admin, id, { issuer: 'Keyledger' });
      const row = await t.database.db.selectFrom('totp_factors').selectAll().where('id', '=', start.factorId).executeTakeFirstOrThrow();
      const secret = openTotpSecret(t.rt.master, row.secret);
      await t.rt.authn.confirmTotpEnrollment(admin, id, start.factorId, generateTotpCode({ secret, now: clock.now() }));
      const wrong = () => String((Number(generateTotpCode({ secret, now: clock.now() })) + 1) % 1_000_000).padStart(6, '0');
      await newEvents();
      for (let round = 0; round < 2; round++) {
        const ip = freshIp();
        const r = await signIn('dora@acme.test', PASSWORD, ip);
        if (!r.mfaRequired) throw new Error('expected a challenge');
        for (let i = 0; i < 5; i++) expect((await refusalOf(t.rt.authn.completeLogin(webContext(ip), r.challengeToken, { totpCode: wrong() }))).code).toBe('authn.second_factor_invalid');
      }
      const events = await newEvents();
      expect(events.filter((e) => e.action === 'authn.login.failed').map((e) => e.reason)).toEqual(Array(10).fill('wrong_totp'));
      expect(events.at(-1)).toMatchObject({ action: 'authn.account.locked', data: { userId: id, failures: 10 } });
      // Locked: the right password no longer opens even a challenge.
      expect((await refusalOf(signIn('dora@acme.test'))).code).toBe('authn.login_failed');
      expect((await newEvents()).map((e) => e.reason)).toEqual(['account_locked']);
    });

    it('unlocks by time: still locked a millisecond before lockedUntil, open at it', async () => {
      const id = await createUser('eli@acme.test');
      await lockAccount(t.rt, 'eli@acme.test');
      const { lockedUntil } = await state(id);
      clock.set(new Date(new Date(lockedUntil!).getTime() - 1));
      expect((await refusalOf(signIn('eli@acme.test'))).code).toBe('authn.login_failed');
      clock.set(lockedUntil!);
      expect((await signIn('eli@acme.test')).mfaRequired).toBe(false);
      expect(await state(id)).toMatchObject({ locked: false, history: [{ endedAt: lockedUntil, endedBy: 'time' }] });
    });

    it('unlocks by an administrator, with the reason in the ledger; unlocking an open account changes nothing', async () => {
      const id = await createUser('finn@acme.test');
      await lockAccount(t.rt, 'finn@acme.test');
      await newEvents();
      const after = await t.rt.lockouts.unlockUser(admin, id, 'verified by phone');
      expect(after).toMatchObject({ locked: false, lockedUntil: null, history: [{ endedAt: clock.now().toISOString(), endedBy: 'admin' }] });
      const events = await newEvents();
      expect(events.map((e) => [e.action, e.actor.id, e.data])).toEqual([['authn.account.unlocked', 'test', { userId: id, lockId: after.history[0].id, method: 'admin', reason: 'verified by phone' }]]);
      expect((await signIn('finn@acme.test')).mfaRequired).toBe(false);
      await newEvents();
      expect(await t.rt.lockouts.unlockUser(admin, id, 'again')).toMatchObject({ locked: false });
      expect(await newEvents()).toEqual([]);
      expect((await refusalOf(t.rt.lockouts.unlockUser(admin, '00000000-0000-7000-8000-000000000000'))).code).toBe('user.not_found');
    });

    it('unlocks by the emailed link once; the link cannot be used again, nor after its lock ended', async () => {
      const id = await createUser('gus@acme.test');
      await lockAccount(t.rt, 'gus@acme.test');
      const [mail] = await t.rt.mailer.listOutbox({ to: 'gus@acme.test' });
      expect(mail).toMatchObject({ kind: 'account_unlock', subject: 'Your Keyledger account was locked' });
      const link = new URL(/http\S+\/unlock\?token=\S+/.exec(mail.text)![0]);
      expect(`${link.origin}${link.pathname}`).toBe(`${t.rt.config.publicUrl}/unlock`);
      const token = link.searchParams.get('token')!;
      expect(token).toMatch(/^kl_unlock_[A-Za-z0-9_-]{43}$/);
      await newEvents();

      const pageCtx = webContext(freshIp());
      const done = await t.rt.lockouts.unlockWithToken(pageCtx, token);
      expect(done).toEqual({ userId: id, lockId: expect.any(String), unlockedAt: clock.now().toISOString() });
      const events = await newEvents();
      expect(events.map((e) => [e.action, e.data])).toEqual([['authn.account.unlocked', { userId: id, lockId: done.lockId, method: 'email', reason: null }]]);
      expect(events[0].context).toMatchObject({ ip: pageCtx.request.ip, userAgent: pageCtx.request.userAgent });
      expect((await signIn('gus@acme.test')).mfaRequired).toBe(false);
      await newEvents();

      // Reuse, a tampered token, garbage: the same refusal, and nothing recorded.
      for (const bad of [token, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 'kl_unlock_short', '', `kl_login_${token.slice(10)}`]) {
        expect(await refusalOf(t.rt.lockouts.unlockWithToken(pageCtx, bad))).toMatchObject({ code: 'authn.unlock_token_invalid', status: 400 });
      }
      expect(await newEvents()).toEqual([]);

      // A link whose lock ran out by time is dead too.
      await lockAccount(t.rt, 'gus@acme.test');
      const [second] = await t.rt.mailer.listOutbox({ to: 'gus@acme.test' });
      const late = new URL(/http\S+/.exec(second.text)![0]).searchParams.get('token')!;
      expect(late).not.toBe(token);
      clock.advance(15 * MINUTE);
      await newEvents();
      expect((await refusalOf(t.rt.lockouts.unlockWithToken(pageCtx, late))).code).toBe('authn.unlock_token_invalid');
      expect(await newEvents()).toEqual([]);
    });

    it('counts and locks an email with no account like an account, storing only a keyed hash of it and mailing nobody', async () => {
      await newEvents();
      await failSignIns(t.rt, 'Ghost@Nowhere.test', 10);
      const events = await newEvents();
      expect(events.at(-1)).toMatchObject({ action: 'authn.account.locked', targets: [], data: { userId: null, failures: 10 } });
      expect((await refusalOf(signIn('ghost@nowhere.test'))).code).toBe('authn.login_failed');
      expect((await newEvents()).map((e) => [e.reason, e.data.userId])).toEqual([['account_locked', null]]);
      const rows = JSON.stringify([
        await t.database.db.selectFrom('lockout_subjects').selectAll().execute(),
        await t.database.db.selectFrom('login_failures').selectAll().execute(),
        await t.database.db.selectFrom('account_lockouts').selectAll().execute(),
      ]);
      expect(rows.toLowerCase()).not.toContain('ghost');
      expect(rows).toMatch(/"subject":"email:[0-9a-f]{64}"/);
      expect(await t.rt.mailer.listOutbox({ to: 'ghost@nowhere.test' })).toEqual([]);
    });

    it('records every attempt with its reason, method, address and user agent, and only catalogued fields; no unlock token anywhere', async () => {
      const { events } = await t.rt.ledger.listEvents({}, { limit: 5000 });
      const attempts = events.filter((e) => e.action.startsWith('authn.login.'));
      expect(attempts.length).toBeGreaterThan(80);
      for (const e of attempts) {
        expect(e.context.ip).toMatch(/^198\.1[89]\./);
        expect(e.context.userAgent).toBe('Mozilla/5.0 (lockout test)');
        if (e.action === 'authn.login.failed') expect(['password', 'totp', 'recovery_code']).toContain(e.data.method);
        if (e.action === 'authn.login.failed') expect(typeof e.reason).toBe('string');
      }
      for (const e of events) expect(Object.keys(e.data).filter((f) => !(f in lookupAction(e.action)!.data))).toEqual([]);
      const ledger = JSON.stringify(await t.database.db.selectFrom('audit_events').select('body').execute());
      const tokens = (await t.rt.mailer.listOutbox()).map((m) => /kl_unlock_[A-Za-z0-9_-]{43}/.exec(m.text)![0]);
      expect(tokens.length).toBeGreaterThan(3);
      const lockRows = JSON.stringify(await t.database.db.selectFrom('account_lockouts').selectAll().execute());
      for (const token of tokens) {
        expect(ledger.includes(token)).toBe(false);
        expect(lockRows.includes(token)).toBe(false);
      }
    });

    it('lists the accounts locked now, paged, oldest lock first', async () => {
      const ids = [await createUser('hal@acme.test'), await createUser('ivy@acme.test'), await createUser('jon@acme.test')];
      for (const email of ['hal@acme.test', 'ivy@acme.test', 'jon@acme.test']) await lockAccount(t.rt, email);
      const first = await t.rt.lockouts.listLockedAccounts({ limit: 2 });
      expect(first.items.map((i) => i.userId)).toEqual(ids.slice(0, 2));
      expect(first.items[0]).toMatchObject({ email: 'hal@acme.test', failures: 10, lockedUntil: new Date(clock.now().getTime() + 15 * MINUTE).toISOString() });
      const second = await t.rt.lockouts.listLockedAccounts({ limit: 2, cursor: first.nextCursor! });
      expect(second).toMatchObject({ items: [{ userId: ids[2] }], nextCursor: null });
      await t.rt.lockouts.unlockUser(admin, ids[1]);
      expect((await t.rt.lockouts.listLockedAccounts({ limit: 10 })).items.map((i) => i.userId)).toEqual([ids[0], ids[2]]);
      clock.advance(15 * MINUTE);
      expect((await t.rt.lockouts.listLockedAccounts({ limit: 10 })).items).toEqual([]);
      expect((await refusalOf(t.rt.lockouts.listLockedAccounts({ limit: 2, cursor: 'garbage' }))).code).toBe('pagination.invalid_cursor');
    });
  });
}
