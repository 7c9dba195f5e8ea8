import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { ScimDirectoryRow } from '../platform/schema-directory.ts';
import type { DirectoryService } from './directories.ts';
import { ScimError } from './errors.ts';

/** An authenticated SCIM request: its directory (the actor), token, command context and base URL. */
export interface ScimCaller {
  directory: ScimDirectoryRow;
  tokenId: string;
  ctx: CommandContext;
  baseUrl: string;
}

/** The weak ETag of a resource version (RFC 7644 §3.14). */
export const etagOf = (version: number): string => `W/"${version}"`;

/**
 * Checks an `If-Match` precondition against the resource's current version:
 * absent or `*` passes; otherwise one of the listed tags must match (weak
 * comparison), else 412 and nothing changes.
 */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const current = String(version);
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, ''));
  if (!tags.includes(current)) throw new ScimError(412, null, `the resource is at version ${etagOf(version)}, not ${ifMatch}`);
}

/**
 * Runs one SCIM request as a command with the directory as the actor: the
 * token's use is recorded in the same transaction as what the request did, so
 * every successful request is in the ledger and a refused one leaves nothing.
 */
export async function runScim<T>(runner: CommandRunner, directories: DirectoryService, caller: ScimCaller, body: (scope: CommandScope) => Promise<T>): Promise<T> {
  const { result } = await runner.run(caller.ctx, async (scope) => {
    const value = await body(scope);
    await directories.recordUse(scope, caller.directory.id, caller.tokenId, caller.ctx.request.ip);
    return value;
  });
  return result;
}

/** Records a read (a resource fetched, a list or search answered, a discovery document served). */
export function recordRead(scope: CommandScope, caller: ScimCaller, data: { resourceType: string; id?: string; filter?: string | null; startIndex?: number; count?: number; returned: number; totalResults?: number }): void {
  scope.record({
    action: 'scim.resources.read',
    org: caller.directory.org_id,
    targets: [{ type: 'scim_directory', id: caller.directory.id, display: caller.directory.name }, ...(data.id ? [{ type: data.resourceType === 'Group' ? 'scim_group' : 'scim_user', id: data.id }] : [])],
    data: { directoryId: caller.directory.id, ...data },
  });
}
