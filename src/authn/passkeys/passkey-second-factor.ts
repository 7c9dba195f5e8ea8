import { type AuthenticationResponseJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import { digestsEqual, hashToken } from '../../platform/ids.ts';
import type { LoginMethod } from '../login-methods.ts';
import { findLoginChallengeByTokenHash } from '../repository.ts';
import { challengeState, findChallengeForResponse, issueWebauthnChallenge, type ChallengeBinding, assertionOptions } from './webauthn-challenges.ts';
import { verifyAssertion, type RelyingParty } from './verify-assertion.ts';
import * as repo from './repository.ts';

/** What the login page sends to complete a password login with a passkey: `completeLogin(ctx, token, { passkey: { challengeId, response } })`. */
export interface PasskeySecondFactorInput {
  challengeId: string;
  response: AuthenticationResponseJSON;
}

const CHALLENGE_TOKEN_RE = /^kl_login_[A-Za-z0-9_-]{43}$/;
/** Wrong codes a login challenge takes before it closes (login.ts MAX_CHALLENGE_FAILURES). */
const MAX_FAILURES = 5;

/**
 * A passkey as the second factor of a password login, satisfying
 * `LoginMethod`: the assertion must answer a challenge issued for this very
 * login challenge and come from a passkey of the login's user. Its amr is
 * `hwk`, or `swk` for a synced (backed-up) passkey.
 */
export function createPasskeyLoginMethod(deps: { db: Db; clock: Clock; rp: RelyingParty }) {
  return {
    name: 'passkey',
    amr: 'hwk',
    async verify(attempt, input) {
      const binding: ChallengeBinding = { purpose: 'second_factor', userId: attempt.userId, loginChallengeId: attempt.challengeId };
      const challenge = await findChallengeForResponse(deps.db, input?.challengeId);
      const valid = challengeState(challenge, binding, deps.clock.now()) === 'valid';
      const verdict = await verifyAssertion(deps, valid ? challenge! : null, input?.response);
      // Another person's passkey proves nothing about this account.
      if (verdict.passkey && verdict.passkey.user_id !== attempt.userId) return { ok: false, reason: 'wrong_user' };
      // A stale WebAuthn challenge means "run the passkey ceremony again", not "sign in again": named apart from the login challenge's states.
      if (!verdict.ok) return { ok: false, reason: verdict.reason === 'challenge_invalid' ? 'webauthn_challenge_invalid' : verdict.reason };
      return {
        ok: true,
        amr: verdict.amr.filter((m) => m !== 'user'),
        commit: async (scope) => {
          const lost = await verdict.commit(scope);
          return lost === 'challenge_invalid' ? 'webauthn_challenge_invalid' : lost;
        },
      };
    },
  } satisfies LoginMethod<PasskeySecondFactorInput>;
}

/** Starting the passkey ceremony that completes a password login. */
export function createPasskeySecondFactor(deps: { db: Db; clock: Clock; newId: () => string; rp: RelyingParty }) {
  const { db, clock, newId, rp } = deps;
  return {
    /**
     * Starts the passkey step of a password login waiting for its second
     * factor (`beginPasswordLogin` returned `methods` with "passkey"): the
     * challenge id and options for `navigator.credentials.get()` listing the
     * user's passkeys. Complete with `authn.completeLogin(ctx, challengeToken,
     * { passkey: { challengeId, response } })`. Throws `authn.challenge_invalid`
     * (unknown, expired, completed or locked login) or `authn.factor_not_found`.
     */
    async startPasskeySecondFactor(challengeToken: string): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      const digest = typeof challengeToken === 'string' && CHALLENGE_TOKEN_RE.test(challengeToken) ? hashToken(challengeToken) : null;
      const login = digest ? await findLoginChallengeByTokenHash(db, digest) : undefined;
      const now = clock.now();
      // Only a login still waiting for its second factor gets a passkey challenge.
      if (!login || !digestsEqual(login.token_hash, digest!) || login.completed_at || Number(login.failed_attempts) >= MAX_FAILURES || now.toISOString() >= login.expires_at) {
        throw new KeyledgerError('authn.challenge_invalid', 'this sign-in has expired or is no longer valid; sign in again');
      }
      const passkeys = await repo.listActivePasskeysByUserId(db, login.user_id);
      if (passkeys.length === 0) throw new KeyledgerError('authn.factor_not_found', 'no passkey is registered for this account');
      const challenge = await issueWebauthnChallenge({ db, newId, now }, { purpose: 'second_factor', userId: login.user_id, loginChallengeId: login.id });
      const options = await assertionOptions(rp.id, challenge, passkeys);
      return { challengeId: challenge.id, options };
    },
  };
}
