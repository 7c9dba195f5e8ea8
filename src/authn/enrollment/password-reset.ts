import { KeyledgerError } from '../../platform/errors.ts';
import { generateToken } from '../../platform/ids.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { CommandScope } from '../../audit/command-runner.ts';
import type { User } from '../../identity/views.ts';
import { checkEmailAddress } from '../../identity/service.ts';
import type { EnrollmentDeps } from './service.ts';
import type { LinkSent } from './email-verification.ts';
import { checkPasswordInput } from './enrollment-checks.ts';
import { insertEmailTokenInScope, linkInvalid, loadUsableEmailToken } from './email-tokens.ts';
import { buildLink, LINK_KINDS, PASSWORD_RESET_TTL_MS } from './links.ts';
import { passwordResetMail } from './mail-messages.ts';
import * as repo from './repository.ts';

type ResetResult = 'sent' | 'unknown_account' | 'inactive_account';

/** Password reset by a one-time link (30 minutes): asked for on the reset page or by an administrator. */
export function createPasswordResetCommands(deps: EnrollmentDeps) {
  const { db, runner, clock, newId, identity, authn, sessions, mail, publicUrl } = deps;

  /** Records the request and, for an active account, stores the link; returns the mail to send, if any. */
  async function recordRequest(scope: CommandScope, email: string, user: User | undefined, initiatedBy: 'self' | 'administrator') {
    const result: ResetResult = !user ? 'unknown_account' : user.status !== 'active' ? 'inactive_account' : 'sent';
    const token = generateToken(LINK_KINDS.password_reset.tokenKind);
    const row = user && result === 'sent' ? await insertEmailTokenInScope(scope, newId, user, 'password_reset', token, PASSWORD_RESET_TTL_MS) : null;
    scope.record({
      action: 'authn.password_reset.requested',
      ...(result === 'sent' ? {} : { outcome: 'failure' as const, reason: result }),
      targets: user ? [{ type: 'user', id: user.id, display: user.email }] : [],
      data: { email, userId: user?.id ?? null, result, initiatedBy, tokenId: row?.id ?? null, expiresAt: row?.expires_at ?? null },
    });
    return row && user ? { message: passwordResetMail({ to: user.email, link: buildLink(publicUrl, 'password_reset', token), expiresAt: row.expires_at }), expiresAt: row.expires_at } : null;
  }

  return {
    /**
     * The reset page's request: the same (empty) answer whether or not the
     * address has an account, so nobody learns which do. A link is stored and
     * mailed (in the background, so the answer takes as long either way) only
     * for an active account; every request is recorded with its result.
     * Throws only `request.invalid` for a malformed address.
     */
    async requestPasswordReset(ctx: CommandContext, email: string): Promise<void> {
      const address = checkEmailAddress(typeof email === 'string' ? email.trim() : email);
      const user = await identity.findUserByEmail(address);
      const { result } = await runner.run(ctx, (scope) => recordRequest(scope, address, user, 'self'));
      if (result) mail.sendInBackground(result.message);
    },

    /**
     * An administrator's reset: mails a link to the user (never shown to the
     * administrator, who could otherwise take the account over). Throws
     * `user.not_found`, `user.inactive`, `mail.delivery_failed`.
     */
    async requestPasswordResetForUser(ctx: CommandContext, userId: string): Promise<LinkSent> {
      const user = await identity.requireUser(userId);
      if (user.status !== 'active') throw new KeyledgerError('user.inactive', `user "${userId}" is ${user.status}; links go to active users only`);
      const { result } = await runner.run(ctx, (scope) => recordRequest(scope, user.email, user, 'administrator'));
      await mail.send(result!.message);
      return { userId: user.id, email: user.email, expiresAt: result!.expiresAt };
    },

    /** What the reset page shows for a link. Throws `authn.link_invalid` (410). */
    async describeResetToken(token: string): Promise<{ email: string; expiresAt: string }> {
      const { row } = await loadUsableEmailToken(db, identity, 'password_reset', token, clock.now());
      return { email: row.email, expiresAt: row.expires_at };
    },

    /**
     * Sets a new password through a reset link. The password is checked
     * against the user's policies first (a refused one changes nothing and
     * leaves the link usable); then, in one command: the password is replaced,
     * every open link of the user is spent, the email counts as verified (the
     * link proved it) and every session of the user is revoked. A second
     * factor is untouched and still needed to sign in. Throws
     * `authn.link_invalid` (410), `request.invalid`, `authn.password_*` (422).
     */
    async resetPassword(ctx: CommandContext, token: string, newPassword: string): Promise<User> {
      const { user } = await loadUsableEmailToken(db, identity, 'password_reset', token, clock.now());
      const prepared = await authn.preparePasswordForUser(user.id, checkPasswordInput(newPassword));
      const { result } = await runner.run(ctx, async (scope) => {
        // Checked again in the transaction: a concurrent reset may have spent the link, or the account changed.
        const { row, user: current } = await loadUsableEmailToken(scope.trx, identity, 'password_reset', token, scope.now);
        const time = scope.now.toISOString();
        if (!(await repo.spendEmailToken(scope.trx, row.id, time))) throw linkInvalid('already used');
        await repo.spendEmailTokensByUserId(scope.trx, current.id, ['password_reset', 'email_verification'], time);
        await authn.storePasswordInScope(scope, current, prepared);
        const verified = await identity.markEmailVerifiedInScope(scope, current, 'password_reset');
        // Whoever held the old password (or a session made with it) is out from the next request on.
        const sessionsRevoked = await sessions.revokeAllForUserInScope(scope, current.id, 'password reset');
        scope.record({ action: 'authn.password_reset.completed', targets: [{ type: 'user', id: current.id, display: current.email }], data: { userId: current.id, tokenId: row.id, sessionsRevoked } });
        return verified ? { ...current, emailVerifiedAt: time } : current;
      });
      return result;
    },
  };
}
