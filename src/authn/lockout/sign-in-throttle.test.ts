import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { DIALECTS } from '../../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../../test/support/runtime.ts';
import { buildLoginApp, countedAuthn, freshIp, refusalOf, webContext } from '../../../test/support/lockout.ts';
import { ManualClock } from '../../platform/clock.ts';
import { systemContext } from '../../audit/event.ts';
import type { AuthnService } from '../service.ts';
import { createRuntime, type Runtime } from '../../runtime.ts';
import { createLogger } from '../../platform/logger.ts';
import { eventTail } from '../../../test/support/thrown.ts';

const admin = systemContext('test', 'throttle test');
const PASSWORD = 'quartz-lantern-meadow-91-harbor';
const WRONG = 'not-the-password-at-all-71';
const LIMITS = { KEYLEDGER_RATE_LIMIT_IP_FAILURES: '8', KEYLEDGER_RATE_LIMIT_IP_ACCOUNTS: '5', KEYLEDGER_RATE_LIMIT_BACKOFF_AFTER: '3' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const dialect of DIALECTS) {
  describe(`sign-in throttling per address on ${dialect}`, () => {
    let t: TestRuntime;
    let authn: AuthnService;
    let hasher: ReturnType<typeof countedAuthn>['hasher'];
    let app: FastifyInstance;
    const clock = new ManualClock('2026-04-03T08:00:00.000Z');
    const newEvents = eventTail(() => t.rt);
    const attempt = (ip: string, email: string, password: string) => authn.beginPasswordLogin(webContext(ip), { email, password });

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock, env: LIMITS });
      for (const email of ['ada@acme.test', 'bob@acme.test', 'cy@acme.test', 'dee@acme.test']) {
        const id = (await t.rt.identity.createUser(admin, { email })).id;
        await t.rt.authn.setPassword(admin, id, PASSWORD);
      }
      ({ authn, hasher } = countedAuthn(t.rt));
      app = await buildLoginApp(authn);
      await newEvents();
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('blocks an address after its 8th failure: 429 with Retry-After, no argon2 work, one authn.ip.throttled; other addresses still sign in', async () => {
      const ip = freshIp();
      // Eight failures over four accounts, two each: under the per-account and the distinct-accounts limits.
      for (const email of ['ada@acme.test', 'bob@acme.test', 'nobody@acme.test', 'nobody2@acme.test', 'ada@acme.test', 'bob@acme.test', 'nobody@acme.test', 'nobody2@acme.test']) {
        expect((await refusalOf(attempt(ip, email, WRONG))).code).toBe('authn.login_failed');
      }
      const events = await newEvents();
      expect(events.filter((e) => e.action === 'authn.ip.throttled').map((e) => [e.data, e.targets])).toEqual([[{ ip, trigger: 'failures', count: 8, blockSeconds: 900 }, [{ type: 'ip', id: ip }]]]);

      hasher.calls = 0;
      const refused = await refusalOf(attempt(ip, 'cy@acme.test', PASSWORD));
      expect(refused).toMatchObject({ code: 'authn.rate_limited', status: 429 });
      const wait = (refused.details as { retryAfterSeconds: number }).retryAfterSeconds;
      expect(wait).toBeGreaterThan(890);
      expect(wait).toBeLessThanOrEqual(900);
      expect(hasher.calls).toBe(0);
      const res = await app.inject({ method: 'POST', url: '/login', payload: { email: 'cy@acme.test', password: PASSWORD }, remoteAddress: ip });
      expect(res.statusCode).toBe(429);
      expect(res.json().error).toMatchObject({ code: 'authn.rate_limited', details: { retryAfterSeconds: expect.any(Number) } });
      expect(Number(res.headers['retry-after'])).toBe(res.json().error.details.retryAfterSeconds);
      const refusals = await newEvents();
      expect(refusals.map((e) => [e.action, e.reason, e.data.method, e.context.ip])).toEqual([
        ['authn.login.failed', 'rate_limited', 'password', ip],
        ['authn.login.failed', 'rate_limited', 'password', ip],
      ]);
      // Refused attempts are not failures of the account: its lockout count did not move.
      expect((await t.rt.lockouts.getLockoutState(refusals[0].data.userId as string)).failuresInWindow).toBe(0);

      expect((await attempt(freshIp(), 'cy@acme.test', PASSWORD)).mfaRequired).toBe(false);
    });

    it('throttles credential stuffing: failures against 5 distinct accounts block the address, while the same account signs in from another', async () => {
      const stuffer = freshIp();
      for (const email of ['ada@acme.test', 'ghost1@acme.test', 'bob@acme.test', 'ghost2@acme.test', 'cy@acme.test']) {
        expect((await refusalOf(attempt(stuffer, email, WRONG))).code).toBe('authn.login_failed');
      }
      expect((await refusalOf(attempt(stuffer, 'dee@acme.test', PASSWORD))).code).toBe('authn.rate_limited');
      expect((await attempt(freshIp(), 'dee@acme.test', PASSWORD)).mfaRequired).toBe(false);
      const throttled = (await newEvents()).filter((e) => e.action === 'authn.ip.throttled');
      expect(throttled.map((e) => e.data)).toEqual([{ ip: stuffer, trigger: 'accounts', count: 5, blockSeconds: 900 }]);
    });

    it('makes one address wait after 3 consecutive failures on one account, doubling; other accounts and addresses are unaffected; a sign-in clears it', async () => {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) expect((await refusalOf(attempt(ip, 'bob@acme.test', WRONG))).code).toBe('authn.login_failed');
      const waiting = await refusalOf(attempt(ip, 'bob@acme.test', PASSWORD));
      expect(waiting).toMatchObject({ code: 'authn.rate_limited', details: { retryAfterSeconds: 1 } });
      expect((await refusalOf(attempt(ip, 'ada@acme.test', WRONG))).code).toBe('authn.login_failed');
      expect((await refusalOf(attempt(freshIp(), 'bob@acme.test', WRONG))).code).toBe('authn.login_failed');
      // The wait is real time (rate-limiter-flexible), not the injected clock.
      await sleep(1100);
      expect((await refusalOf(attempt(ip, 'bob@acme.test', WRONG))).code).toBe('authn.login_failed');
      expect(await refusalOf(attempt(ip, 'bob@acme.test', PASSWORD))).toMatchObject({ code: 'authn.rate_limited', details: { retryAfterSeconds: 2 } });
      await sleep(2100);
      expect((await attempt(ip, 'bob@acme.test', PASSWORD)).mfaRequired).toBe(false);
      // Counting starts again: without the reset, the first of these would impose a wait on the second.
      expect((await refusalOf(attempt(ip, 'bob@acme.test', WRONG))).code).toBe('authn.login_failed');
      expect((await refusalOf(attempt(ip, 'bob@acme.test', WRONG))).code).toBe('authn.login_failed');
    });

    if (dialect === 'postgres') {
      it('keeps the counters in PostgreSQL (rate_limits), where every node sees them', async () => {
        const { rows } = await sql<{ key: string }>`select key from rate_limits`.execute(t.database.db);
        expect(rows.length).toBeGreaterThan(5);
        expect(rows.every((r) => r.key.startsWith('keyledger:'))).toBe(true);
        const stored = JSON.stringify(rows);
        expect(stored).toMatch(/keyledger:ip-blocks:198\.1[89]\./);
        // Accounts appear only as lockout subjects: an id, or a keyed hash of an email.
        expect(stored).not.toContain('ghost');
      });
    }
  });
}

describe('sign-in throttling on the Redis store, shared by two nodes', () => {
  const REDIS_URL = process.env.KEYLEDGER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `kltest-${randomBytes(6).toString('hex')}`;
  let t: TestRuntime;
  let second: Runtime;
  let redis: Redis;
  const keys = async () => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    t = await createTestRuntime('sqlite', { env: { REDIS_URL, KEYLEDGER_RATE_LIMIT_PREFIX: prefix, KEYLEDGER_RATE_LIMIT_IP_FAILURES: '3' } });
    // Another node: its own process state, the same database and the same Redis.
    second = await createRuntime({ ...t.rt.config }, { database: t.database, clock: t.rt.clock, logger: createLogger('silent') });
    const id = (await t.rt.identity.createUser(admin, { email: 'ada@acme.test' })).id;
    await t.rt.authn.setPassword(admin, id, PASSWORD);
  });
  afterAll(async () => {
    await second?.sequencer.stop();
    await second?.lockouts.close();
    await second?.bus.close();
    await t?.close();
    const left = await keys();
    if (left.length > 0) await redis.del(...left);
    await redis?.quit();
  });

  it('counts failures on either node and refuses the address on both', async () => {
    const ip = freshIp();
    const on = (rt: Runtime, email: string, password: string) => rt.authn.beginPasswordLogin(webContext(ip), { email, password });
    expect((await refusalOf(on(t.rt, 'ada@acme.test', WRONG))).code).toBe('authn.login_failed');
    expect((await refusalOf(on(second, 'nobody@acme.test', WRONG))).code).toBe('authn.login_failed');
    expect((await refusalOf(on(t.rt, 'nobody2@acme.test', WRONG))).code).toBe('authn.login_failed');
    expect((await refusalOf(on(second, 'ada@acme.test', PASSWORD))).code).toBe('authn.rate_limited');
    expect((await refusalOf(on(t.rt, 'ada@acme.test', PASSWORD))).code).toBe('authn.rate_limited');
    expect(await keys()).toContain(`${prefix}:ip-blocks:${ip}`);
    expect((await second.authn.beginPasswordLogin(webContext(freshIp()), { email: 'ada@acme.test', password: PASSWORD })).mfaRequired).toBe(false);
  });
});
