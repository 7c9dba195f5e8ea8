import type { Db } from '../../platform/database.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import type { CommandRunner } from '../../audit/command-runner.ts';
import type { CommandContext, Target } from '../../audit/event.ts';
import type { PasskeyCredentialRow, UserRow } from '../../platform/schema.ts';
import * as repo from './repository.ts';

/** A passkey as users and administrators see it: never the public key or the credential id. */
export interface PasskeyView {
  id: string;
  name: string;
  /** The authenticator model (AAGUID); all zeros when the authenticator does not say. */
  aaguid: string;
  /** `multiDevice` for synced passkeys, `singleDevice` for device-bound ones. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  transports: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

/** The longest passkey name, in code points. */
export const PASSKEY_NAME_MAX = 64;

export function toPasskeyView(row: PasskeyCredentialRow): PasskeyView {
  return {
    id: row.id,
    name: row.name,
    aaguid: row.aaguid,
    deviceType: row.device_type,
    backedUp: Number(row.backed_up) === 1,
    transports: JSON.parse(row.transports) as string[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

/** A passkey name trimmed and NFC-normalized; throws `authn.passkey_name_invalid` unless it has 1–64 code points and no control characters. */
export function checkPasskeyName(name: unknown): string {
  const clean = typeof name === 'string' ? name.normalize('NFC').trim() : '';
  const length = [...clean].length;
  // Names are shown on account pages and in logs: no empty names, no control or line-breaking characters.
  if (length === 0 || length > PASSKEY_NAME_MAX || /[\p{Cc}\u2028\u2029]/u.test(clean)) {
    throw new KeyledgerError('authn.passkey_name_invalid', `a passkey name must be 1 to ${PASSKEY_NAME_MAX} characters with no control characters (got ${length} characters)`);
  }
  return clean;
}

/** The user, or throws `user.not_found`. */
export async function requireUser(db: Db, userId: string): Promise<UserRow> {
  const user = typeof userId === 'string' ? await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst() : undefined;
  if (!user) throw new KeyledgerError('user.not_found', `no user with id "${String(userId)}"`);
  return user;
}

export const passkeyTarget = (row: Pick<PasskeyCredentialRow, 'id' | 'name'>): Target => ({ type: 'passkey', id: row.id, display: row.name });
export const userTarget = (user: Pick<UserRow, 'id' | 'email'>): Target => ({ type: 'user', id: user.id, display: user.email });

/** Listing, renaming and removing a user's passkeys; each change a command with its ledger event. */
export function createPasskeyManagement(deps: { db: Db; runner: CommandRunner }) {
  const { db, runner } = deps;
  const notFound = (userId: string, passkeyId: string) => new KeyledgerError('authn.factor_not_found', `no passkey "${passkeyId}" for user "${userId}"`);

  return {
    /** A user's passkeys that are not removed, oldest first. Throws `user.not_found`. */
    async listPasskeys(userId: string): Promise<PasskeyView[]> {
      await requireUser(db, userId);
      return (await repo.listActivePasskeysByUserId(db, userId)).map(toPasskeyView);
    },

    /**
     * Renames one of the user's passkeys; an unchanged name records nothing.
     * Throws `user.not_found`, `authn.passkey_name_invalid`, or
     * `authn.factor_not_found` (unknown, removed, or another user's passkey).
     */
    async renamePasskey(ctx: CommandContext, userId: string, passkeyId: string, name: string): Promise<PasskeyView> {
      const user = await requireUser(db, userId);
      const clean = checkPasskeyName(name);
      const current = await repo.findActivePasskeyByIdAndUserId(db, String(passkeyId), userId);
      if (!current) throw notFound(userId, passkeyId);
      if (current.name === clean) return toPasskeyView(current);
      const { result } = await runner.run(ctx, async ({ trx, record }) => {
        const row = await repo.findActivePasskeyByIdAndUserId(trx, current.id, userId);
        // Removed between the read and this command.
        if (!row || !(await repo.renamePasskeyById(trx, row.id, clean))) throw notFound(userId, passkeyId);
        record({ action: 'authn.passkey.renamed', targets: [userTarget(user), passkeyTarget({ id: row.id, name: clean })], data: { userId, passkeyId: row.id, before: { name: row.name }, after: { name: clean } } });
        return toPasskeyView({ ...row, name: clean });
      });
      return result;
    },

    /**
     * Removes one of the user's passkeys: it can no longer sign in or step
     * up. Sessions it opened stay (end them with the session service).
     * Throws `user.not_found` or `authn.factor_not_found`.
     */
    async removePasskey(ctx: CommandContext, userId: string, passkeyId: string): Promise<void> {
      const user = await requireUser(db, userId);
      await runner.run(ctx, async ({ trx, now, record }) => {
        const row = await repo.findActivePasskeyByIdAndUserId(trx, String(passkeyId), userId);
        // Another user's passkey, or one already removed: removing it again would misstate when it ended.
        if (!row || !(await repo.removePasskeyById(trx, row.id, now.toISOString()))) throw notFound(userId, passkeyId);
        record({ action: 'authn.passkey.removed', targets: [userTarget(user), passkeyTarget(row)], data: { userId, passkeyId: row.id } });
      });
    },
  };
}
