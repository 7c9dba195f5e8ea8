import { describe, expect, it } from 'vitest';
import { loadConfig, resolveRateLimitStore } from '../../platform/config.ts';

describe('lockout and rate-limit configuration', () => {
  it('defaults to 10 failures in 15 minutes locking for 15 minutes, and 100 failures or 20 accounts per address', () => {
    const config = loadConfig({});
    expect(config.lockout).toEqual({ threshold: 10, windowMinutes: 15, durationMinutes: 15 });
    expect(config.rateLimit).toEqual({ store: null, keyPrefix: 'keyledger', ipFailures: 100, ipAccounts: 20, backoffAfter: 5 });
    expect(config.redisUrl).toBeNull();
  });

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      KEYLEDGER_LOCKOUT_THRESHOLD: '5',
      KEYLEDGER_LOCKOUT_WINDOW_MINUTES: '30',
      KEYLEDGER_LOCKOUT_DURATION_MINUTES: '60',
      REDIS_URL: 'redis://cache:6379/2',
      KEYLEDGER_RATE_LIMIT_STORE: 'redis',
      KEYLEDGER_RATE_LIMIT_PREFIX: 'prod-eu',
      KEYLEDGER_RATE_LIMIT_IP_FAILURES: '50',
      KEYLEDGER_RATE_LIMIT_IP_ACCOUNTS: '10',
      KEYLEDGER_RATE_LIMIT_BACKOFF_AFTER: '3',
    });
    expect(config.lockout).toEqual({ threshold: 5, windowMinutes: 30, durationMinutes: 60 });
    expect(config.rateLimit).toEqual({ store: 'redis', keyPrefix: 'prod-eu', ipFailures: 50, ipAccounts: 10, backoffAfter: 3 });
    expect(config.redisUrl).toBe('redis://cache:6379/2');
  });

  it('picks the store by deployment: Redis when configured, else PostgreSQL on PostgreSQL, else memory', () => {
    expect(resolveRateLimitStore(loadConfig({}), 'sqlite')).toBe('memory');
    expect(resolveRateLimitStore(loadConfig({}), 'postgres')).toBe('postgres');
    expect(resolveRateLimitStore(loadConfig({ REDIS_URL: 'redis://cache:6379' }), 'postgres')).toBe('redis');
    expect(resolveRateLimitStore(loadConfig({ REDIS_URL: 'redis://cache:6379', KEYLEDGER_RATE_LIMIT_STORE: 'memory' }), 'sqlite')).toBe('memory');
    expect(() => resolveRateLimitStore(loadConfig({ KEYLEDGER_RATE_LIMIT_STORE: 'postgres' }), 'sqlite')).toThrow(/needs DATABASE_URL/);
  });

  it('refuses values it cannot use, naming the variable', () => {
    for (const [name, value] of [
      ['KEYLEDGER_LOCKOUT_THRESHOLD', '0'],
      ['KEYLEDGER_LOCKOUT_WINDOW_MINUTES', 'soon'],
      ['KEYLEDGER_LOCKOUT_DURATION_MINUTES', '1.5'],
      ['KEYLEDGER_RATE_LIMIT_IP_FAILURES', '-1'],
      ['KEYLEDGER_RATE_LIMIT_STORE', 'mongo'],
      ['KEYLEDGER_RATE_LIMIT_PREFIX', 'has space'],
      ['REDIS_URL', 'http://cache:6379'],
    ]) {
      expect(() => loadConfig({ [name]: value }), name).toThrow(new RegExp(name));
    }
    expect(() => loadConfig({ KEYLEDGER_RATE_LIMIT_STORE: 'redis' })).toThrow(/needs REDIS_URL/);
  });
});
