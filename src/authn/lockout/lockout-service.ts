import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { MasterKey } from '../../platform/crypto.ts';
import type { CommandRunner } from '../../audit/command-runner.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { IdentityService } from '../../identity/service.ts';
import type { Mailer } from '../../mail/mailer.ts';
import type { AccountLockoutRow } from '../../platform/schema.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import { digestsEqual, hashToken } from '../../platform/ids.ts';
import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import { createAccountLockout, type AppliedLock } from './account-lockout.ts';
import { createIpThrottle, type ThrottleLimits } from './ip-throttle.ts';
import { createLoginGuard } from './login-guard.ts';
import type { LockoutPolicy } from './lockout-policy.ts';
import { deriveLockoutSubjectKey, lockoutSubject } from './lockout-subject.ts';
import type { RateLimiterFactory } from './rate-limiters.ts';
import { composeUnlockMail } from './unlock-mail.ts';
import * as repo from './repository.ts';

/** One lock of an account, as the admin API shows it. */
export interface LockRecord {
  id: string;
  lockedAt: string;
  lockedUntil: string;
  failures: number;
  /** When the lock ended (lifted, or ran out), or null while it lasts. */
  endedAt: string | null;
  /** How it ended: by time, by an administrator, by the emailed link; null while it lasts. */
  endedBy: 'time' | 'admin' | 'email' | null;
}

/** An account's lockout state now. */
export interface LockoutState {
  userId: string;
  locked: boolean;
  lockedUntil: string | null;
  /** Failed sign-ins counted in the current window (a lock uses up the failures that caused it). */
  failuresInWindow: number;
  threshold: number;
  windowMinutes: number;
  durationMinutes: number;
  /** The account's locks, newest first (at most 20). */
  history: LockRecord[];
}

/** An account locked now, for the list of locked accounts. */
export interface LockedAccount {
  /** The lock's id. */
  id: string;
  userId: string;
  email: string;
  failures: number;
  lockedAt: string;
  lockedUntil: string;
}

export interface LockoutServiceDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  master: MasterKey;
  mailer: Mailer;
  identity: IdentityService;
  logger: Logger;
  /** Base of the unlock link. */
  publicUrl: string;
  policy: LockoutPolicy;
  limiters: RateLimiterFactory;
  limits: ThrottleLimits;
}

const UNLOCK_TOKEN_RE = /^kl_unlock_[A-Za-z0-9_-]{43}$/;
const HISTORY_LIMIT = 20;
const MINUTE = 60_000;

/** A lock ended or was lifted between the check and the command: nothing to do. */
class AlreadyUnlocked extends Error {}

function toRecord(row: AccountLockoutRow, now: string): LockRecord {
  const ranOut = row.unlocked_at === null && row.locked_until <= now;
  return {
    id: row.id,
    lockedAt: row.locked_at,
    lockedUntil: row.locked_until,
    failures: Number(row.failures),
    endedAt: row.unlocked_at ?? (ranOut ? row.locked_until : null),
    endedBy: row.unlock_method ?? (ranOut ? 'time' : null),
  };
}

/**
 * Sign-in throttling and account lockout (SOC 2 CC6.1, CC6.6): the guard the
 * login commands consult, the lockout state and list for administrators, and
 * unlocking by an administrator or by the emailed one-time link. Locks end by
 * themselves at `lockedUntil` (the clock decides; no event is needed, the
 * `authn.account.locked` event carries the time).
 */
export function createLockoutService(deps: LockoutServiceDeps) {
  const { db, runner, clock, newId, identity, logger, policy } = deps;
  const subjectKey = deriveLockoutSubjectKey(deps.master.key);
  const lockout = createAccountLockout({ db, newId, policy });
  const throttle = createIpThrottle(deps.limiters, deps.limits);
  const accountSubject = (userId: string) => lockoutSubject(subjectKey, { userId, email: null })!;

  async function sendUnlockMail(lock: AppliedLock): Promise<void> {
    const user = await identity.requireUser(lock.userId!);
    // A suspended or deprovisioned account cannot sign in anyway; a link would only invite confusion.
    if (user.status !== 'active') return;
    const mail = composeUnlockMail({ publicUrl: deps.publicUrl, token: lock.unlockToken!, failures: lock.failures, lockedUntil: lock.lockedUntil });
    await deps.mailer.send({ kind: 'account_unlock', to: user.email, ...mail });
  }

  const guard = createLoginGuard({ clock, lockout, throttle, subjectKey, sendUnlockMail, logger });

  async function getLockoutState(userId: string): Promise<LockoutState> {
    await identity.requireUser(userId);
    const now = clock.now();
    const subject = accountSubject(userId);
    const active = await lockout.findActiveLock(subject, now);
    const history = await repo.listAccountLockoutsByUserId(db, userId, HISTORY_LIMIT);
    return {
      userId,
      locked: active !== undefined,
      lockedUntil: active?.locked_until ?? null,
      failuresInWindow: await lockout.countFailures(subject, now),
      threshold: policy.threshold,
      windowMinutes: policy.windowMs / MINUTE,
      durationMinutes: policy.durationMs / MINUTE,
      history: history.map((row) => toRecord(row, now.toISOString())),
    };
  }

  return {
    /** What the login commands consult before and after each attempt. */
    guard,
    /** The account's lockout state now. Throws `user.not_found`. */
    getLockoutState,

    /** Accounts locked now, oldest lock first, paged by `cursor`. Throws `pagination.invalid_cursor`. */
    async listLockedAccounts(page: { limit: number; cursor?: string }): Promise<{ items: LockedAccount[]; nextCursor: string | null }> {
      const after = page.cursor ? decodeCursor(page.cursor, 'lockout') : null;
      const rows = await repo.listActiveAccountLockouts(db, clock.now().toISOString(), after, page.limit + 1);
      const items = rows.slice(0, page.limit).map((r) => ({ id: r.id, userId: r.user_id!, email: r.email, failures: Number(r.failures), lockedAt: r.locked_at, lockedUntil: r.locked_until }));
      return { items, nextCursor: rows.length > page.limit ? encodeCursor('lockout', items[items.length - 1].id) : null };
    },

    /**
     * Lifts the account's lock now (`authn.account.unlocked`, method admin)
     * and forgets its failures; returns the state after. An account that is
     * not locked is left as it is, with no event. Throws `user.not_found`.
     */
    async unlockUser(ctx: CommandContext, userId: string, reason: string | null = null): Promise<LockoutState> {
      await identity.requireUser(userId);
      const subject = accountSubject(userId);
      const active = await lockout.findActiveLock(subject, clock.now());
      if (!active) return getLockoutState(userId);
      try {
        await runner.run(ctx, async (scope) => {
          // Re-checked in the transaction: the lock may have run out or been lifted meanwhile.
          if (!(await repo.markAccountLockoutUnlocked(scope.trx, active.id, { time: scope.now.toISOString(), method: 'admin', byType: ctx.actor.type, byId: ctx.actor.id }))) throw new AlreadyUnlocked();
          await lockout.clearFailures(scope, subject);
          scope.record({ action: 'authn.account.unlocked', targets: [{ type: 'user', id: userId }], data: { userId, lockId: active.id, method: 'admin', reason } });
        });
      } catch (err) {
        if (!(err instanceof AlreadyUnlocked)) throw err;
      }
      return getLockoutState(userId);
    },

    /**
     * Unlocks the account whose emailed link carried `token`
     * (`authn.account.unlocked`, method email). The link works once, and only
     * while its lock lasts. Throws `authn.unlock_token_invalid` for a token
     * that is malformed, unknown, used, or whose lock has ended or was lifted.
     */
    async unlockWithToken(ctx: CommandContext, token: string): Promise<{ userId: string; lockId: string; unlockedAt: string }> {
      const invalid = () => new KeyledgerError('authn.unlock_token_invalid', 'this unlock link is unknown, already used, or its lock has already ended');
      // Anything not shaped like an unlock token never reaches the database.
      if (typeof token !== 'string' || !UNLOCK_TOKEN_RE.test(token)) throw invalid();
      const digest = hashToken(token);
      const lock = await repo.findAccountLockoutByTokenHash(db, digest);
      if (!lock || !lock.user_id || !lock.unlock_token_hash || !digestsEqual(lock.unlock_token_hash, digest)) throw invalid();
      const userId = lock.user_id;
      const { result } = await runner.run(ctx, async (scope) => {
        const time = scope.now.toISOString();
        // Single use, and only while the lock lasts: the update admits one caller, before locked_until.
        if (!(await repo.markAccountLockoutUnlocked(scope.trx, lock.id, { time, method: 'email', byType: ctx.actor.type, byId: ctx.actor.id }))) throw invalid();
        await lockout.clearFailures(scope, lock.subject);
        scope.record({ action: 'authn.account.unlocked', targets: [{ type: 'user', id: userId }], data: { userId, lockId: lock.id, method: 'email', reason: null } });
        return { userId, lockId: lock.id, unlockedAt: time };
      });
      return result;
    },

    /** Closes the rate-limit store's connection (Redis). */
    close: () => deps.limiters.close(),
  };
}

export type LockoutService = ReturnType<typeof createLockoutService>;
