import type { Db } from '../platform/database.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import type { ScimDirectoryRow, ScimGroupRoleMappingRow } from '../platform/schema-directory.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { Actor, CommandContext } from '../audit/event.ts';
import type { AccessService } from '../access/service.ts';
import type { AccessRequestService } from '../access/requests.ts';
import * as accessRepo from '../access/repository.ts';
import type { IdentityService } from '../identity/service.ts';
import { requireDirectory } from './directories.ts';

/** The pending access requests a group push files and withdraws (`src/access/requests.ts`). */
export type ScimAccessRequests = Pick<AccessRequestService, 'createPendingInScope' | 'cancelPendingInScope'>;

export interface GroupMapping {
  id: string;
  directoryId: string;
  groupId: string;
  groupDisplayName: string;
  roleId: string;
  roleKey: string;
  privileged: boolean;
  createdAt: string;
  createdBy: { type: string; id: string };
}

type Page = { limit: number; cursor?: string };
const GRANT_REASON_PREFIX = 'directory group';

/**
 * Directory groups → roles. A mapping makes every linked, active member of a
 * group hold the role; leaving the group (or the mapping going) ends it. A
 * privileged role is never granted by a group push: the push files a pending
 * access request for the approval rules instead. Assignments made here are
 * granted by the directory (`granted_by_type = scim_directory`), so access an
 * administrator granted by hand is never touched.
 */
export function createGroupAccess(deps: { db: Db; runner: CommandRunner; newId: () => string; identity: IdentityService; access: AccessService; requests: ScimAccessRequests }) {
  const { db, runner, newId, identity, access, requests } = deps;

  async function toMapping(reader: Db | CommandScope['trx'], row: ScimGroupRoleMappingRow): Promise<GroupMapping> {
    const group = await reader.selectFrom('scim_groups').select('display_name').where('id', '=', row.group_id).executeTakeFirstOrThrow();
    const role = await reader.selectFrom('roles').select(['key', 'privileged']).where('id', '=', row.role_id).executeTakeFirstOrThrow();
    return { id: row.id, directoryId: row.directory_id, groupId: row.group_id, groupDisplayName: group.display_name, roleId: row.role_id, roleKey: role.key, privileged: role.privileged === 1, createdAt: row.created_at, createdBy: { type: row.created_by_type, id: row.created_by_id } };
  }

  /** The roles a directory record should hold through its groups. */
  async function desiredRoles(scope: CommandScope, scimUserId: string): Promise<Map<string, string>> {
    const rows = await scope.trx
      .selectFrom('scim_group_members as m')
      .innerJoin('scim_group_role_mappings as r', 'r.group_id', 'm.group_id')
      .select(['r.role_id', 'r.group_id'])
      .where('m.scim_user_id', '=', scimUserId)
      .orderBy('r.group_id')
      .execute();
    const roles = new Map<string, string>();
    for (const r of rows) if (!roles.has(r.role_id)) roles.set(r.role_id, r.group_id);
    return roles;
  }

  /**
   * Makes the directory-granted roles of these records match their groups'
   * mappings, inside the SCIM request's (or mapping's) command.
   */
  async function syncInScope(scope: CommandScope, dir: ScimDirectoryRow, scimUserIds: Iterable<string>): Promise<void> {
    const actor: Actor = { type: 'scim_directory', id: dir.id, display: dir.name };
    const now = scope.now.toISOString();
    for (const scimUserId of new Set(scimUserIds)) {
      const rec = await scope.trx.selectFrom('scim_users').select(['user_id']).where('id', '=', scimUserId).executeTakeFirst();
      const userId = rec?.user_id;
      if (!userId) continue;
      const user = await identity.requireUser(userId, scope.trx);
      const desired = user.status === 'active' ? await desiredRoles(scope, scimUserId) : new Map<string, string>();
      const held = await accessRepo.findActiveAssignments(scope.trx, now, { orgId: dir.org_id, principalType: 'user', principalId: userId });
      const heldRoles = new Set(held.map((a) => a.role_id));
      // Grants this directory made that no group justifies any more end.
      for (const a of held) {
        if (a.granted_by_type === 'scim_directory' && a.granted_by_id === dir.id && !desired.has(a.role_id)) {
          await access.endAssignmentInScope(scope, a.id, 'directory group membership ended');
        }
      }
      const pending = await scope.trx.selectFrom('access_requests').select(['id', 'role_id']).where('org_id', '=', dir.org_id).where('principal_type', '=', 'user').where('principal_id', '=', userId).where('status', '=', 'pending').where('source', '=', 'scim_group').execute();
      for (const p of pending) if (!desired.has(p.role_id)) await requests.cancelPendingInScope(scope, p.id, 'directory group membership ended');
      for (const [roleId, groupId] of desired) {
        if (heldRoles.has(roleId)) continue;
        const role = await scope.trx.selectFrom('roles').select(['id', 'key', 'privileged']).where('id', '=', roleId).executeTakeFirstOrThrow();
        const group = await scope.trx.selectFrom('scim_groups').select('display_name').where('id', '=', groupId).executeTakeFirstOrThrow();
        const reason = `${GRANT_REASON_PREFIX} ${group.display_name}`;
        if (role.privileged === 1) {
          await requests.createPendingInScope(scope, { orgId: dir.org_id, roleId, principalType: 'user', principalId: userId, requestedBy: actor, reason, source: 'scim_group', sourceRef: groupId });
        } else {
          await access.grantInScope(scope, actor, dir.org_id, { role: roleId, principalType: 'user', principalId: userId, reason });
        }
      }
    }
  }

  async function membersOf(scope: CommandScope, groupId: string): Promise<string[]> {
    const rows = await scope.trx.selectFrom('scim_group_members').select('scim_user_id').where('group_id', '=', groupId).execute();
    return rows.map((r) => r.scim_user_id);
  }

  return {
    syncInScope,

    async createMapping(ctx: CommandContext, orgRef: string, directoryId: string, input: { group: string; role: string }): Promise<GroupMapping> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        const dir = await requireDirectory(scope.trx, org, directoryId);
        const group = await scope.trx
          .selectFrom('scim_groups')
          .selectAll()
          .where('directory_id', '=', dir.id)
          .where((eb) => eb.or([eb('id', '=', input.group), eb(eb.fn('lower', ['display_name']), '=', input.group.toLowerCase())]))
          .orderBy('id')
          .executeTakeFirst();
        if (!group) throw new KeyledgerError('scim.group_not_found', `no group "${input.group}" (id or displayName) in SCIM directory "${dir.id}"`);
        const role = await accessRepo.findRoleByRef(scope.trx, org.id, input.role);
        if (!role) throw new KeyledgerError('role.not_found', `no role "${input.role}" in this organization`);
        const dup = await scope.trx.selectFrom('scim_group_role_mappings').select('id').where('group_id', '=', group.id).where('role_id', '=', role.id).executeTakeFirst();
        if (dup) throw new KeyledgerError('scim.group_mapping_exists', `group "${group.display_name}" already grants role "${role.key}" (mapping ${dup.id})`);
        const row: ScimGroupRoleMappingRow = { id: newId(), org_id: org.id, directory_id: dir.id, group_id: group.id, role_id: role.id, created_at: scope.now.toISOString(), created_by_type: ctx.actor.type, created_by_id: ctx.actor.id };
        await scope.trx.insertInto('scim_group_role_mappings').values(row).execute();
        scope.record({
          action: 'scim.group_mapping.created',
          org: org.id,
          targets: [{ type: 'scim_directory', id: dir.id, display: dir.name }, { type: 'scim_group', id: group.id, display: group.display_name }, { type: 'role', id: role.id, display: role.key }],
          data: { mappingId: row.id, directoryId: dir.id, groupId: group.id, groupDisplayName: group.display_name, roleId: role.id, roleKey: role.key, privileged: role.privileged === 1 },
        });
        await syncInScope(scope, dir, await membersOf(scope, group.id));
        return toMapping(scope.trx, row);
      });
      return result;
    },

    async deleteMapping(ctx: CommandContext, orgRef: string, directoryId: string, mappingId: string): Promise<void> {
      const org = await identity.requireOrg(orgRef);
      await runner.run(ctx, async (scope) => {
        const dir = await requireDirectory(scope.trx, org, directoryId);
        const row = await scope.trx.selectFrom('scim_group_role_mappings').selectAll().where('directory_id', '=', dir.id).where('id', '=', mappingId).executeTakeFirst();
        if (!row) throw new KeyledgerError('scim.group_mapping_not_found', `no mapping "${mappingId}" in SCIM directory "${dir.id}"`);
        const mapping = await toMapping(scope.trx, row);
        await scope.trx.deleteFrom('scim_group_role_mappings').where('id', '=', row.id).execute();
        scope.record({
          action: 'scim.group_mapping.deleted',
          org: org.id,
          targets: [{ type: 'scim_directory', id: dir.id, display: dir.name }, { type: 'scim_group', id: row.group_id, display: mapping.groupDisplayName }, { type: 'role', id: row.role_id, display: mapping.roleKey }],
          data: { mappingId: row.id, directoryId: dir.id, groupId: row.group_id, roleId: row.role_id, roleKey: mapping.roleKey },
        });
        await syncInScope(scope, dir, await membersOf(scope, row.group_id));
      });
    },

    async listMappings(orgRef: string, directoryId: string, p: Page): Promise<{ items: GroupMapping[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      const dir = await requireDirectory(db, org, directoryId);
      let q = db.selectFrom('scim_group_role_mappings').selectAll().where('directory_id', '=', dir.id).orderBy('id').limit(p.limit + 1);
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'scim_group_mapping'));
      const rows = await q.execute();
      const items = await Promise.all(rows.slice(0, p.limit).map((r) => toMapping(db, r)));
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('scim_group_mapping', items[items.length - 1].id) : null };
    },
  };
}

export type GroupAccess = ReturnType<typeof createGroupAccess>;
