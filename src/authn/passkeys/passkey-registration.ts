import { randomBytes } from 'node:crypto';
import { generateRegistrationOptions, verifyRegistrationResponse, type PublicKeyCredentialCreationOptionsJSON, type RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import type { CommandRunner } from '../../audit/command-runner.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { PasskeyCredentialsTable } from '../../platform/schema.ts';
import { checkCeremony, checkRegistrationShape, readAttestedAuthenticatorData, type CeremonyMismatch } from './check-ceremony.ts';
import { challengeState, findChallengeForResponse, issueWebauthnChallenge, WEBAUTHN_CHALLENGE_TTL_MS, type ChallengeState } from './webauthn-challenges.ts';
import { checkPasskeyName, passkeyTarget, requireUser, toPasskeyView, userTarget, type PasskeyView } from './passkey-management.ts';
import type { RelyingParty } from './verify-assertion.ts';
import * as repo from './repository.ts';

/** ES256 and RS256: what platform authenticators and security keys make, and what node:crypto verifies everywhere. */
export const SUPPORTED_ALGORITHM_IDS = [-7, -257];
/** Transports browsers report (WebAuthn L3 AuthenticatorTransport); others are dropped, never stored. */
const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

export interface PasskeyRegistrationDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  rp: RelyingParty;
}

/** What `authn.passkey_verification_failed` carries in `details`: which check failed, and what was expected and got. */
export type RegistrationMismatch = Omit<CeremonyMismatch, 'check'> & { check: CeremonyMismatch['check'] | 'attestation' | 'credential_id' };

function challengeInvalid(state: Exclude<ChallengeState, 'valid'>): KeyledgerError {
  return new KeyledgerError('authn.webauthn_challenge_invalid', `the passkey registration challenge is ${state === 'wrong_binding' ? 'not for this user or ceremony' : state}; start again`, { state });
}

function verificationFailed(m: RegistrationMismatch): KeyledgerError {
  return new KeyledgerError('authn.passkey_verification_failed', `the passkey was not registered: ${m.message}`, m);
}

/** Registering passkeys: options for navigator.credentials.create(), then the verified response stored as a passkey. */
export function createPasskeyRegistration(deps: PasskeyRegistrationDeps) {
  const { db, runner, clock, newId, rp } = deps;

  return {
    /**
     * Starts registering a passkey for the user: returns the challenge id to
     * send back with the response, and the options for
     * `navigator.credentials.create()` (discoverable credential, user
     * verification required, no attestation, the user's passkeys excluded).
     * Issuing the challenge is not a ledger event (`ctx` is for symmetry with
     * `finishRegistration`). Throws `user.not_found`.
     */
    async startRegistration(_ctx: CommandContext, userId: string): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
      const user = await requireUser(db, userId);
      const existing = await repo.listActivePasskeysByUserId(db, userId);
      // One random handle per user for all their passkeys: the authenticator keeps it, so it must never be the email or change.
      const handle = (await repo.findUserHandleByUserId(db, userId)) ?? randomBytes(32).toString('base64url');
      const challenge = await issueWebauthnChallenge({ db, newId, now: clock.now() }, { purpose: 'registration', userId, userHandle: handle });
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.email,
        userID: new Uint8Array(Buffer.from(handle, 'base64url')),
        userDisplayName: user.name ?? user.email,
        challenge: new Uint8Array(Buffer.from(challenge.challenge, 'base64url')),
        timeout: WEBAUTHN_CHALLENGE_TTL_MS,
        attestationType: 'none',
        // The browser refuses to make a second passkey on an authenticator that already holds one of these.
        excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: JSON.parse(p.transports) as never[] })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
      });
      return { challengeId: challenge.id, options };
    },

    /**
     * Verifies the browser's registration response against the challenge
     * (origin, RP id, user verified, ES256/RS256 key, attestation format
     * `none` or a verifiable one) and stores the passkey. A refusal changes
     * nothing and records nothing (the challenge stays usable until it
     * expires). Throws `user.not_found`, `authn.passkey_name_invalid`,
     * `authn.webauthn_challenge_invalid`, `authn.passkey_verification_failed`
     * (details: check, expected, got) or `authn.passkey_already_registered`.
     */
    async finishRegistration(ctx: CommandContext, userId: string, challengeId: string, response: RegistrationResponseJSON, name?: string): Promise<PasskeyView> {
      const user = await requireUser(db, userId);
      const chosenName = name === undefined ? null : checkPasskeyName(name);
      const challenge = await findChallengeForResponse(db, challengeId);
      const state = challengeState(challenge, { purpose: 'registration', userId }, clock.now());
      if (state !== 'valid') throw challengeInvalid(state);
      const shape = checkRegistrationShape(response);
      if (shape) throw verificationFailed(shape);
      const mismatch = checkCeremony(response.response.clientDataJSON, readAttestedAuthenticatorData(response.response.attestationObject), { type: 'webauthn.create', challenge: challenge!.challenge, origins: rp.origins, rpId: rp.id });
      if (mismatch) throw verificationFailed(mismatch);
      let info;
      try {
        const verified = await verifyRegistrationResponse({ response, expectedChallenge: challenge!.challenge, expectedOrigin: [...rp.origins], expectedRPID: rp.id, requireUserVerification: true, supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS });
        if (!verified.verified) throw new Error('the attestation statement does not verify');
        info = verified.registrationInfo;
      } catch (err) {
        throw verificationFailed({ check: 'attestation', message: (err as Error).message });
      }
      // The id the browser reports must be the one the authenticator attested, or sign-ins would look up another credential.
      if (info.credential.id !== response.id) throw verificationFailed({ check: 'credential_id', message: 'the response id is not the attested credential id', expected: info.credential.id, got: response.id });
      const transports = [...new Set((info.credential.transports ?? []).filter((t) => KNOWN_TRANSPORTS.has(t)))].sort();
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const time = now.toISOString();
        // Single use: a concurrent finish with the same challenge loses here.
        if (!(await repo.consumeWebauthnChallenge(trx, challenge!.id, time))) throw challengeInvalid('used');
        if (await repo.findPasskeyByCredentialId(trx, info.credential.id)) throw new KeyledgerError('authn.passkey_already_registered', 'this passkey is already registered');
        const handle = await repo.findUserHandleByUserId(trx, userId);
        // A concurrent first registration fixed another handle; this authenticator stored ours, so the user must start again.
        if (handle !== undefined && handle !== challenge!.user_handle) throw challengeInvalid('wrong_binding');
        const count = (await repo.listActivePasskeysByUserId(trx, userId)).length;
        const row: PasskeyCredentialsTable = {
          id: newId(),
          user_id: userId,
          credential_id: info.credential.id,
          public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
          user_handle: challenge!.user_handle!,
          sign_count: info.credential.counter,
          transports: JSON.stringify(transports),
          aaguid: info.aaguid,
          device_type: info.credentialDeviceType,
          backed_up: info.credentialBackedUp ? 1 : 0,
          name: chosenName ?? `Passkey ${count + 1}`,
          created_at: time,
          last_used_at: null,
          removed_at: null,
        };
        await repo.insertPasskey(trx, row);
        record({ action: 'authn.passkey.registered', targets: [userTarget(user), passkeyTarget(row)], data: { userId, passkeyId: row.id, aaguid: row.aaguid, deviceType: row.device_type, backedUp: info.credentialBackedUp } });
        return toPasskeyView(row);
      });
      return result;
    },
  };
}
