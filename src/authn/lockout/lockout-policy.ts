import type { LockoutConfig } from '../../platform/config.ts';

/** When failed sign-ins lock an account, and for how long. */
export interface LockoutPolicy {
  /** Failures within the window that lock (>= 1). */
  threshold: number;
  /** Length of the sliding window failures are counted in. */
  windowMs: number;
  /** Length of a lock. */
  durationMs: number;
}

const MINUTE = 60_000;

/** The policy of the configuration (minutes become milliseconds). */
export function lockoutPolicyFrom(config: LockoutConfig): LockoutPolicy {
  return { threshold: config.threshold, windowMs: config.windowMinutes * MINUTE, durationMs: config.durationMinutes * MINUTE };
}

/** The instant before which failures no longer count at `now`: a failure counts only if it happened strictly after it. */
export function windowStart(policy: LockoutPolicy, now: Date): Date {
  return new Date(now.getTime() - policy.windowMs);
}

/**
 * Whether `failures` counted in the window at `now` reach the threshold, and
 * if so until when the lock lasts. Requires `failures` >= 0.
 */
export function decideLock(policy: LockoutPolicy, failures: number, now: Date): { lockedUntil: Date } | null {
  return failures >= policy.threshold ? { lockedUntil: new Date(now.getTime() + policy.durationMs) } : null;
}
