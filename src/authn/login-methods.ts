import type { Db } from '../platform/database.ts';
import type { CommandScope } from '../audit/command-runner.ts';
import type { MasterKey } from '../platform/crypto.ts';
import type { PasswordHasher } from './password/password-hasher.ts';
import { hashRecoveryCode, isWellFormedRecoveryCode } from './password/recovery-codes.ts';
import { verifyTotp } from './totp/totp.ts';
import { openTotpSecret } from './totp-secret.ts';
import * as repo from './repository.ts';
import type { AssertionFailureReason, RelyingParty } from './passkeys/verify-assertion.ts';
import { createPasskeyLoginMethod } from './passkeys/passkey-second-factor.ts';

/** Why a factor was refused: recorded in the ledger (`authn.login.failed` data.reason), never told to the client. */
export type FactorFailureReason =
  | 'no_password'
  | 'wrong_password'
  | 'no_totp'
  | 'wrong_totp'
  | 'replayed_totp'
  | 'malformed_code'
  | 'wrong_recovery_code'
  // A passkey as second factor: its assertion's reasons (see passkeys/verify-assertion.ts), a passkey of another user, a stale WebAuthn challenge.
  | Exclude<AssertionFailureReason, 'challenge_invalid'>
  | 'wrong_user'
  | 'webauthn_challenge_invalid';

/** The login attempt a factor is checked for. */
export interface LoginAttempt {
  userId: string;
  /** The login challenge being completed (second factors), or null (first factor). */
  challengeId: string | null;
}

/**
 * A factor's verdict. Checking happens outside any transaction (argon2 is
 * slow); what must be atomic with accepting the login (advancing the TOTP
 * step, spending a recovery code, a rehash) is `commit`, run inside the login
 * command. `commit` returns a failure reason when a concurrent login got there
 * first, and then has written nothing. `amr`, when present, replaces the
 * method's own amr (a passkey is `hwk` or `swk` depending on the proof).
 */
export type FactorVerification = { ok: true; commit(scope: CommandScope): Promise<FactorFailureReason | null>; amr?: string[] } | { ok: false; reason: FactorFailureReason };

/** One way of proving who you are. Adding a method is adding an object that satisfies this. */
export interface LoginMethod<Input> {
  /** The name recorded in ledger events (`method`). */
  readonly name: 'password' | 'totp' | 'recovery_code' | 'passkey';
  /** The RFC 8176 value this method adds to the session's amr. */
  readonly amr: string;
  verify(attempt: LoginAttempt, input: Input): Promise<FactorVerification>;
}

export interface LoginMethodDeps {
  db: Db;
  master: MasterKey;
  hasher: PasswordHasher;
  recoveryCodeKey: Buffer;
  now: () => Date;
  /** The WebAuthn relying party; without it a passkey cannot be a second factor. */
  rp?: RelyingParty;
}

/** The methods of this release: password (first factor); TOTP, recovery codes and (with `rp`) passkeys as second factors. */
export function createLoginMethods(deps: LoginMethodDeps) {
  const { db, master, hasher, recoveryCodeKey } = deps;

  const password = {
    name: 'password',
    amr: 'pwd',
    async verify(attempt, input) {
      const credential = await repo.findPasswordCredentialByUserId(db, attempt.userId);
      // No password set: do the same work as a real check, so timing does not tell the account has none.
      if (!credential) {
        await hasher.dummyVerify(input);
        return { ok: false, reason: 'no_password' };
      }
      const result = await hasher.verify(credential.hash, input);
      if (!result.ok) return { ok: false, reason: 'wrong_password' };
      // Hash made with older parameters: store a fresh one while the password is at hand (hashed here, outside the transaction).
      const rehashed = result.needsRehash ? await hasher.hash(input) : null;
      return {
        ok: true,
        async commit(scope) {
          // Only replaces the hash verified, so a password changed meanwhile is never overwritten.
          if (rehashed) await repo.replacePasswordHash(scope.trx, attempt.userId, credential.hash, rehashed, scope.now.toISOString());
          return null;
        },
      };
    },
  } satisfies LoginMethod<string>;

  const totp = {
    name: 'totp',
    amr: 'otp',
    async verify(attempt, code) {
      const factor = await repo.findActiveTotpFactorByUserId(db, attempt.userId);
      // A user without an active authenticator cannot pass this method, whatever they type.
      if (!factor) return { ok: false, reason: 'no_totp' };
      const secret = openTotpSecret(master, factor.secret);
      const result = verifyTotp({
        secret,
        code,
        now: deps.now(),
        lastUsedStep: factor.last_used_step === null ? null : Number(factor.last_used_step),
        algorithm: factor.algorithm as 'SHA1',
        digits: Number(factor.digits),
        period: Number(factor.period),
      });
      if (!result.ok) return { ok: false, reason: result.reason === 'replayed' ? 'replayed_totp' : result.reason === 'malformed' ? 'malformed_code' : 'wrong_totp' };
      return {
        ok: true,
        // Replay protection: the step is stored in the login's transaction; a concurrent login with the same code loses here.
        commit: async (scope) => ((await repo.advanceTotpStep(scope.trx, factor.id, result.step)) ? null : 'replayed_totp'),
      };
    },
  } satisfies LoginMethod<string>;

  const recoveryCode = {
    name: 'recovery_code',
    amr: 'otp',
    async verify(attempt, code) {
      // Garbage never reaches a lookup.
      if (typeof code !== 'string' || !isWellFormedRecoveryCode(code)) return { ok: false, reason: 'malformed_code' };
      const codeHash = hashRecoveryCode(recoveryCodeKey, attempt.userId, code);
      return {
        ok: true,
        async commit(scope) {
          // Single use: only an unused code of this user is spent, atomically with the login.
          if (!(await repo.consumeRecoveryCode(scope.trx, attempt.userId, codeHash, scope.now.toISOString()))) return 'wrong_recovery_code';
          const { remaining } = await repo.summarizeRecoveryCodesByUserId(scope.trx, attempt.userId);
          scope.record({ action: 'authn.recovery_code.used', targets: [{ type: 'user', id: attempt.userId }], data: { userId: attempt.userId, challengeId: attempt.challengeId, remaining } });
          return null;
        },
      };
    },
  } satisfies LoginMethod<string>;

  const passkey = deps.rp ? createPasskeyLoginMethod({ db, clock: { now: deps.now }, rp: deps.rp }) : null;

  return { password, totp, recoveryCode, passkey };
}

export type LoginMethods = ReturnType<typeof createLoginMethods>;
