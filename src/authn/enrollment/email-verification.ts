import { KeyledgerError } from '../../platform/errors.ts';
import { generateToken } from '../../platform/ids.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { CommandScope } from '../../audit/command-runner.ts';
import type { User } from '../../identity/views.ts';
import type { EnrollmentDeps } from './service.ts';
import { insertEmailTokenInScope, linkInvalid, loadUsableEmailToken } from './email-tokens.ts';
import { buildLink, EMAIL_VERIFICATION_TTL_MS, LINK_KINDS } from './links.ts';
import { verificationMail } from './mail-messages.ts';
import type { MailMessage } from '../../mail/mailer.ts';
import * as repo from './repository.ts';

/** What was sent: never the link. */
export interface LinkSent {
  userId: string;
  email: string;
  expiresAt: string;
}

/** Email verification by a one-time link (24 hours): issued at sign-up or on request, spent on the /verify-email page. */
export function createEmailVerificationCommands(deps: EnrollmentDeps) {
  const { db, runner, clock, newId, identity, mail, publicUrl } = deps;

  /**
   * Issues a verification link for `user` inside a running command, recording
   * `authn.email_verification.requested`; returns the message to send once
   * the command has committed.
   */
  async function issueVerificationInScope(scope: CommandScope, user: Pick<User, 'id' | 'email'>): Promise<{ message: MailMessage; expiresAt: string }> {
    const token = generateToken(LINK_KINDS.email_verification.tokenKind);
    const row = await insertEmailTokenInScope(scope, newId, user, 'email_verification', token, EMAIL_VERIFICATION_TTL_MS);
    scope.record({ action: 'authn.email_verification.requested', targets: [{ type: 'user', id: user.id, display: user.email }], data: { userId: user.id, email: user.email, tokenId: row.id, expiresAt: row.expires_at } });
    return { message: verificationMail({ to: user.email, link: buildLink(publicUrl, 'email_verification', token), expiresAt: row.expires_at }), expiresAt: row.expires_at };
  }

  return {
    issueVerificationInScope,

    /**
     * Mails a new verification link to an active user whose email is not yet
     * verified (earlier links keep working until used or expired). Throws
     * `user.not_found`, `user.inactive`, `user.email_already_verified`,
     * `mail.delivery_failed` (a link was issued but not delivered; ask again).
     */
    async sendEmailVerification(ctx: CommandContext, userId: string): Promise<LinkSent> {
      const { result } = await runner.run(ctx, async (scope) => {
        const user = await identity.requireUser(userId, scope.trx);
        if (user.status !== 'active') throw new KeyledgerError('user.inactive', `user "${userId}" is ${user.status}; links go to active users only`);
        if (user.emailVerifiedAt) throw new KeyledgerError('user.email_already_verified', `the email address of user "${userId}" was verified at ${user.emailVerifiedAt}`);
        return { user, ...(await issueVerificationInScope(scope, user)) };
      });
      await mail.send(result.message);
      return { userId: result.user.id, email: result.user.email, expiresAt: result.expiresAt };
    },

    /**
     * Spends a verification link and marks the user's email verified (every
     * other verification link of the user stops working with it). Throws
     * `authn.link_invalid` (410) for an unknown, used or expired link, an
     * inactive account, or an address that changed since the link was sent.
     */
    async verifyEmail(ctx: CommandContext, token: string): Promise<User> {
      await loadUsableEmailToken(db, identity, 'email_verification', token, clock.now());
      const { result } = await runner.run(ctx, async (scope) => {
        // Checked again in the transaction: a concurrent click may have spent it.
        const { row, user } = await loadUsableEmailToken(scope.trx, identity, 'email_verification', token, scope.now);
        const time = scope.now.toISOString();
        if (!(await repo.spendEmailToken(scope.trx, row.id, time))) throw linkInvalid('already used');
        await repo.spendEmailTokensByUserId(scope.trx, user.id, ['email_verification'], time);
        // Already verified (say by a password reset): the link has nothing left to prove.
        if (!(await identity.markEmailVerifiedInScope(scope, user, 'verification_link'))) throw linkInvalid('already verified');
        return { ...user, emailVerifiedAt: time };
      });
      return result;
    },
  };
}
