import { KeyledgerError } from '../../platform/errors.ts';
import { digestsEqual, hashToken } from '../../platform/ids.ts';
import type { CommandScope } from '../../audit/command-runner.ts';
import type { Db } from '../../platform/database.ts';
import type { EmailTokenRow } from '../../platform/schema.ts';
import type { IdentityService } from '../../identity/service.ts';
import type { User } from '../../identity/views.ts';
import { linkTokenDigest, type LinkKind } from './links.ts';
import * as repo from './repository.ts';

type Purpose = EmailTokenRow['purpose'] & LinkKind;

/** Every refusal of an emailed link is this one error: the page says "ask for a new link" whatever the cause. */
export function linkInvalid(why: string): KeyledgerError {
  return new KeyledgerError('authn.link_invalid', `this link cannot be used (${why}); ask for a new one`);
}

/** Stores a new one-time link for `user` (only its hash), valid for `ttlMs` from the command's time. */
export async function insertEmailTokenInScope(scope: CommandScope, newId: () => string, user: Pick<User, 'id' | 'email'>, purpose: Purpose, token: string, ttlMs: number): Promise<EmailTokenRow> {
  const row: EmailTokenRow = {
    id: newId(),
    user_id: user.id,
    purpose,
    token_hash: hashToken(token),
    email: user.email,
    created_at: scope.now.toISOString(),
    expires_at: new Date(scope.now.getTime() + ttlMs).toISOString(),
    used_at: null,
  };
  await repo.insertEmailToken(scope.trx, row);
  return row;
}

/**
 * Loads a link that may be used at `now`: well-formed, known, of this purpose,
 * unused, unexpired, for an active user whose address is still the one the
 * link was sent to. Throws `authn.link_invalid` otherwise.
 */
export async function loadUsableEmailToken(reader: Db | CommandScope['trx'], identity: IdentityService, purpose: Purpose, token: unknown, now: Date): Promise<{ row: EmailTokenRow; user: User }> {
  const digest = linkTokenDigest(purpose, token);
  const row = digest ? await repo.findEmailTokenByTokenHash(reader, digest) : undefined;
  // Constant-time comparison as the backstop behind the index lookup; a token of the other purpose is no token here.
  if (!row || !digest || !digestsEqual(row.token_hash, digest) || row.purpose !== purpose) throw linkInvalid('unknown link');
  if (row.used_at) throw linkInvalid('already used');
  if (now.toISOString() >= row.expires_at) throw linkInvalid('expired');
  const user = await identity.requireUser(row.user_id, reader);
  // A suspended or deprovisioned account gets nothing from a link.
  if (user.status !== 'active') throw linkInvalid('account not active');
  // The address changed since the link was sent: the old mailbox must not act for the new one.
  if (user.email !== row.email) throw linkInvalid('email address changed');
  return { row, user };
}
