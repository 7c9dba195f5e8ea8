import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/support/databases.ts';
import { createUser, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, walkPages, type HttpSuite } from '../../../test/support/http.ts';
import { freshIp, lockAccount, refusalOf, webContext } from '../../../test/support/lockout.ts';
import { ManualClock } from '../../platform/clock.ts';
import { systemContext } from '../../audit/event.ts';

const PASSWORD = 'quartz-lantern-meadow-91-harbor';
const NONE = '00000000-0000-7000-8000-000000000000';

for (const dialect of DIALECTS) {
  describe(`the lockout admin API on ${dialect}`, () => {
    const clock = new ManualClock('2026-04-04T08:00:00.000Z');
    let s: HttpSuite;
    let ada: { id: string };
    let lockedAt: string;

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      ada = (await createUser(s, { email: 'ada@acme.test' })) as { id: string };
      await s.rt.authn.setPassword(systemContext('test', 'setup'), ada.id, PASSWORD);
      lockedAt = clock.now().toISOString();
      await lockAccount(s.rt, 'ada@acme.test');
    });
    afterAll(async () => s?.close());

    it('GET /users/{id}/lockout shows the lock, the policy and the history', async () => {
      const state = await ok(s, 200, 'GET', `/api/v1/users/${ada.id}/lockout`);
      const lockedUntil = new Date(clock.now().getTime() + 15 * 60_000).toISOString();
      expect(state).toEqual({
        userId: ada.id,
        locked: true,
        lockedUntil,
        failuresInWindow: 0,
        threshold: 10,
        windowMinutes: 15,
        durationMinutes: 15,
        history: [{ id: expect.any(String), lockedAt, lockedUntil, failures: 10, endedAt: null, endedBy: null }],
      });
    });

    it('GET /lockouts lists the accounts locked now, paged', async () => {
      for (const email of ['bob@acme.test', 'cy@acme.test']) {
        await createUser(s, { email });
        await lockAccount(s.rt, email);
      }
      const page = await ok(s, 200, 'GET', '/api/v1/lockouts');
      expect(page.items.map((i: { email: string }) => i.email)).toEqual(['ada@acme.test', 'bob@acme.test', 'cy@acme.test']);
      expect(page.items[0]).toEqual({ id: expect.any(String), userId: ada.id, email: 'ada@acme.test', failures: 10, lockedAt, lockedUntil: expect.any(String) });
      const walked = await walkPages(s, '/api/v1/lockouts', 2);
      expect(walked).toEqual({ ids: page.items.map((i: { id: string }) => i.id), pages: 2 });
    });

    it('POST /users/{id}/unlock lifts the lock as the API key, with its reason; the emailed link then no longer works', async () => {
      const [mail] = await s.rt.mailer.listOutbox({ to: 'ada@acme.test' });
      const token = /kl_unlock_[A-Za-z0-9_-]{43}/.exec(mail.text)![0];
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/users/${ada.id}/unlock`, { body: { reason: 'verified by phone' } }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ locked: false, lockedUntil: null, history: [{ endedAt: clock.now().toISOString(), endedBy: 'admin' }] });
      expect(events.map((e) => [e.action, e.actor.type, e.actor.id, e.data])).toEqual([['authn.account.unlocked', 'api_key', s.adminKeyId, { userId: ada.id, lockId: res.json().history[0].id, method: 'admin', reason: 'verified by phone' }]]);
      expect((await s.rt.authn.beginPasswordLogin(webContext(freshIp()), { email: 'ada@acme.test', password: PASSWORD })).mfaRequired).toBe(false);
      expect((await refusalOf(s.rt.lockouts.unlockWithToken(webContext(freshIp()), token))).code).toBe('authn.unlock_token_invalid');
      expect((await ok(s, 200, 'GET', '/api/v1/lockouts')).items.map((i: { email: string }) => i.email)).toEqual(['bob@acme.test', 'cy@acme.test']);
    });

    it('unlocking an account that is not locked answers its state, with no body needed, and changes nothing', async () => {
      await expectNothingChanged(s.rt, async () => {
        const res = await s.request('POST', `/api/v1/users/${ada.id}/unlock`);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ userId: ada.id, locked: false });
      });
    });

    it('an unknown user is 404 user.not_found on both, and changes nothing', async () => {
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('GET', `/api/v1/users/${NONE}/lockout`), 404, 'user.not_found');
        expectError(await s.request('POST', `/api/v1/users/${NONE}/unlock`, { body: { reason: 'x' } }), 404, 'user.not_found');
      });
    });

    it('a lock that ran out shows in the history as ended by time, and leaves the list', async () => {
      clock.advance(15 * 60_000);
      const bob = (await ok(s, 200, 'GET', '/api/v1/lockouts?limit=1'));
      expect(bob).toEqual({ items: [], nextCursor: null });
      const users = await ok(s, 200, 'GET', '/api/v1/users?email=bob@acme.test');
      const state = await ok(s, 200, 'GET', `/api/v1/users/${users.items[0].id}/lockout`);
      expect(state).toMatchObject({ locked: false, lockedUntil: null, history: [{ endedBy: 'time', endedAt: state.history[0].lockedUntil }] });
    });
  });
}
