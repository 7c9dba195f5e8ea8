import { KeyledgerError, isKeyledgerError } from '../../platform/errors.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { Organization, User } from '../../identity/views.ts';
import { checkEmailAddress } from '../../identity/service.ts';
import type { MailMessage } from '../../mail/mailer.ts';
import type { EnrollmentDeps } from './service.ts';
import type { createEmailVerificationCommands } from './email-verification.ts';
import { checkDisplayName, checkPasswordInput } from './enrollment-checks.ts';
import { accountExistsMail } from './mail-messages.ts';
import { isSignupDomainAllowed, resolveSignupSettings } from './signup-settings.ts';

/** The one answer sign-up gives, whether the address was new or already had an account. */
export type SignUpResult = { status: 'verification_sent' };

/** Raised inside the sign-up command when the address turned out to be taken, so it rolls back and takes the existing-account path. */
class AccountExists extends Error {
  constructor(readonly user: User | undefined) {
    super('account exists');
  }
}

/** Open sign-up: an organization that allows it lets people create their own (unverified) account. */
export function createSignupCommands(deps: EnrollmentDeps, verification: ReturnType<typeof createEmailVerificationCommands>) {
  const { runner, identity, authn, mail, publicUrl } = deps;

  /** Who may sign up here: the organization must be open, and the address in its allowed domains (when it lists any). */
  function checkSignupAllowed(org: Organization, email: string): void {
    const signup = resolveSignupSettings(org.settings);
    if (signup.mode !== 'open') throw new KeyledgerError('signup.not_allowed', `"${org.slug}" accepts new members by invitation only`);
    if (!isSignupDomainAllowed(signup, email)) throw new KeyledgerError('signup.not_allowed', `"${org.slug}" accepts sign-up only from ${signup.allowedDomains!.join(', ')} addresses`);
  }

  /** Records a sign-up that named an existing account (nothing else changes) and mails its owner a reminder. */
  async function answerExistingAccount(ctx: CommandContext, org: Organization, email: string, existing: User | undefined): Promise<SignUpResult> {
    const user = existing ?? (await identity.findUserByEmail(email));
    await runner.run(ctx, async ({ record }) => {
      record({ action: 'authn.signup.refused', outcome: 'failure', reason: 'account_exists', org: org.id, targets: user ? [{ type: 'user', id: user.id, display: user.email }] : [], data: { userId: user?.id ?? null, email } });
    });
    mail.sendInBackground(accountExistsMail({ to: email, orgName: org.name, signInUrl: `${publicUrl}/login`, resetUrl: `${publicUrl}/reset-password` }));
    return { status: 'verification_sent' };
  }

  return {
    /**
     * Creates an account on the sign-up page of an organization open to it.
     * The answer is always `{ status: 'verification_sent' }`: a new address
     * gets an active but unverified account (member of the organization, with
     * the password) and a verification link; an address that already has an
     * account gets a "sign in or reset your password" mail and nothing is
     * created. Mail goes out in the background so both take as long. The
     * password is checked against the organization's policy in both cases, so
     * a refusal does not tell them apart either. Throws
     * `organization.not_found`, `signup.not_allowed` (403), `request.invalid`,
     * `authn.password_*` (422).
     */
    async signUp(ctx: CommandContext, orgRef: string, input: { email: string; name: string; password: string }): Promise<SignUpResult> {
      const org = await identity.requireOrg(orgRef);
      const email = checkEmailAddress(typeof input.email === 'string' ? input.email.trim() : input.email);
      checkSignupAllowed(org, email);
      const name = checkDisplayName(input.name);
      const prepared = await authn.preparePasswordForNewUser({ email, name }, org, checkPasswordInput(input.password));
      const existing = await identity.findUserByEmail(email);
      if (existing) return answerExistingAccount(ctx, org, email, existing);
      let message: MailMessage;
      try {
        ({ result: message } = await runner.run(ctx, async (scope) => {
          // Checked again in the transaction: the address may have been taken meanwhile.
          const taken = await identity.findUserByEmail(email, scope.trx);
          if (taken) throw new AccountExists(taken);
          const orgNow = await identity.requireOrg(org.id, scope.trx);
          checkSignupAllowed(orgNow, email);
          const user = await identity.createUserInScope(scope, { email, name }, { org: orgNow, emailVerified: false });
          await authn.storePasswordInScope(scope, user, prepared);
          scope.record({ action: 'authn.signup.registered', org: orgNow.id, targets: [{ type: 'user', id: user.id, display: user.email }], data: { userId: user.id, email } });
          return (await verification.issueVerificationInScope(scope, user)).message;
        }));
      } catch (err) {
        // Lost a race for the address: answer as for any existing account, never with user.email_taken.
        if (err instanceof AccountExists) return answerExistingAccount(ctx, org, email, err.user);
        if (isKeyledgerError(err) && err.code === 'user.email_taken') return answerExistingAccount(ctx, org, email, undefined);
        throw err;
      }
      mail.sendInBackground(message);
      return { status: 'verification_sent' };
    },
  };
}
