import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import type { CommandRunner } from '../../audit/command-runner.ts';
import type { CommandContext } from '../../audit/event.ts';
import { checkEmailAddress, type IdentityService } from '../../identity/service.ts';
import type { User } from '../../identity/views.ts';
import type { SessionService } from '../../sessions/service.ts';
import type { AuthnService } from '../service.ts';
import type { MailDispatch } from './mail-dispatch.ts';
import { checkDisplayName, checkPasswordInput } from './enrollment-checks.ts';
import { createInvitationCommands } from './invitations.ts';
import { createEmailVerificationCommands } from './email-verification.ts';
import { createPasswordResetCommands } from './password-reset.ts';
import { createSignupCommands } from './signup.ts';

export interface EnrollmentDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  identity: IdentityService;
  authn: AuthnService;
  sessions: SessionService;
  mail: MailDispatch;
  /** The origin links point to (config.publicUrl, no trailing slash). */
  publicUrl: string;
}

/**
 * How people get accounts and get back into them: invitations, open sign-up,
 * email verification and password reset, each by an emailed one-time link
 * stored only as its hash. Every change is a command with its ledger event;
 * no link ever enters an event or a log line.
 */
export function createEnrollmentService(deps: EnrollmentDeps) {
  const verification = createEmailVerificationCommands(deps);
  const { issueVerificationInScope: _internal, ...verificationCommands } = verification;
  return {
    ...createInvitationCommands(deps),
    ...createSignupCommands(deps, verification),
    ...verificationCommands,
    ...createPasswordResetCommands(deps),

    /**
     * Creates a member of `orgRef` on an administrator's word (the CLI): the
     * email counts as verified. A password, when given, is checked against the
     * organization's policy before anything is written, and stored in the same
     * command as the user. Throws `organization.not_found`, `request.invalid`,
     * `user.email_taken`, `authn.password_*` (422).
     */
    async createUserWithPassword(ctx: CommandContext, orgRef: string, input: { email: string; name?: string | null; password?: string }): Promise<User> {
      const org = await deps.identity.requireOrg(orgRef);
      const email = checkEmailAddress(input.email);
      const name = input.name === undefined || input.name === null ? null : checkDisplayName(input.name);
      if (await deps.identity.findUserByEmail(email)) throw new KeyledgerError('user.email_taken', `a user with email "${email}" already exists`);
      const prepared = input.password === undefined ? null : await deps.authn.preparePasswordForNewUser({ email, name }, org, checkPasswordInput(input.password));
      const { result } = await deps.runner.run(ctx, async (scope) => {
        const user = await deps.identity.createUserInScope(scope, { email, name }, { org: await deps.identity.requireOrg(org.id, scope.trx), emailVerified: true });
        if (prepared) await deps.authn.storePasswordInScope(scope, user, prepared);
        return user;
      });
      return result;
    },

    /** Resolves once mail sent in the background (sign-up, reset requests) has been handed over; the runtime waits for it on close. */
    mailIdle: () => deps.mail.idle(),
  };
}

export type EnrollmentService = ReturnType<typeof createEnrollmentService>;
