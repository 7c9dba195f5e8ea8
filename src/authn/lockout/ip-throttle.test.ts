import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { createLogger } from '../../platform/logger.ts';
import type { RateLimitStore } from '../../platform/config.ts';
import { createRateLimiterFactory, type RateLimiterFactory } from './rate-limiters.ts';
import { createIpThrottle, type ThrottleLimits } from './ip-throttle.ts';

/** Where the suites find Redis; scripts/test-services.sh starts it. */
const REDIS_URL = process.env.KEYLEDGER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIMITS: ThrottleLimits = { ipFailures: 3, ipAccounts: 3, backoffAfter: 2, windowSeconds: 60, blockSeconds: 60, maxBackoffSeconds: 60 };
const logger = createLogger('silent');

/** Every key under `prefix` in Redis. */
async function redisKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

for (const store of ['memory', 'postgres', 'redis'] as RateLimitStore[]) {
  describe(`the address throttle on the ${store} store`, () => {
    // A prefix of this run only, so runs sharing the Redis server never see each other's counters.
    const keyPrefix = `kltest-${randomBytes(6).toString('hex')}`;
    let database: TestDatabase | null = null;
    let redis: Redis | null = null;
    const factories: RateLimiterFactory[] = [];
    /** A node's factory: each call is another process with its own memory, on the same shared store. */
    const node = async () => {
      const f = await createRateLimiterFactory({ store, keyPrefix, pgPool: database?.pgPool ?? null, redisUrl: REDIS_URL, logger });
      factories.push(f);
      return f;
    };

    beforeAll(async () => {
      if (store === 'postgres') database = await createTestDatabase('postgres');
      if (store === 'redis') {
        redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
        await redis.connect().catch((err: Error) => {
          throw new Error(`Redis is not reachable at ${REDIS_URL} (${err.message}); run scripts/test-services.sh`);
        });
      }
    });
    afterAll(async () => {
      for (const f of factories) await f.close();
      if (redis) {
        const keys = await redisKeys(redis, keyPrefix);
        if (keys.length > 0) await redis.del(...keys);
        expect(await redisKeys(redis, keyPrefix)).toEqual([]);
        await redis.quit();
      }
      await database?.drop();
    });

    it('blocks an address at its 3rd failure, once, for the block time; other addresses pass', async () => {
      const throttle = createIpThrottle(await node(), LIMITS);
      expect(await throttle.recordFailure('203.0.113.1', null)).toBeNull();
      expect(await throttle.check('203.0.113.1', null)).toBeNull();
      expect(await throttle.recordFailure('203.0.113.1', null)).toBeNull();
      expect(await throttle.recordFailure('203.0.113.1', null)).toEqual({ ip: '203.0.113.1', trigger: 'failures', count: 3, blockSeconds: 60 });
      const verdict = await throttle.check('203.0.113.1', 'user:a');
      expect(verdict?.scope).toBe('ip');
      expect(verdict!.retryAfterSeconds).toBeGreaterThan(55);
      expect(verdict!.retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(await throttle.check('203.0.113.2', null)).toBeNull();
    });

    it('blocks an address that fails on 3 distinct accounts; the same account twice counts once', async () => {
      const throttle = createIpThrottle(await node(), { ...LIMITS, ipFailures: 100, backoffAfter: 100 });
      const ip = '203.0.113.10';
      expect(await throttle.recordFailure(ip, 'user:a')).toBeNull();
      expect(await throttle.recordFailure(ip, 'user:a')).toBeNull();
      expect(await throttle.recordFailure(ip, 'email:0f0f')).toBeNull();
      expect(await throttle.recordFailure(ip, 'user:b')).toEqual({ ip, trigger: 'accounts', count: 3, blockSeconds: 60 });
      expect((await throttle.check(ip, null))?.scope).toBe('ip');
      expect(await throttle.check('203.0.113.11', 'user:a')).toBeNull();
    });

    it('makes one address wait on one account after 2 consecutive failures, then twice as long; a success clears it', async () => {
      const throttle = createIpThrottle(await node(), { ...LIMITS, ipFailures: 100, ipAccounts: 100 });
      const ip = '203.0.113.20';
      await throttle.recordFailure(ip, 'user:a');
      expect(await throttle.check(ip, 'user:a')).toBeNull();
      await throttle.recordFailure(ip, 'user:a');
      expect(await throttle.check(ip, 'user:a')).toEqual({ scope: 'ip_account', retryAfterSeconds: 1 });
      expect(await throttle.check(ip, 'user:b')).toBeNull();
      expect(await throttle.check('203.0.113.21', 'user:a')).toBeNull();
      await throttle.recordFailure(ip, 'user:a');
      expect(await throttle.check(ip, 'user:a')).toEqual({ scope: 'ip_account', retryAfterSeconds: 2 });
      // Not counted toward the wait: a second-factor failure, for instance.
      await throttle.recordFailure(ip, 'user:c', { backoff: false });
      await throttle.recordFailure(ip, 'user:c', { backoff: false });
      expect(await throttle.check(ip, 'user:c')).toBeNull();
      await throttle.recordSuccess(ip, 'user:a');
      expect(await throttle.check(ip, 'user:a')).toBeNull();
      await throttle.recordFailure(ip, 'user:a');
      expect(await throttle.check(ip, 'user:a')).toBeNull();
    });

    it('counts an IPv6 /64 as one address, and an IPv4-mapped address as its IPv4 address', async () => {
      const throttle = createIpThrottle(await node(), LIMITS);
      for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2:aaaa::2', '2001:0db8:0001:0002:ffff:ffff:ffff:3']) await throttle.recordFailure(ip, null);
      expect((await throttle.check('2001:db8:1:2::99', null))?.scope).toBe('ip');
      expect(await throttle.check('2001:db8:1:3::1', null)).toBeNull();
      for (let i = 0; i < 3; i++) await throttle.recordFailure('::ffff:203.0.113.30', null);
      expect((await throttle.check('203.0.113.30', null))?.scope).toBe('ip');
    });

    if (store === 'memory') {
      it('keeps counts in this process only: another node does not see them', async () => {
        const a = createIpThrottle(await node(), LIMITS);
        const b = createIpThrottle(await node(), LIMITS);
        for (let i = 0; i < 3; i++) await a.recordFailure('203.0.113.40', null);
        expect((await a.check('203.0.113.40', null))?.scope).toBe('ip');
        expect(await b.check('203.0.113.40', null)).toBeNull();
      });
    } else {
      it('shares counts and blocks between nodes: failures on two nodes add up, and both refuse the address', async () => {
        const a = createIpThrottle(await node(), LIMITS);
        const b = createIpThrottle(await node(), LIMITS);
        await a.recordFailure('203.0.113.40', null);
        await b.recordFailure('203.0.113.40', null);
        expect(await a.recordFailure('203.0.113.40', null)).toMatchObject({ trigger: 'failures', count: 3 });
        expect((await b.check('203.0.113.40', null))?.scope).toBe('ip');
        await a.recordFailure('203.0.113.41', 'user:a');
        await a.recordFailure('203.0.113.41', 'user:a');
        expect(await b.check('203.0.113.41', 'user:a')).toEqual({ scope: 'ip_account', retryAfterSeconds: 1 });
      });

      it(`keeps the counters in ${store}, under the configured prefix`, async () => {
        let keys: string[];
        if (store === 'redis') keys = await redisKeys(redis!, keyPrefix);
        else keys = (await sql<{ key: string }>`select key from rate_limits`.execute(database!.db)).rows.map((r) => r.key);
        expect(keys.length).toBeGreaterThan(5);
        expect(keys.every((k) => k.startsWith(`${keyPrefix}:`))).toBe(true);
        expect(keys).toContain(`${keyPrefix}:ip-blocks:203.0.113.40`);
        expect(keys).toContain(`${keyPrefix}:ip-blocks:2001:db8:1:2::/64`);
      });
    }
  });
}
