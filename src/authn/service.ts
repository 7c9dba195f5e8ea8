import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { MasterKey } from '../platform/crypto.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { IdentityService } from '../identity/service.ts';
import type { SessionService } from '../sessions/service.ts';
import { createPasswordHasher, type PasswordHasher } from './password/password-hasher.ts';
import { evaluatePassword, type PasswordPolicyEvaluator } from './password/password-policy.ts';
import { deriveRecoveryCodeKey } from './password/recovery-codes.ts';
import { createFactorCommands } from './factors.ts';
import { createLoginCommands } from './login.ts';
import { createLoginMethods } from './login-methods.ts';
import { createReauthentication } from './reauthenticate.ts';
import { createAuthnPolicyQueries } from './authn-policy.ts';
import { createFactorInventory } from './factor-inventory.ts';
import type { RelyingParty } from './passkeys/verify-assertion.ts';
import type { LoginGuard } from './lockout/login-guard.ts';

export interface AuthnServiceDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  /** Encrypts TOTP secrets and keys the recovery-code hashes. */
  master: MasterKey;
  sessions: SessionService;
  identity: IdentityService;
  /** Default: argon2id at OWASP_ARGON2ID. */
  hasher?: PasswordHasher;
  /** Default: the bundled dictionaries and blocklist. */
  policyEvaluator?: PasswordPolicyEvaluator;
  /** The WebAuthn relying party; with it a passkey can be the second factor of a password login. */
  rp?: RelyingParty;
  /** Throttling and lockout of sign-ins (the runtime passes `lockouts.guard`); default: none. */
  guard?: LoginGuard;
}

/**
 * Authentication: passwords, TOTP, recovery codes, and login with them
 * (password first, then a second factor (TOTP, recovery code or passkey)
 * when the user has one or the organization requires it). Every command is a ledger event; no secret is
 * ever stored in clear or recorded.
 */
export function createAuthnService(deps: AuthnServiceDeps) {
  const hasher = deps.hasher ?? createPasswordHasher();
  const policyEvaluator = deps.policyEvaluator ?? { evaluatePassword };
  const recoveryCodeKey = deriveRecoveryCodeKey(deps.master.key);
  const methods = createLoginMethods({ db: deps.db, master: deps.master, hasher, recoveryCodeKey, now: () => deps.clock.now(), rp: deps.rp });
  return {
    ...createFactorCommands({ db: deps.db, runner: deps.runner, newId: deps.newId, master: deps.master, hasher, policyEvaluator, recoveryCodeKey, sessions: deps.sessions }),
    ...createAuthnPolicyQueries({ db: deps.db, clock: deps.clock }),
    ...createFactorInventory({ db: deps.db }),
    ...createLoginCommands({ db: deps.db, runner: deps.runner, newId: deps.newId, clock: deps.clock, sessions: deps.sessions, hasher, methods, guard: deps.guard }),
    ...createReauthentication({ db: deps.db, runner: deps.runner, sessions: deps.sessions, methods }),
    /** The login methods, one object per factor, all satisfying `LoginMethod`. */
    methods,
  };
}

export type AuthnService = ReturnType<typeof createAuthnService>;
