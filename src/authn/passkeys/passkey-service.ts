import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { CommandRunner } from '../../audit/command-runner.ts';
import type { SessionService } from '../../sessions/service.ts';
import { createPasskeyManagement } from './passkey-management.ts';
import { createPasskeyRegistration } from './passkey-registration.ts';
import { createPasskeyLogin } from './passkey-login.ts';
import { createPasskeyStepUp } from './passkey-step-up.ts';
import { createPasskeySecondFactor } from './passkey-second-factor.ts';
import type { RelyingParty } from './verify-assertion.ts';

export { ACR_PHISHING_RESISTANT, type RelyingParty } from './verify-assertion.ts';
export type { PasskeyView } from './passkey-management.ts';
export type { PasskeySecondFactorInput } from './passkey-second-factor.ts';

export interface PasskeyServiceDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  sessions: SessionService;
  /** From config: id = webauthnRpId, origins = webauthnOrigins. */
  rp: RelyingParty;
}

/**
 * Passkeys (WebAuthn Level 3): registration, listing, renaming and removal;
 * passwordless sign-in with discoverable credentials; step-up in a live
 * session; the passkey step of a password login (completed by
 * `authn.completeLogin`). Only public keys are stored; every change and every sign-in
 * attempt is a ledger event.
 */
export function createPasskeyService(deps: PasskeyServiceDeps) {
  return {
    ...createPasskeyManagement(deps),
    ...createPasskeyRegistration(deps),
    ...createPasskeyLogin(deps),
    ...createPasskeyStepUp(deps),
    ...createPasskeySecondFactor(deps),
  };
}

export type PasskeyService = ReturnType<typeof createPasskeyService>;
