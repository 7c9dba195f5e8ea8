import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimiterFactory } from './rate-limiters.ts';
import { backoffSeconds, throttleKeyForIp } from './throttle-key.ts';

/** How much failing one address may do. Counted in real time by rate-limiter-flexible, shared across nodes on a shared store. */
export interface ThrottleLimits {
  /** Failed sign-ins from one address within the window before it is blocked. */
  ipFailures: number;
  /** Distinct accounts failing from one address within the window (credential stuffing) before it is blocked. */
  ipAccounts: number;
  /** Consecutive failures from one address on one account before each further one imposes a doubling wait. */
  backoffAfter: number;
  windowSeconds: number;
  blockSeconds: number;
  maxBackoffSeconds: number;
}

/** The window counts run over, the length of an address block, and the longest per-account wait: 15 minutes each. */
export const DEFAULT_THROTTLE_TIMES = { windowSeconds: 15 * 60, blockSeconds: 15 * 60, maxBackoffSeconds: 15 * 60 } as const;

/** Why an attempt may not proceed now: the address is blocked, or the address must wait before trying this account again. */
export interface ThrottleVerdict {
  scope: 'ip' | 'ip_account';
  retryAfterSeconds: number;
}

/** An address just blocked, for the ledger (`authn.ip.throttled`). */
export interface IpBlock {
  ip: string;
  trigger: 'failures' | 'accounts';
  count: number;
  blockSeconds: number;
}

/** Whole seconds until `limiter` lets `key` through again; 0 when it is not blocked. */
async function secondsBlocked(limiter: RateLimiterAbstract, key: string): Promise<number> {
  const res = await limiter.get(key);
  if (!res || res.consumedPoints <= limiter.points) return 0;
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/**
 * Per-address throttling of sign-ins: a block after too many failures from
 * one address, or after failures against too many distinct accounts from it
 * (credential stuffing); and, per address and account, a wait that doubles
 * with each consecutive failure. Accounts are named by their lockout subject,
 * so an unknown email is throttled exactly like an account. IPv6 addresses
 * count by their /64.
 */
export function createIpThrottle(factory: RateLimiterFactory, limits: ThrottleLimits) {
  const window = limits.windowSeconds;
  const failures = factory.create({ name: 'ip-failures', points: limits.ipFailures, durationSeconds: window });
  const accountsSeen = factory.create({ name: 'ip-account-seen', points: 1, durationSeconds: window });
  const accounts = factory.create({ name: 'ip-accounts', points: limits.ipAccounts, durationSeconds: window });
  const ipBlocks = factory.create({ name: 'ip-blocks', points: 1, durationSeconds: limits.blockSeconds });
  const consecutive = factory.create({ name: 'backoff-count', points: 1_000_000, durationSeconds: 24 * 60 * 60 });
  const backoffBlocks = factory.create({ name: 'backoff-blocks', points: 1, durationSeconds: limits.maxBackoffSeconds });
  const pairKey = (ipKey: string, subject: string) => `${ipKey}|${subject}`;

  return {
    limits,

    /** Whether an attempt from `ip` (on `subject`, when known) must wait; null when it may proceed. */
    async check(ip: string, subject: string | null): Promise<ThrottleVerdict | null> {
      const ipKey = throttleKeyForIp(ip);
      const ipWait = await secondsBlocked(ipBlocks, ipKey);
      if (ipWait > 0) return { scope: 'ip', retryAfterSeconds: ipWait };
      if (!subject) return null;
      const pairWait = await secondsBlocked(backoffBlocks, pairKey(ipKey, subject));
      return pairWait > 0 ? { scope: 'ip_account', retryAfterSeconds: pairWait } : null;
    },

    /**
     * Counts a failed attempt from `ip` (on `subject`, when known; toward the
     * per-account wait when `backoff`). Returns the block it caused, once per
     * block (the count that reaches a limit is seen by exactly one caller,
     * counts being atomic), or null.
     */
    async recordFailure(ip: string, subject: string | null, options: { backoff: boolean } = { backoff: true }): Promise<IpBlock | null> {
      const ipKey = throttleKeyForIp(ip);
      let block: IpBlock | null = null;
      const failed = await failures.penalty(ipKey);
      if (failed.consumedPoints === limits.ipFailures) {
        await ipBlocks.block(ipKey, limits.blockSeconds);
        // Counting restarts after the block, so a further round of failures blocks again.
        await failures.delete(ipKey);
        block = { ip: ipKey, trigger: 'failures', count: failed.consumedPoints, blockSeconds: limits.blockSeconds };
      }
      if (!subject) return block;
      const pair = pairKey(ipKey, subject);
      // Only an account's first failure from this address in the window counts it as another account tried.
      if ((await accountsSeen.penalty(pair)).consumedPoints === 1) {
        const tried = await accounts.penalty(ipKey);
        if (tried.consumedPoints === limits.ipAccounts) {
          await accounts.delete(ipKey);
          if (!block) {
            await ipBlocks.block(ipKey, limits.blockSeconds);
            block = { ip: ipKey, trigger: 'accounts', count: tried.consumedPoints, blockSeconds: limits.blockSeconds };
          }
        }
      }
      if (!options.backoff) return block;
      const wait = backoffSeconds((await consecutive.penalty(pair)).consumedPoints, limits.backoffAfter, limits.maxBackoffSeconds);
      if (wait > 0) await backoffBlocks.block(pair, wait);
      return block;
    },

    /** A sign-in from `ip` on `subject` succeeded: its consecutive failures and wait are forgotten (the address's own counts are not). */
    async recordSuccess(ip: string, subject: string): Promise<void> {
      const pair = pairKey(throttleKeyForIp(ip), subject);
      await consecutive.delete(pair);
      await backoffBlocks.delete(pair);
    },
  };
}

export type IpThrottle = ReturnType<typeof createIpThrottle>;
