import type { Db } from '../../platform/database.ts';
import type { CommandScope } from '../../audit/command-runner.ts';
import { generateToken, hashToken } from '../../platform/ids.ts';
import type { AccountLockoutRow } from '../../platform/schema.ts';
import { decideLock, windowStart, type LockoutPolicy } from './lockout-policy.ts';
import * as repo from './repository.ts';

/** A lock just applied; `unlockToken` (accounts only) is the one-time secret for the emailed link, never stored. */
export interface AppliedLock {
  lockId: string;
  subject: string;
  userId: string | null;
  failures: number;
  lockedUntil: string;
  unlockToken: string | null;
}

export interface AccountLockoutDeps {
  db: Db;
  newId: () => string;
  policy: LockoutPolicy;
}

/**
 * Failed sign-ins per subject in a sliding window over the injected clock,
 * and the locks they lead to. Everything that changes state runs inside the
 * caller's command, so a count, a lock and their ledger events commit together.
 */
export function createAccountLockout(deps: AccountLockoutDeps) {
  const { db, newId, policy } = deps;

  return {
    policy,

    /** The lock in force on `subject` at `now` (not lifted, not yet over), if any. */
    findActiveLock(subject: string, now: Date): Promise<AccountLockoutRow | undefined> {
      return repo.findActiveLockoutBySubject(db, subject, now.toISOString());
    },

    /** Failures of `subject` counted in the window at `now`. */
    countFailures(subject: string, now: Date): Promise<number> {
      return repo.countLoginFailuresBySubjectSince(db, subject, windowStart(policy, now).toISOString());
    },

    /**
     * Counts one failed sign-in of `subject` at the command's time. When the
     * failures in the window reach the threshold, locks the subject, records
     * `authn.account.locked` and returns the lock (with an unlock token for an
     * account); otherwise null. A subject already locked is not counted again.
     */
    async countFailure(scope: CommandScope, subject: string, userId: string | null): Promise<AppliedLock | null> {
      const { trx, now, record } = scope;
      const time = now.toISOString();
      await repo.claimLockoutSubject(trx, subject, userId, time);
      // Two attempts may both pass the pre-check before a lock exists; the later one must not lock again.
      if (await repo.findActiveLockoutBySubject(trx, subject, time)) return null;
      await repo.insertLoginFailure(trx, { id: newId(), subject, failed_at: time });
      const failures = await repo.countLoginFailuresBySubjectSince(trx, subject, windowStart(policy, now).toISOString());
      const decision = decideLock(policy, failures, now);
      if (!decision) return null;
      // Only an account has an address to mail the unlock link to.
      const unlockToken = userId ? generateToken('unlock') : null;
      const row: AccountLockoutRow = {
        id: newId(),
        subject,
        user_id: userId,
        failures,
        locked_at: time,
        locked_until: decision.lockedUntil.toISOString(),
        unlock_token_hash: unlockToken ? hashToken(unlockToken) : null,
        unlocked_at: null,
        unlock_method: null,
        unlocked_by_type: null,
        unlocked_by_id: null,
      };
      await repo.insertAccountLockout(trx, row);
      // The lock uses up the failures that caused it: once it ends, counting starts again from zero.
      await repo.deleteLoginFailuresBySubject(trx, subject);
      record({ action: 'authn.account.locked', targets: userId ? [{ type: 'user', id: userId }] : [], data: { userId, lockId: row.id, failures, lockedUntil: row.locked_until } });
      return { lockId: row.id, subject, userId, failures, lockedUntil: row.locked_until, unlockToken };
    },

    /** Forgets the failures of `subject` (a sign-in succeeded, or a lock was lifted). */
    clearFailures(scope: CommandScope, subject: string): Promise<void> {
      return repo.deleteLoginFailuresBySubject(scope.trx, subject);
    },

    /** Drops failures that left the window at `now`; outside any command (see pruneLoginFailuresBefore). */
    prune(now: Date): Promise<void> {
      return repo.pruneLoginFailuresBefore(db, windowStart(policy, now).toISOString());
    },
  };
}

export type AccountLockout = ReturnType<typeof createAccountLockout>;
