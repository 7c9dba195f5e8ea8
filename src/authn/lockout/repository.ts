import type { Db } from '../../platform/database.ts';
import type { Trx } from '../../audit/command-runner.ts';
import type { AccountLockoutRow } from '../../platform/schema.ts';

type Reader = Db | Trx;

/**
 * Creates or touches the subject's row. On PostgreSQL the row stays locked
 * until the transaction ends, so concurrent failures for one subject count
 * one after the other and the threshold is crossed exactly once.
 */
export async function claimLockoutSubject(trx: Trx, subject: string, userId: string | null, time: string): Promise<void> {
  await trx
    .insertInto('lockout_subjects')
    .values({ subject, user_id: userId, last_failure_at: time })
    .onConflict((oc) => oc.column('subject').doUpdateSet({ last_failure_at: time }))
    .execute();
}

/** Records one failed sign-in of a subject at its time. */
export function insertLoginFailure(trx: Trx, row: { id: string; subject: string; failed_at: string }): Promise<unknown> {
  return trx.insertInto('login_failures').values(row).execute();
}

/** How many failures of the subject happened strictly after `since`. */
export async function countLoginFailuresBySubjectSince(db: Reader, subject: string, since: string): Promise<number> {
  const row = await db.selectFrom('login_failures').select((eb) => eb.fn.countAll<number | string>().as('n')).where('subject', '=', subject).where('failed_at', '>', since).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Forgets a subject's failures (a sign-in succeeded, or a lock took them). */
export async function deleteLoginFailuresBySubject(trx: Trx, subject: string): Promise<void> {
  await trx.deleteFrom('login_failures').where('subject', '=', subject).execute();
}

/**
 * Drops failures older than any window and subjects with none left, so the
 * tables stay the size of recent activity. Run outside the failure's
 * transaction: inside, two failures pruning each other's old rows could deadlock.
 */
export async function pruneLoginFailuresBefore(db: Db, cutoff: string): Promise<void> {
  await db.deleteFrom('login_failures').where('failed_at', '<=', cutoff).execute();
  await db.deleteFrom('lockout_subjects').where('last_failure_at', '<=', cutoff).execute();
}

/** Stores a new lock (its unlock token only as a hash). */
export function insertAccountLockout(trx: Trx, row: AccountLockoutRow): Promise<unknown> {
  return trx.insertInto('account_lockouts').values(row).execute();
}

/** The subject's lock in force at `now` (not lifted, not yet over), if any. */
export function findActiveLockoutBySubject(db: Reader, subject: string, now: string): Promise<AccountLockoutRow | undefined> {
  return db.selectFrom('account_lockouts').selectAll().where('subject', '=', subject).where('locked_until', '>', now).where('unlocked_at', 'is', null).orderBy('id', 'desc').executeTakeFirst();
}

/** The lock whose unlock link carried the token with this SHA-256 (hex), if any. */
export function findAccountLockoutByTokenHash(db: Reader, tokenHash: string): Promise<AccountLockoutRow | undefined> {
  return db.selectFrom('account_lockouts').selectAll().where('unlock_token_hash', '=', tokenHash).executeTakeFirst();
}

/** Lifts a lock that is still in force; false when it was lifted meanwhile or has ended (a concurrent unlock won). */
export async function markAccountLockoutUnlocked(trx: Trx, id: string, change: { time: string; method: 'admin' | 'email'; byType: string; byId: string }): Promise<boolean> {
  const r = await trx
    .updateTable('account_lockouts')
    .set({ unlocked_at: change.time, unlock_method: change.method, unlocked_by_type: change.byType, unlocked_by_id: change.byId })
    .where('id', '=', id)
    .where('unlocked_at', 'is', null)
    .where('locked_until', '>', change.time)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A user's locks, newest first. */
export function listAccountLockoutsByUserId(db: Reader, userId: string, limit: number): Promise<AccountLockoutRow[]> {
  return db.selectFrom('account_lockouts').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(limit).execute();
}

/** Locks of accounts in force at `now`, oldest first, after the lock id `after`, with the account's email. */
export function listActiveAccountLockouts(db: Reader, now: string, after: string | null, limit: number): Promise<Array<AccountLockoutRow & { email: string }>> {
  let q = db
    .selectFrom('account_lockouts')
    .innerJoin('users', 'users.id', 'account_lockouts.user_id')
    .selectAll('account_lockouts')
    .select('users.email')
    .where('account_lockouts.locked_until', '>', now)
    .where('account_lockouts.unlocked_at', 'is', null)
    .orderBy('account_lockouts.id')
    .limit(limit);
  if (after) q = q.where('account_lockouts.id', '>', after);
  return q.execute() as Promise<Array<AccountLockoutRow & { email: string }>>;
}
