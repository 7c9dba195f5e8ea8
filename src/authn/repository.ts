import type { Db } from '../platform/database.ts';
import type { Trx } from '../audit/command-runner.ts';
import type { LoginChallengeRow, PasswordCredentialRow, RecoveryCodeRow, TotpFactorRow } from '../platform/schema.ts';

type Reader = Db | Trx;

/** The stored password of a user, if any. */
export function findPasswordCredentialByUserId(db: Reader, userId: string): Promise<PasswordCredentialRow | undefined> {
  return db.selectFrom('password_credentials').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Inserts or replaces a user's password hash. */
export async function upsertPasswordCredential(trx: Trx, userId: string, hash: string, time: string): Promise<void> {
  const updated = await trx.updateTable('password_credentials').set({ hash, updated_at: time }).where('user_id', '=', userId).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('password_credentials').values({ user_id: userId, hash, created_at: time, updated_at: time }).execute();
}

/** Replaces a hash only if it is still the one verified, so a concurrent password change is never overwritten by a rehash. */
export async function replacePasswordHash(trx: Trx, userId: string, expected: string, hash: string, time: string): Promise<boolean> {
  const r = await trx.updateTable('password_credentials').set({ hash, updated_at: time }).where('user_id', '=', userId).where('hash', '=', expected).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A user's TOTP factors that are not removed, oldest first. */
export function listTotpFactorsByUserId(db: Reader, userId: string): Promise<TotpFactorRow[]> {
  return db.selectFrom('totp_factors').selectAll().where('user_id', '=', userId).where('status', '!=', 'removed').orderBy('created_at').orderBy('id').execute();
}

/** One of a user's TOTP factors by id (any state). */
export function findTotpFactorByIdAndUserId(db: Reader, id: string, userId: string): Promise<TotpFactorRow | undefined> {
  return db.selectFrom('totp_factors').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

/** The user's active TOTP factor, if any. */
export function findActiveTotpFactorByUserId(db: Reader, userId: string): Promise<TotpFactorRow | undefined> {
  return db.selectFrom('totp_factors').selectAll().where('user_id', '=', userId).where('status', '=', 'active').orderBy('id').executeTakeFirst();
}

export function insertTotpFactor(trx: Trx, row: TotpFactorRow): Promise<unknown> {
  return trx.insertInto('totp_factors').values(row).execute();
}

/** Activates a pending factor; false if it is no longer pending (a concurrent confirm or removal won). */
export async function activateTotpFactor(trx: Trx, id: string, step: number, time: string): Promise<boolean> {
  const r = await trx
    .updateTable('totp_factors')
    .set({ status: 'active', last_used_step: step, activated_at: time, expires_at: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks factors removed; returns how many changed. */
export async function removeTotpFactors(trx: Trx, ids: string[], time: string): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await trx.updateTable('totp_factors').set({ status: 'removed', removed_at: time }).where('id', 'in', ids).where('status', '!=', 'removed').executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Stores `step` as the factor's newest used step only if it is newer than the
 * stored one: the atomic half of replay protection (two logins racing with
 * the same code cannot both win). False when another login got there first.
 */
export async function advanceTotpStep(trx: Trx, id: string, step: number): Promise<boolean> {
  const r = await trx
    .updateTable('totp_factors')
    .set({ last_used_step: step })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes a user's unused recovery codes (an older set being replaced); returns how many. */
export async function deleteUnusedRecoveryCodesByUserId(trx: Trx, userId: string): Promise<number> {
  const r = await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export function insertRecoveryCodes(trx: Trx, rows: RecoveryCodeRow[]): Promise<unknown> {
  return trx.insertInto('recovery_codes').values(rows).execute();
}

/** Marks an unused code of the user used; the row, or undefined when no unused code has this hash. */
export async function consumeRecoveryCode(trx: Trx, userId: string, codeHash: string, time: string): Promise<boolean> {
  const r = await trx.updateTable('recovery_codes').set({ used_at: time }).where('user_id', '=', userId).where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** How many unused recovery codes a user has, and when the newest set was made. */
export async function summarizeRecoveryCodesByUserId(db: Reader, userId: string): Promise<{ remaining: number; generatedAt: string | null }> {
  const unused = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  const newest = await db.selectFrom('recovery_codes').select('created_at').where('user_id', '=', userId).orderBy('created_at', 'desc').executeTakeFirst();
  return { remaining: Number(unused.n), generatedAt: newest?.created_at ?? null };
}

export function insertLoginChallenge(trx: Trx, row: LoginChallengeRow): Promise<unknown> {
  return trx.insertInto('login_challenges').values(row).execute();
}

export function findLoginChallengeByTokenHash(db: Reader, tokenHash: string): Promise<LoginChallengeRow | undefined> {
  return db.selectFrom('login_challenges').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Counts a wrong code against a challenge; returns the new count. */
export async function incrementChallengeFailures(trx: Trx, id: string): Promise<number> {
  await trx.updateTable('login_challenges').set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) })).where('id', '=', id).execute();
  const row = await trx.selectFrom('login_challenges').select('failed_attempts').where('id', '=', id).executeTakeFirstOrThrow();
  return Number(row.failed_attempts);
}

/** Completes an open challenge; false if it was already completed (a concurrent completion won). */
export async function completeLoginChallenge(trx: Trx, id: string, methodsDone: string[], time: string): Promise<boolean> {
  const r = await trx
    .updateTable('login_challenges')
    .set({ completed_at: time, methods_done: JSON.stringify(methodsDone) })
    .where('id', '=', id)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** How many passkeys of a user are not removed (a passkey is a second factor of password logins). */
export async function countActivePasskeysByUserId(db: Reader, userId: string): Promise<number> {
  const row = await db.selectFrom('passkey_credentials').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).where('removed_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}
