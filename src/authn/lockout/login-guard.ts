import type { CommandScope } from '../../audit/command-runner.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import type { AccountLockout, AppliedLock } from './account-lockout.ts';
import type { IpThrottle } from './ip-throttle.ts';
import { lockoutSubject } from './lockout-subject.ts';

/** Who an attempt is for, as far as the login knows (an account, or only the email typed), and with which method. */
export interface GuardedAttempt {
  method: 'password' | 'totp' | 'recovery_code' | 'passkey';
  email: string | null;
  userId: string | null;
}

/** A failed attempt and the reason the ledger records for it. */
export interface GuardedFailure extends GuardedAttempt {
  reason: string;
}

/** Why the guard refuses an attempt before any factor is checked. */
export type GuardRefusal = { reason: 'rate_limited'; error: KeyledgerError } | { reason: 'account_locked' };

/**
 * What login.ts asks before and after each attempt. `checkAttempt` runs before
 * any factor is checked; the two `...InScope` calls run inside the command that
 * records the attempt, so counts and locks commit with its ledger event.
 */
export interface LoginGuard {
  /** A refusal when the address is throttled (429) or the account is locked, else null. */
  checkAttempt(ctx: CommandContext, attempt: GuardedAttempt): Promise<GuardRefusal | null>;
  /** Counts a failure; returns work to run once the command has committed (the unlock mail), or null. */
  recordFailureInScope(scope: CommandScope, ctx: CommandContext, failure: GuardedFailure): Promise<(() => Promise<void>) | null>;
  /** Forgets the account's failures after a completed sign-in. */
  recordSuccessInScope(scope: CommandScope, ctx: CommandContext, userId: string): Promise<void>;
}

/** No throttling and no lockout: for services built without the runtime (the runtime always passes a real guard). */
export const noLoginGuard: LoginGuard = {
  checkAttempt: async () => null,
  recordFailureInScope: async () => null,
  recordSuccessInScope: async () => {},
};

/**
 * Refusals that are a wrong guess at a credential of the account, and so count
 * toward its lockout. A right password refused for another reason (inactive
 * account, not a member) is not a guess; challenge states have no guess either.
 */
export const LOCKOUT_COUNTED_REASONS: ReadonlySet<string> = new Set(['unknown_account', 'wrong_password', 'no_password', 'no_totp', 'wrong_totp', 'replayed_totp', 'malformed_code', 'wrong_recovery_code']);

export interface LoginGuardDeps {
  clock: Clock;
  lockout: AccountLockout;
  throttle: IpThrottle;
  /** Key for the keyed hash of emails without an account (deriveLockoutSubjectKey). */
  subjectKey: Buffer;
  /** Sends the unlock link of a lock just applied to an account; called after the lock committed. */
  sendUnlockMail(lock: AppliedLock): Promise<void>;
  logger: Logger;
}

/** The guard over rate limits (per address) and lockout (per account) that the login commands consult. */
export function createLoginGuard(deps: LoginGuardDeps): LoginGuard {
  const { clock, lockout, throttle, subjectKey, logger } = deps;
  const subjectOf = (who: Pick<GuardedAttempt, 'email' | 'userId'>) => lockoutSubject(subjectKey, who);

  return {
    async checkAttempt(ctx, attempt) {
      const subject = subjectOf(attempt);
      const ip = ctx.request.ip;
      // Throttling first: a blocked address learns nothing about the account, and costs no lookup of it.
      // The per-account wait slows password guessing; a second factor is already bounded by its challenge (5 codes, then a new password).
      const verdict = ip ? await throttle.check(ip, attempt.method === 'password' ? subject : null) : null;
      if (verdict) {
        const error = new KeyledgerError('authn.rate_limited', `too many failed sign-ins from this address; try again in ${verdict.retryAfterSeconds} seconds`, { retryAfterSeconds: verdict.retryAfterSeconds });
        return { reason: 'rate_limited', error };
      }
      if (subject && (await lockout.findActiveLock(subject, clock.now()))) return { reason: 'account_locked' };
      return null;
    },

    async recordFailureInScope(scope, ctx, failure) {
      // A refusal by the throttle did no work and is not a further failure of anything.
      if (failure.reason === 'rate_limited') return null;
      const subject = subjectOf(failure);
      const lock = subject && LOCKOUT_COUNTED_REASONS.has(failure.reason) ? await lockout.countFailure(scope, subject, failure.userId) : null;
      const ip = ctx.request.ip;
      const block = ip ? await throttle.recordFailure(ip, subject, { backoff: failure.method === 'password' }) : null;
      if (block) scope.record({ action: 'authn.ip.throttled', targets: [{ type: 'ip', id: block.ip }], data: { ip: block.ip, trigger: block.trigger, count: block.count, blockSeconds: block.blockSeconds } });
      const now = scope.now;
      return async () => {
        // The refusal the client gets must not depend on mail or housekeeping: failures here are logged only.
        if (lock?.unlockToken) await deps.sendUnlockMail(lock).catch((err: Error) => logger.error({ lockId: lock.lockId, err: err.message }, 'unlock mail not sent'));
        await lockout.prune(now).catch((err: Error) => logger.warn({ err: err.message }, 'pruning old sign-in failures failed'));
      };
    },

    async recordSuccessInScope(scope, ctx, userId) {
      const subject = subjectOf({ userId, email: null })!;
      await lockout.clearFailures(scope, subject);
      if (ctx.request.ip) await throttle.recordSuccess(ctx.request.ip, subject);
    },
  };
}
