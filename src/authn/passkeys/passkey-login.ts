import { type AuthenticationResponseJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { KeyledgerError } from '../../platform/errors.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { Session } from '../../sessions/session.ts';
import type { UserRow } from '../../platform/schema.ts';
import { findOrganizationByRef, isMemberOf, loginFailedEvent, openSignInSession } from '../sign-in.ts';
import { challengeState, findChallengeForResponse, issueWebauthnChallenge, matchesBinding, type ChallengeBinding, assertionOptions } from './webauthn-challenges.ts';
import { ACR_PHISHING_RESISTANT, verifyAssertion, type AssertionFailureReason } from './verify-assertion.ts';
import { passkeyTarget } from './passkey-management.ts';
import * as repo from './repository.ts';
import type { PasskeyServiceDeps } from './passkey-service.ts';

/** Why a passkey sign-in was refused, as `authn.login.failed` records it. */
export type PasskeyLoginFailureReason = AssertionFailureReason | 'inactive_account' | 'unknown_organization' | 'not_member';

/** Everything the passkey service is made of. */
export type PasskeyLoginDeps = PasskeyServiceDeps;

/** A refusal decided inside the sign-in command: rolls it back, then is recorded by its own command. */
class PasskeyLoginRefused extends Error {
  constructor(readonly reason: PasskeyLoginFailureReason) {
    super(reason);
  }
}

const AUTHENTICATION: ChallengeBinding = { purpose: 'authentication' };

/** Passwordless sign-in with a discoverable passkey: no username typed; every attempt is a ledger event. */
export function createPasskeyLogin(deps: PasskeyLoginDeps) {
  const { db, runner, clock, newId, sessions, rp } = deps;
  const loginFailed = () => new KeyledgerError('authn.login_failed', 'the passkey was not accepted');

  const findUser = (id: string) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

  return {
    /**
     * Starts a passwordless sign-in: the challenge id to send back, and the
     * options for `navigator.credentials.get()` (empty allowCredentials, so
     * the browser offers the user's discoverable passkeys; user verification
     * required). Issuing the challenge is not a ledger event.
     */
    async startPasskeyLogin(): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      const challenge = await issueWebauthnChallenge({ db, newId, now: clock.now() }, AUTHENTICATION);
      const options = await assertionOptions(rp.id, challenge, null);
      return { challengeId: challenge.id, options };
    },

    /**
     * Completes a passwordless sign-in: verifies the assertion (challenge,
     * origin, RP id, user verified, signature, counter), checks that the
     * account is active and a member of `orgRef` (id or slug) when given,
     * then in one command spends the challenge, records the passkey's use and
     * opens a session with amr [hwk|swk, user] and acr ACR_PHISHING_RESISTANT.
     * Every refusal is recorded as `authn.login.failed` (method passkey, with
     * the reason, spending the challenge) and throws the one `authn.login_failed`.
     */
    async completePasskeyLogin(ctx: CommandContext, challengeId: string, response: AuthenticationResponseJSON, input: { orgRef?: string | null } = {}): Promise<{ session: Session; sessionToken: string }> {
      const challenge = await findChallengeForResponse(db, challengeId);
      const valid = challengeState(challenge, AUTHENTICATION, clock.now()) === 'valid';
      const verdict = await verifyAssertion({ db, rp }, valid ? challenge! : null, response);
      const passkey = verdict.passkey;
      const user = passkey ? await findUser(passkey.user_id) : undefined;
      const org = input.orgRef ? await findOrganizationByRef(db, input.orgRef) : undefined;
      let reason: PasskeyLoginFailureReason | null = verdict.ok ? null : verdict.reason;
      // A suspended or deprovisioned account cannot sign in, even with its own passkey.
      if (!reason && user!.status !== 'active') reason = 'inactive_account';
      // An organization that does not exist cannot be signed in to.
      if (!reason && input.orgRef && !org) reason = 'unknown_organization';
      // Only members may sign in to an organization.
      if (!reason && org && !(await isMemberOf(db, org.id, user!.id))) reason = 'not_member';
      try {
        if (reason || !verdict.ok) throw new PasskeyLoginRefused(reason ?? 'verification_failed');
        const { result } = await runner.run(ctx, async (scope) => {
          const lost = await verdict.commit(scope);
          // A concurrent sign-in spent the challenge or advanced the counter first, or the passkey was just removed.
          if (lost) throw new PasskeyLoginRefused(lost);
          const current = (await scope.trx.selectFrom('users').selectAll().where('id', '=', user!.id).executeTakeFirst()) as UserRow;
          // Re-read in the transaction: a suspension committed since the check above wins.
          if (current.status !== 'active') throw new PasskeyLoginRefused('inactive_account');
          return openSignInSession(sessions, scope, ctx, { user: current, org: org ?? null, amr: verdict.amr, acr: ACR_PHISHING_RESISTANT, extraTargets: [passkeyTarget(verdict.passkey)] });
        });
        return result;
      } catch (err) {
        if (!(err instanceof PasskeyLoginRefused)) throw err;
        await runner.run(ctx, async ({ trx, now, record }) => {
          // The attempt spends the challenge: a refused assertion cannot be retried or repaired against it.
          if (matchesBinding(challenge, AUTHENTICATION)) await repo.consumeWebauthnChallenge(trx, challenge.id, now.toISOString());
          const facts = { reason: err.reason, method: 'passkey' as const, email: null, userId: passkey?.user_id ?? null, orgId: org?.id ?? null, challengeId: challenge?.id ?? null };
          record(loginFailedEvent(facts, passkey ? [passkeyTarget(passkey)] : []));
        });
        throw loginFailed();
      }
    },
  };
}
