import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Db } from '../../platform/database.ts';
import type { CommandScope } from '../../audit/command-runner.ts';
import type { PasskeyCredentialRow, WebauthnChallengeRow } from '../../platform/schema.ts';
import { checkAuthenticationShape, checkCeremony, readAuthenticatorData, type CeremonyMismatch } from './check-ceremony.ts';
import * as repo from './repository.ts';

/** The acr of a session signed in (or stepped up) with a user-verified passkey: phishing-resistant, bound to our origin. */
export { ACR_PHISHING_RESISTANT } from '../acr.ts';

/** Why a passkey assertion was refused, as the ledger records it. */
export type AssertionFailureReason = 'unknown_credential' | 'challenge_invalid' | 'origin_mismatch' | 'rp_id_mismatch' | 'user_not_verified' | 'counter_regression' | 'verification_failed';

/** The relying party: the RP id credentials are scoped to and the origins ceremonies may run on. */
export interface RelyingParty {
  id: string;
  name: string;
  origins: readonly string[];
}

/**
 * A passkey assertion's verdict. The checks run outside any transaction;
 * `commit`, run inside the command that accepts the sign-in or step-up,
 * spends the challenge and advances the signature counter, and returns a
 * reason (having written nothing that survives: the command rolls back) when
 * a concurrent attempt got there first.
 */
export type AssertionVerdict =
  | { ok: true; passkey: PasskeyCredentialRow; amr: string[]; commit(scope: CommandScope): Promise<AssertionFailureReason | null> }
  | { ok: false; reason: AssertionFailureReason; passkey: PasskeyCredentialRow | null; detail: string };

const REASON_OF: Record<CeremonyMismatch['check'], AssertionFailureReason> = {
  malformed: 'verification_failed',
  type: 'verification_failed',
  challenge: 'challenge_invalid',
  origin: 'origin_mismatch',
  rp_id: 'rp_id_mismatch',
  user_presence: 'user_not_verified',
  user_verification: 'user_not_verified',
};

/** RFC 8176 methods of a passkey use: a synced (backed-up) key is software, a device-bound one hardware; UV is the user check. */
export function passkeyAmr(backedUp: boolean): string[] {
  return [backedUp ? 'swk' : 'hwk', 'user'];
}

/**
 * Verifies a passkey assertion for `challenge` (already found valid for this
 * ceremony by the caller, or null when it is not): the response's shape, the
 * credential (known, not removed), the ceremony (challenge, origin, RP id, UP
 * and UV), the user handle, the signature, and the signature counter (a
 * counter that did not increase, when either is non-zero, means a cloned
 * authenticator). Never throws for a bad response: returns the reason.
 */
export async function verifyAssertion(deps: { db: Db; rp: RelyingParty }, challenge: WebauthnChallengeRow | null, response: unknown): Promise<AssertionVerdict> {
  const refuse = (reason: AssertionFailureReason, passkey: PasskeyCredentialRow | null, detail: string): AssertionVerdict => ({ ok: false, reason, passkey, detail });
  const shape = checkAuthenticationShape(response);
  if (shape) return refuse('verification_failed', null, shape.message);
  const res = response as AuthenticationResponseJSON;
  const passkey = (await repo.findPasskeyByCredentialId(deps.db, res.id)) ?? null;
  // A removed passkey is as unknown as one never registered, but the ledger still names its owner.
  if (!passkey || passkey.removed_at !== null) return refuse('unknown_credential', passkey, passkey ? 'the passkey was removed' : 'no passkey has this credential id');
  if (!challenge) return refuse('challenge_invalid', passkey, 'the challenge is unknown, expired, used, or issued for another ceremony');
  const authData = readAuthenticatorData(res.response.authenticatorData);
  const mismatch = checkCeremony(res.response.clientDataJSON, authData, { type: 'webauthn.get', challenge: challenge.challenge, origins: deps.rp.origins, rpId: deps.rp.id });
  if (mismatch) return refuse(REASON_OF[mismatch.check], passkey, mismatch.message);
  // Discoverable credentials return the user.id they were made with; another account's handle means a forged or mixed-up response.
  if (res.response.userHandle && res.response.userHandle !== passkey.user_handle) return refuse('verification_failed', passkey, 'the user handle is not the one this passkey was registered with');
  // Backup eligibility is fixed when a credential is made (WebAuthn L3 §6.1.3); a change means another authenticator.
  if (authData!.flags.be !== (passkey.device_type === 'multiDevice')) return refuse('verification_failed', passkey, `backup eligibility changed (registered ${passkey.device_type})`);
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response: res,
      expectedChallenge: challenge.challenge,
      expectedOrigin: [...deps.rp.origins],
      expectedRPID: deps.rp.id,
      // Counter 0 here: the library compares counters before the signature, and a regression only proves a clone once the signature is good (checked below).
      credential: { id: passkey.credential_id, publicKey: new Uint8Array(Buffer.from(passkey.public_key, 'base64url')), counter: 0 },
      requireUserVerification: true,
    });
  } catch (err) {
    return refuse('verification_failed', passkey, (err as Error).message);
  }
  if (!verified.verified) return refuse('verification_failed', passkey, 'the signature does not verify with the registered public key');
  const counter = verified.authenticationInfo.newCounter;
  // Both authenticators of a clone count on from the same value; the second to sign in shows a counter that did not move forward.
  if ((counter > 0 || passkey.sign_count > 0) && counter <= passkey.sign_count) return refuse('counter_regression', passkey, `signature counter ${counter} is not above the stored ${passkey.sign_count}`);
  const backedUp = verified.authenticationInfo.credentialBackedUp;
  return {
    ok: true,
    passkey,
    amr: passkeyAmr(backedUp),
    async commit(scope) {
      const time = scope.now.toISOString();
      // Single use: a concurrent attempt with the same challenge loses here.
      if (!(await repo.consumeWebauthnChallenge(scope.trx, challenge.id, time))) return 'challenge_invalid';
      if (await repo.recordPasskeyUse(scope.trx, passkey.id, counter, backedUp, time)) return null;
      const now = await repo.findPasskeyByCredentialId(scope.trx, passkey.credential_id);
      // Removed meanwhile, or another use with a higher counter committed first.
      return !now || now.removed_at !== null ? 'unknown_credential' : 'counter_regression';
    },
  };
}
