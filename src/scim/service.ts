import type { Db, Dialect } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { IdentityService } from '../identity/service.ts';
import type { AccessService } from '../access/service.ts';
import { createDirectoryService } from './directories.ts';
import { createAccountLink, type ScimLifecycle } from './account-link.ts';
import { createGroupAccess, type ScimAccessRequests } from './group-access.ts';
import { createUserProvisioning } from './user-provisioning.ts';
import { createGroupProvisioning } from './group-provisioning.ts';
import { recordRead, runScim, type ScimCaller } from './request-scope.ts';

export interface ScimDeps {
  db: Db;
  dialect: Dialect;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  identity: IdentityService;
  access: AccessService;
  lifecycle: ScimLifecycle;
  requests: ScimAccessRequests;
  publicUrl: string;
}

/** The SCIM 2.0 server's parts: directories and tokens, the Users and Groups endpoints, and group-to-role mappings. */
export function createScimService(deps: ScimDeps) {
  const { db, dialect, runner, clock, newId, identity, access, lifecycle, requests, publicUrl } = deps;
  const directories = createDirectoryService({ db, runner, clock, newId, identity, publicUrl });
  const groupAccess = createGroupAccess({ db, runner, newId, identity, access, requests });
  const accounts = createAccountLink({ identity, lifecycle });
  return {
    directories,
    groupAccess,
    users: createUserProvisioning({ db, dialect, runner, newId, directories, accounts, groupAccess }),
    groups: createGroupProvisioning({ runner, dialect, newId, directories, groupAccess }),
    /** Records a discovery request (ServiceProviderConfig, ResourceTypes, Schemas) like any other read. */
    recordDiscovery: (caller: ScimCaller, resourceType: string) => runScim(runner, directories, caller, async (scope) => recordRead(scope, caller, { resourceType, returned: 1 })),
  };
}

export type ScimService = ReturnType<typeof createScimService>;
