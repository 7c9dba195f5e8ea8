import { randomBytes } from 'node:crypto';
import type { Db } from '../../platform/database.ts';
import { generateAuthenticationOptions, type AuthenticatorTransport, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { PasskeyCredentialRow, WebauthnChallengeRow } from '../../platform/schema.ts';
import * as repo from './repository.ts';

/** How long a WebAuthn ceremony may take, from options to response. */
export const WEBAUTHN_CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** Expired challenges are deleted this long after they expire (they only matter while live). */
const PURGE_AFTER_MS = 24 * 60 * 60 * 1000;

export type ChallengePurpose = WebauthnChallengeRow['purpose'];

/** What a challenge is bound to: only a response for the same purpose and the same user, session or login may spend it. */
export interface ChallengeBinding {
  purpose: ChallengePurpose;
  userId?: string | null;
  userHandle?: string | null;
  sessionId?: string | null;
  loginChallengeId?: string | null;
}

/** Why a challenge cannot be spent, or `valid`. */
export type ChallengeState = 'valid' | 'unknown' | 'wrong_binding' | 'used' | 'expired';

/**
 * Issues a fresh challenge (32 random bytes, base64url) bound to `binding`,
 * valid for 5 minutes, and purges long-expired ones. A challenge is protocol
 * state, not a change to anyone's access, so issuing one is no ledger event;
 * what is done with it (a registration, a sign-in, a refusal) is.
 */
export async function issueWebauthnChallenge(deps: { db: Db; newId: () => string; now: Date }, binding: ChallengeBinding): Promise<WebauthnChallengeRow> {
  const { db, newId, now } = deps;
  await repo.deleteWebauthnChallengesExpiredBefore(db, new Date(now.getTime() - PURGE_AFTER_MS).toISOString());
  const row: WebauthnChallengeRow = {
    id: newId(),
    challenge: randomBytes(32).toString('base64url'),
    purpose: binding.purpose,
    user_id: binding.userId ?? null,
    user_handle: binding.userHandle ?? null,
    session_id: binding.sessionId ?? null,
    login_challenge_id: binding.loginChallengeId ?? null,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + WEBAUTHN_CHALLENGE_TTL_MS).toISOString(),
    used_at: null,
  };
  await repo.insertWebauthnChallenge(db, row);
  return row;
}

/** Whether `row` is bound to exactly this purpose and (where the binding names them) user, session and login. */
export function matchesBinding(row: WebauthnChallengeRow | undefined, binding: ChallengeBinding): row is WebauthnChallengeRow {
  if (!row || row.purpose !== binding.purpose) return false;
  if (binding.userId !== undefined && row.user_id !== binding.userId) return false;
  if (binding.sessionId !== undefined && row.session_id !== binding.sessionId) return false;
  if (binding.loginChallengeId !== undefined && row.login_challenge_id !== binding.loginChallengeId) return false;
  return true;
}

/** The state of a challenge for a ceremony of `binding` at `now`. A challenge is expired at (not after) its expiry. */
export function challengeState(row: WebauthnChallengeRow | undefined, binding: ChallengeBinding, now: Date): ChallengeState {
  if (!row) return 'unknown';
  // Another ceremony's challenge (a registration's used to sign in, another session's step-up) is never accepted.
  if (!matchesBinding(row, binding)) return 'wrong_binding';
  if (row.used_at !== null) return 'used';
  if (now.toISOString() >= row.expires_at) return 'expired';
  return 'valid';
}

/** Looks up a challenge by the id the client sent back; junk ids never reach the database. */
export async function findChallengeForResponse(db: Db, challengeId: unknown): Promise<WebauthnChallengeRow | undefined> {
  if (typeof challengeId !== 'string' || !/^[0-9a-f-]{36}$/.test(challengeId)) return undefined;
  return repo.findWebauthnChallengeById(db, challengeId);
}

/**
 * The request options of an assertion ceremony for `challenge`: user
 * verification required; `passkeys` lists the credentials the browser may
 * use (step-up, second factor), or null for discoverable credentials (sign-in
 * without a username).
 */
export function assertionOptions(rpId: string, challenge: WebauthnChallengeRow, passkeys: Pick<PasskeyCredentialRow, 'credential_id' | 'transports'>[] | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rpId,
    allowCredentials: (passkeys ?? []).map((p) => ({ id: p.credential_id, transports: JSON.parse(p.transports) as AuthenticatorTransport[] })),
    userVerification: 'required',
    challenge: new Uint8Array(Buffer.from(challenge.challenge, 'base64url')),
    timeout: WEBAUTHN_CHALLENGE_TTL_MS,
  });
}
