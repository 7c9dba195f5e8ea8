import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { DIALECTS } from '../../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../../test/support/runtime.ts';
import { buildLoginApp, countedAuthn, freshIp, lockAccount } from '../../../test/support/lockout.ts';
import { ManualClock } from '../../platform/clock.ts';
import { systemContext } from '../../audit/event.ts';

const admin = systemContext('test', 'enumeration test');
const PASSWORD = 'quartz-lantern-meadow-91-harbor';
const ROUNDS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const dialect of DIALECTS) {
  describe(`no account enumeration through sign-in refusals, on ${dialect}`, () => {
    let t: TestRuntime;
    let app: FastifyInstance;
    let hasher: ReturnType<typeof countedAuthn>['hasher'];
    const clock = new ManualClock('2026-04-02T08:00:00.000Z');

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      for (const email of ['locked@acme.test', 'plain@acme.test']) {
        const id = (await t.rt.identity.createUser(admin, { email })).id;
        await t.rt.authn.setPassword(admin, id, PASSWORD);
      }
      await lockAccount(t.rt, 'locked@acme.test');
      const counted = countedAuthn(t.rt);
      hasher = counted.hasher;
      app = await buildLoginApp(counted.authn);
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('an unknown email, a locked account (with its right password) and a wrong password get the same response, each after exactly one argon2 verification, in comparable time', async () => {
      const cases = {
        unknown: { email: 'nobody@acme.test', password: PASSWORD },
        locked: { email: 'locked@acme.test', password: PASSWORD },
        wrong: { email: 'plain@acme.test', password: 'not-the-password-at-all-71' },
      };
      const seen: Record<string, { status: number; headers: Record<string, unknown>; body: unknown; argon2: number; ms: number }[]> = { unknown: [], locked: [], wrong: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, body] of Object.entries(cases)) {
          hasher.calls = 0;
          const started = performance.now();
          const res = await app.inject({ method: 'POST', url: '/login', payload: body, remoteAddress: freshIp(), headers: { 'user-agent': 'enumeration probe' } });
          const ms = performance.now() - started;
          // The date ticks and the length follows the request id; everything else must match.
          const { date: _date, 'content-length': _length, ...headers } = res.headers;
          const { requestId: _id, ...error } = res.json().error;
          seen[name].push({ status: res.statusCode, headers, body: error, argon2: hasher.calls, ms });
        }
      }
      const all = Object.values(seen).flat();
      expect(all.map((r) => r.argon2)).toEqual(Array(3 * ROUNDS).fill(1));
      expect(new Set(all.map((r) => JSON.stringify([r.status, r.headers, r.body]))).size).toBe(1);
      expect(all[0]).toMatchObject({ status: 401, body: { code: 'authn.login_failed', message: 'the email address or password is incorrect' } });
      expect(all[0].headers).not.toHaveProperty('retry-after');

      // Timing: argon2 dominates every path; a generous bound, since the machine is shared.
      const medians = Object.fromEntries(Object.entries(seen).map(([name, rs]) => [name, median(rs.map((r) => r.ms))]));
      const spread = Math.max(...Object.values(medians)) / Math.min(...Object.values(medians));
      expect({ medians, within: spread < 3 }).toMatchObject({ within: true });

      // The ledger, and only the ledger, knows which was which.
      const { events } = await t.rt.ledger.listEvents({ actionPrefix: 'authn.login.failed' }, { limit: 5000 });
      const probes = events.filter((e) => e.context.userAgent === 'enumeration probe');
      expect(probes.map((e) => e.reason)).toEqual(Array(ROUNDS).fill(['unknown_account', 'account_locked', 'wrong_password']).flat());
    });
  });
}
