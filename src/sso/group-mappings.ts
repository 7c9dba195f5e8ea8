import type { Db } from '../platform/database.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { SsoConnectionRow, SsoGroupRoleMappingRow } from '../platform/schema-sso.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { Actor, CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { AccessService } from '../access/service.ts';
import type { AccessRequestService } from '../access/requests.ts';
import * as accessRepo from '../access/repository.ts';
import { requireConnection } from './connections.ts';

export interface SsoGroupMapping {
  id: string;
  connectionId: string;
  group: string;
  roleId: string;
  roleKey: string;
  privileged: boolean;
  createdAt: string;
}

/** What a sign-in's groups did to the account's access through this connection. */
export interface GroupSyncOutcome {
  granted: string[];
  ended: string[];
  requested: string[];
}

const REQUEST_SOURCE = 'sso_group';

/**
 * IdP groups → roles on a connection. At every sign-in the account's roles
 * granted by the connection follow the groups the IdP sent: a mapped group
 * grants its role, a group no longer sent ends it (only grants this
 * connection made; access given by hand is never touched). A privileged role
 * is never granted at sign-in: a pending access request is filed for the
 * approval rules instead.
 */
export function createSsoGroupMappings(deps: { db: Db; runner: CommandRunner; newId: () => string; identity: IdentityService; access: AccessService; requests: Pick<AccessRequestService, 'createPendingInScope' | 'cancelPendingInScope'> }) {
  const { db, runner, newId, identity, access, requests } = deps;

  async function toMapping(reader: Db | CommandScope['trx'], row: SsoGroupRoleMappingRow): Promise<SsoGroupMapping> {
    const role = await reader.selectFrom('roles').select(['key', 'privileged']).where('id', '=', row.role_id).executeTakeFirstOrThrow();
    return { id: row.id, connectionId: row.connection_id, group: row.group_value, roleId: row.role_id, roleKey: role.key, privileged: role.privileged === 1, createdAt: row.created_at };
  }

  return {
    /** Maps an IdP group to a role. Throws `sso.connection_not_found`, `role.not_found`, `sso.group_mapping_exists`. */
    async add(ctx: CommandContext, orgRef: string, connectionId: string, input: { group: string; role: string }): Promise<SsoGroupMapping> {
      const group = String(input.group ?? '').trim();
      if (group === '' || group.length > 512) throw new KeyledgerError('sso.connection_invalid', 'group must be 1–512 characters', { field: 'group' });
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const conn = await requireConnection(trx, org, connectionId);
        const role = await access.requireRoleInScope(trx, org.id, input.role);
        const exists = await trx.selectFrom('sso_group_role_mappings').select('id').where('connection_id', '=', conn.id).where('group_value', '=', group).where('role_id', '=', role.id).executeTakeFirst();
        if (exists) throw new KeyledgerError('sso.group_mapping_exists', `group "${group}" already grants role "${role.key}" through this connection`);
        const row: SsoGroupRoleMappingRow = { id: newId(), connection_id: conn.id, org_id: org.id, group_value: group, role_id: role.id, created_at: now.toISOString() };
        await trx.insertInto('sso_group_role_mappings').values(row).execute();
        record({ action: 'sso.group_mapping.created', org: org.id, targets: [{ type: 'sso_connection', id: conn.id, display: conn.name }, { type: 'role', id: role.id, display: role.key }], data: { connectionId: conn.id, group, roleId: role.id, roleKey: role.key } });
        return toMapping(trx, row);
      });
      return result;
    },

    async list(orgRef: string, connectionId: string): Promise<SsoGroupMapping[]> {
      const org = await identity.requireOrg(orgRef);
      const conn = await requireConnection(db, org, connectionId);
      const rows = await db.selectFrom('sso_group_role_mappings').selectAll().where('connection_id', '=', conn.id).orderBy('group_value').orderBy('id').execute();
      return Promise.all(rows.map((r) => toMapping(db, r)));
    },

    /** Removes a rule; assignments it made stay until the person's next sign-in without the group, or a review. */
    async remove(ctx: CommandContext, orgRef: string, connectionId: string, id: string): Promise<void> {
      await runner.run(ctx, async ({ trx, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const conn = await requireConnection(trx, org, connectionId);
        const row = await trx.selectFrom('sso_group_role_mappings').selectAll().where('connection_id', '=', conn.id).where('id', '=', id).executeTakeFirst();
        if (!row) throw new KeyledgerError('sso.group_mapping_not_found', `no group rule "${id}" on connection "${connectionId}"`);
        await trx.deleteFrom('sso_group_role_mappings').where('id', '=', id).execute();
        record({ action: 'sso.group_mapping.deleted', org: org.id, targets: [{ type: 'sso_connection', id: conn.id, display: conn.name }, { type: 'role', id: row.role_id }], data: { connectionId: conn.id, group: row.group_value, roleId: row.role_id } });
      });
    },

    /** Makes the roles this connection granted the user match the groups just asserted, inside the sign-in's command. */
    async syncInScope(scope: CommandScope, conn: SsoConnectionRow, userId: string, groups: string[]): Promise<GroupSyncOutcome> {
      const actor: Actor = { type: 'sso_connection', id: conn.id, display: conn.name };
      const outcome: GroupSyncOutcome = { granted: [], ended: [], requested: [] };
      const asserted = new Set(groups);
      const rules = await scope.trx.selectFrom('sso_group_role_mappings').selectAll().where('connection_id', '=', conn.id).orderBy('group_value').execute();
      const desired = new Map<string, string>();
      for (const r of rules) if (asserted.has(r.group_value) && !desired.has(r.role_id)) desired.set(r.role_id, r.group_value);
      const held = await accessRepo.findActiveAssignments(scope.trx, scope.now.toISOString(), { orgId: conn.org_id, principalType: 'user', principalId: userId });
      for (const a of held) {
        if (a.granted_by_type === 'sso_connection' && a.granted_by_id === conn.id && !desired.has(a.role_id)) {
          await access.endAssignmentInScope(scope, a.id, 'identity provider group no longer asserted');
          outcome.ended.push(a.role_id);
        }
      }
      const pending = await scope.trx.selectFrom('access_requests').select(['id', 'role_id', 'source_ref']).where('org_id', '=', conn.org_id).where('principal_type', '=', 'user').where('principal_id', '=', userId).where('status', '=', 'pending').where('source', '=', REQUEST_SOURCE).execute();
      for (const p of pending) if (p.source_ref === conn.id && !desired.has(p.role_id)) await requests.cancelPendingInScope(scope, p.id, 'identity provider group no longer asserted');
      const heldRoles = new Set(held.map((a) => a.role_id));
      for (const [roleId, group] of desired) {
        if (heldRoles.has(roleId)) continue;
        const role = await scope.trx.selectFrom('roles').select(['privileged']).where('id', '=', roleId).executeTakeFirstOrThrow();
        const reason = `identity provider group ${group}`;
        if (role.privileged === 1) {
          const { created } = await requests.createPendingInScope(scope, { orgId: conn.org_id, roleId, principalType: 'user', principalId: userId, requestedBy: actor, reason, source: REQUEST_SOURCE, sourceRef: conn.id });
          if (created) outcome.requested.push(roleId);
        } else {
          await access.grantInScope(scope, actor, conn.org_id, { role: roleId, principalType: 'user', principalId: userId, reason });
          outcome.granted.push(roleId);
        }
      }
      return outcome;
    },
  };
}

export type SsoGroupMappings = ReturnType<typeof createSsoGroupMappings>;
