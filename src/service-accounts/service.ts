import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { IdentityService } from '../identity/service.ts';
import type { AccessService } from '../access/service.ts';
import { createAccountCommands, type PrincipalRevocationHook } from './accounts.ts';
import { createCredentialCommands } from './credentials.ts';
import { createCredentialVerification } from './verification.ts';
import { listFindings, type Finding } from './findings.ts';

export type { PrincipalRevocationHook } from './accounts.ts';
export type { ActiveCredential, ServiceAccountClient } from './verification.ts';
export type { Credential, PrincipalRevocation, ServiceAccount } from './views.ts';
export type { Finding } from './findings.ts';

export interface ServiceAccountDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  identity: IdentityService;
  access: AccessService;
}

/**
 * Service accounts as principals: lifecycle with one owner, credentials
 * (secrets and public keys) with rotation and an age policy, the verification
 * questions the OAuth provider asks, and the findings auditors read.
 * `principalRevocationHooks` is open for runtime code (token stores) to push to.
 */
export function createServiceAccountService(deps: ServiceAccountDeps) {
  const principalRevocationHooks: PrincipalRevocationHook[] = [];
  const accounts = createAccountCommands({ ...deps, revocationHooks: principalRevocationHooks });
  const credentials = createCredentialCommands({ ...deps, revocationHooks: principalRevocationHooks });
  const verification = createCredentialVerification(deps);
  return {
    principalRevocationHooks,
    ...accounts,
    ...credentials,
    ...verification,
    /** Owner-missing, too-old and unused-credential findings of an organization, computed now. */
    listFindings: (orgRef: string): Promise<Finding[]> => listFindings(deps, orgRef),
  };
}

export type ServiceAccountService = ReturnType<typeof createServiceAccountService>;
