import type { Db } from '../platform/database.ts';
import type { Trx } from '../audit/command-runner.ts';
import type { SessionRow, SessionsTable } from '../platform/schema.ts';

type Reader = Db | Trx;

/** The session whose token hashes to `tokenHash`. */
export function findSessionByTokenHash(db: Reader, tokenHash: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export function findSessionById(db: Reader, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A user's sessions, newest first; only those live at `now` unless `includeEnded`. */
export function listSessionsByUserId(db: Reader, userId: string, now: string, includeEnded: boolean): Promise<SessionRow[]> {
  let q = db.selectFrom('sessions').selectAll().where('user_id', '=', userId);
  if (!includeEnded) q = q.where('revoked_at', 'is', null).where('idle_expires_at', '>', now).where('absolute_expires_at', '>', now);
  return q.orderBy('id', 'desc').execute();
}

export function insertSession(trx: Trx, row: SessionsTable): Promise<unknown> {
  return trx.insertInto('sessions').values(row).execute();
}

/**
 * Records activity: moves last_seen_at and the idle expiry forward. Only on an
 * unrevoked session (a touch racing a revocation cannot resurrect it) and only
 * forward in time (a slower node cannot move it back); returns whether a row changed.
 */
export async function touchSession(db: Db, id: string, lastSeenAt: string, idleExpiresAt: string): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ last_seen_at: lastSeenAt, idle_expires_at: idleExpiresAt })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('last_seen_at', '<', lastSeenAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes one session if it is still unrevoked; returns the row as revoked, or undefined when nothing changed. */
export function revokeSessionById(trx: Trx, id: string, at: string, reason: string): Promise<SessionRow | undefined> {
  return trx
    .updateTable('sessions')
    .set({ revoked_at: at, revoke_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Revokes every session of a user live at `at`, in one statement; returns the rows it revoked. */
export function revokeLiveSessionsByUserId(trx: Trx, userId: string, at: string, reason: string, orgId?: string): Promise<SessionRow[]> {
  let q = trx
    .updateTable('sessions')
    .set({ revoked_at: at, revoke_reason: reason })
    .where('user_id', '=', userId);
  // Only the sessions signed in to one organization, when given.
  if (orgId !== undefined) q = q.where('org_id', '=', orgId);
  return q
    .where('revoked_at', 'is', null)
    .where('idle_expires_at', '>', at)
    .where('absolute_expires_at', '>', at)
    .returningAll()
    .execute();
}

/** Records a step-up: the new method list and acr, the proof time, and the activity it implies. */
export function updateSessionStepUp(trx: Trx, id: string, set: { amr: string; acr: string; stepUpAt: string; idleExpiresAt: string }): Promise<unknown> {
  return trx
    .updateTable('sessions')
    .set({ amr: set.amr, acr: set.acr, step_up_at: set.stepUpAt, last_seen_at: set.stepUpAt, idle_expires_at: set.idleExpiresAt })
    .where('id', '=', id)
    .execute();
}
