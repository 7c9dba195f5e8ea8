import { Redis } from 'ioredis';
import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitStore } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { KeyledgerError } from '../../platform/errors.ts';

/** One counter family: `points` per `durationSeconds`, keys prefixed with `name`. */
export interface LimiterSpec {
  name: string;
  points: number;
  durationSeconds: number;
}

/** Makes rate-limiter-flexible limiters on one store. */
export interface RateLimiterFactory {
  readonly store: RateLimitStore;
  create(spec: LimiterSpec): RateLimiterAbstract;
  /** Closes the Redis connection, if any. */
  close(): Promise<void>;
}

export interface RateLimiterFactoryOptions {
  store: RateLimitStore;
  /** Prefix of every key (`<keyPrefix>:<name>:<key>`), so deployments or test runs can share one store. */
  keyPrefix: string;
  /** The pg pool of the PostgreSQL database (store `postgres`); counters go to its `rate_limits` table. */
  pgPool?: pg.Pool | null;
  /** redis:// URL (store `redis`). */
  redisUrl?: string | null;
  logger: Logger;
}

/** The table the migration made for RateLimiterPostgres. */
const PG_TABLE = 'rate_limits';

/**
 * A limiter factory on the chosen store: this process's memory, PostgreSQL
 * (the database's own pool) or Redis (its own connection, opened here).
 * Shared stores get a memory limiter as insurance, so an outage of the store
 * degrades to per-node counting instead of refusing or admitting every
 * sign-in. Throws `config.invalid` when the store's client is missing.
 */
export async function createRateLimiterFactory(options: RateLimiterFactoryOptions): Promise<RateLimiterFactory> {
  const { store, keyPrefix, logger } = options;
  const keyOf = (spec: LimiterSpec) => `${keyPrefix}:${spec.name}`;
  const memory = (spec: LimiterSpec) => new RateLimiterMemory({ keyPrefix: keyOf(spec), points: spec.points, duration: spec.durationSeconds });

  if (store === 'memory') return { store, create: memory, close: async () => {} };

  if (store === 'postgres') {
    const pool = options.pgPool;
    if (!pool) throw new KeyledgerError('config.invalid', 'the postgres rate-limit store needs the PostgreSQL database');
    let sweeping = false;
    return {
      store,
      create(spec) {
        // One limiter sweeping expired rows is enough; they all share the table.
        const clearExpiredByTimeout = !sweeping;
        sweeping = true;
        return new RateLimiterPostgres({ storeClient: pool, storeType: 'pool', tableName: PG_TABLE, tableCreated: true, clearExpiredByTimeout, keyPrefix: keyOf(spec), points: spec.points, duration: spec.durationSeconds, insuranceLimiter: memory(spec) });
      },
      close: async () => {},
    };
  }

  if (!options.redisUrl) throw new KeyledgerError('config.invalid', 'the redis rate-limit store needs REDIS_URL');
  // No offline queue: while Redis is away, calls fail at once and the insurance limiter answers, instead of sign-ins hanging.
  const redis = new Redis(options.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'rate-limit store: redis error'));
  try {
    await redis.connect();
  } catch (err) {
    // Sign-ins still work on the insurance limiters; ioredis keeps reconnecting.
    logger.error({ err: (err as Error).message }, 'rate-limit store: redis is not reachable; counting per node until it is');
  }
  return {
    store,
    create: (spec) => new RateLimiterRedis({ storeClient: redis, rejectIfRedisNotReady: true, keyPrefix: keyOf(spec), points: spec.points, duration: spec.durationSeconds, insuranceLimiter: memory(spec) }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
