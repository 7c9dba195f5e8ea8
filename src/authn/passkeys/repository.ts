import type { Db } from '../../platform/database.ts';
import type { Trx } from '../../audit/command-runner.ts';
import type { PasskeyCredentialRow, PasskeyCredentialsTable, WebauthnChallengeRow, WebauthnChallengesTable } from '../../platform/schema.ts';

type Reader = Db | Trx;

/** The passkey an authenticator presents, by its credential id (removed ones included). */
export async function findPasskeyByCredentialId(db: Reader, credentialId: string): Promise<PasskeyCredentialRow | undefined> {
  const row = await db.selectFrom('passkey_credentials').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
  return row && { ...row, sign_count: Number(row.sign_count) };
}

/** One of a user's passkeys that is not removed. */
export async function findActivePasskeyByIdAndUserId(db: Reader, id: string, userId: string): Promise<PasskeyCredentialRow | undefined> {
  const row = await db.selectFrom('passkey_credentials').selectAll().where('id', '=', id).where('user_id', '=', userId).where('removed_at', 'is', null).executeTakeFirst();
  return row && { ...row, sign_count: Number(row.sign_count) };
}

/** A user's passkeys that are not removed, oldest first. */
export async function listActivePasskeysByUserId(db: Reader, userId: string): Promise<PasskeyCredentialRow[]> {
  const rows = await db.selectFrom('passkey_credentials').selectAll().where('user_id', '=', userId).where('removed_at', 'is', null).orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({ ...row, sign_count: Number(row.sign_count) }));
}

/** The WebAuthn user handle a user's passkeys were made with (removed ones count: it must never change), if any. */
export async function findUserHandleByUserId(db: Reader, userId: string): Promise<string | undefined> {
  return (await db.selectFrom('passkey_credentials').select('user_handle').where('user_id', '=', userId).orderBy('created_at').orderBy('id').executeTakeFirst())?.user_handle;
}

export function insertPasskey(trx: Trx, row: PasskeyCredentialsTable): Promise<unknown> {
  return trx.insertInto('passkey_credentials').values(row).execute();
}

/** Renames a passkey that is not removed; false when none changed. */
export async function renamePasskeyById(trx: Trx, id: string, name: string): Promise<boolean> {
  const r = await trx.updateTable('passkey_credentials').set({ name }).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks a passkey removed; false when it already was (a concurrent removal won). */
export async function removePasskeyById(trx: Trx, id: string, time: string): Promise<boolean> {
  const r = await trx.updateTable('passkey_credentials').set({ removed_at: time }).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Records a use: stores the new signature counter, backup state and time,
 * only while the passkey is not removed and only if the counter moved forward
 * (or both are 0, for authenticators that keep no counter). False when a
 * concurrent use got there first or the passkey was removed meanwhile.
 */
export async function recordPasskeyUse(trx: Trx, id: string, counter: number, backedUp: boolean, time: string): Promise<boolean> {
  const r = await trx
    .updateTable('passkey_credentials')
    .set({ sign_count: counter, backed_up: backedUp ? 1 : 0, last_used_at: time })
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .where((eb) => (counter === 0 ? eb('sign_count', '=', 0) : eb('sign_count', '<', counter)))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function insertWebauthnChallenge(db: Reader, row: WebauthnChallengesTable): Promise<unknown> {
  return db.insertInto('webauthn_challenges').values(row).execute();
}

export function findWebauthnChallengeById(db: Reader, id: string): Promise<WebauthnChallengeRow | undefined> {
  return db.selectFrom('webauthn_challenges').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Spends a challenge: marks it used only if it is unused and not expired at
 * `time`. The single-use guarantee: of two attempts racing with one
 * challenge, exactly one gets true.
 */
export async function consumeWebauthnChallenge(trx: Trx, id: string, time: string): Promise<boolean> {
  const r = await trx.updateTable('webauthn_challenges').set({ used_at: time }).where('id', '=', id).where('used_at', 'is', null).where('expires_at', '>', time).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes challenges that expired before `before`; returns how many. */
export async function deleteWebauthnChallengesExpiredBefore(db: Reader, before: string): Promise<number> {
  const r = await db.deleteFrom('webauthn_challenges').where('expires_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
