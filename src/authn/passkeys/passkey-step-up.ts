import { type AuthenticationResponseJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { KeyledgerError } from '../../platform/errors.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { Session } from '../../sessions/session.ts';
import { challengeState, findChallengeForResponse, issueWebauthnChallenge, matchesBinding, type ChallengeBinding, assertionOptions } from './webauthn-challenges.ts';
import { ACR_PHISHING_RESISTANT, verifyAssertion, type AssertionFailureReason } from './verify-assertion.ts';
import { passkeyTarget } from './passkey-management.ts';
import * as repo from './repository.ts';
import type { PasskeyServiceDeps } from './passkey-service.ts';

/** Why a passkey step-up was refused, as `authn.step_up.failed` records it. */
export type PasskeyStepUpFailureReason = AssertionFailureReason | 'wrong_user' | 'inactive_account';

/** Everything the passkey service is made of. */
export type PasskeyStepUpDeps = PasskeyServiceDeps;

class StepUpRefused extends Error {
  constructor(readonly reason: PasskeyStepUpFailureReason) {
    super(reason);
  }
}

/** Proving a fresh passkey in a live session (before a sensitive action); every refusal is a ledger event. */
export function createPasskeyStepUp(deps: PasskeyStepUpDeps) {
  const { db, runner, clock, newId, sessions, rp } = deps;

  /** The live session, or throws `session.not_found` / `session.ended`. */
  async function requireLiveSession(sessionId: string): Promise<Session> {
    const session = await sessions.requireSession(sessionId);
    if (session.state !== 'active') throw new KeyledgerError('session.ended', `session "${sessionId}" has ended (${session.state})`, { state: session.state });
    return session;
  }

  return {
    /**
     * Starts a step-up in a live session: the challenge id, and options for
     * `navigator.credentials.get()` listing the session user's passkeys
     * (user verification required). Throws `session.not_found`,
     * `session.ended`, or `authn.factor_not_found` when the user has no passkey.
     */
    async startPasskeyStepUp(sessionId: string): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      const session = await requireLiveSession(sessionId);
      const passkeys = await repo.listActivePasskeysByUserId(db, session.userId);
      if (passkeys.length === 0) throw new KeyledgerError('authn.factor_not_found', `user "${session.userId}" has no passkey to step up with`);
      const challenge = await issueWebauthnChallenge({ db, newId, now: clock.now() }, { purpose: 'step_up', userId: session.userId, sessionId: session.id });
      const options = await assertionOptions(rp.id, challenge, passkeys);
      return { challengeId: challenge.id, options };
    },

    /**
     * Completes a step-up: the assertion must verify for a challenge issued
     * to this session, with a passkey of the session's own user. In one
     * command it spends the challenge, records the passkey's use and raises
     * the session (`sessions.session.stepped_up`, amr [hwk|swk, user], acr
     * ACR_PHISHING_RESISTANT). A refusal is recorded as `authn.step_up.failed`
     * and throws `authn.step_up_failed`; a dead session throws
     * `session.not_found` or `session.ended`.
     */
    async completePasskeyStepUp(ctx: CommandContext, sessionId: string, challengeId: string, response: AuthenticationResponseJSON): Promise<Session> {
      const session = await requireLiveSession(sessionId);
      const binding: ChallengeBinding = { purpose: 'step_up', userId: session.userId, sessionId: session.id };
      const challenge = await findChallengeForResponse(db, challengeId);
      const valid = challengeState(challenge, binding, clock.now()) === 'valid';
      const verdict = await verifyAssertion({ db, rp }, valid ? challenge! : null, response);
      const passkey = verdict.passkey;
      let reason: PasskeyStepUpFailureReason | null = verdict.ok ? null : verdict.reason;
      // Another person's passkey proves nothing about this session's user, however valid its signature.
      if (passkey && passkey.user_id !== session.userId) reason = 'wrong_user';
      const user = await db.selectFrom('users').select('status').where('id', '=', session.userId).executeTakeFirst();
      if (!reason && user?.status !== 'active') reason = 'inactive_account';
      try {
        if (reason || !verdict.ok) throw new StepUpRefused(reason ?? 'verification_failed');
        const { result } = await runner.run(ctx, async (scope) => {
          const lost = await verdict.commit(scope);
          if (lost) throw new StepUpRefused(lost);
          return sessions.recordStepUpInScope(scope, session.id, verdict.amr, { acr: ACR_PHISHING_RESISTANT });
        });
        return result;
      } catch (err) {
        if (!(err instanceof StepUpRefused)) throw err;
        await runner.run(ctx, async ({ trx, now, record }) => {
          // The attempt spends this session's challenge: a refused assertion cannot be retried against it.
          if (matchesBinding(challenge, binding)) await repo.consumeWebauthnChallenge(trx, challenge.id, now.toISOString());
          record({
            action: 'authn.step_up.failed',
            outcome: 'failure',
            reason: err.reason,
            org: session.orgId,
            targets: [{ type: 'user', id: session.userId }, { type: 'session', id: session.id }, ...(passkey ? [passkeyTarget(passkey)] : [])],
            data: { reason: err.reason, method: 'passkey', userId: session.userId, sessionId: session.id, challengeId: challenge?.id ?? null },
          });
        });
        throw new KeyledgerError('authn.step_up_failed', 'the passkey was not accepted for this step-up');
      }
    },
  };
}
