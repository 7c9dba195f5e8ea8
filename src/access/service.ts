import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { RoleAssignmentRow, RoleRow } from '../platform/schema.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import { diffFields } from '../identity/views.ts';
import { MFA_POLICIES } from '../identity/organization-settings.ts';
import * as repo from './repository.ts';
import { toAssignment, toRole, type Role, type RoleAssignment } from './views.ts';
import { governanceColumns, type RoleGovernanceInput } from './role-governance.ts';
import type { LedgerQueries } from '../audit/ledger-queries.ts';
import { exportRoleDefinitions } from './role-definitions-export.ts';
import type { RoleDefinitionsDocument } from './role-definitions.ts';

export interface RoleInput {
  key: string;
  name: string;
  description: string;
  permissions: string[];
  privileged?: boolean;
  /** MFA the role demands of its holders; null or absent: the organization's policy applies. */
  mfaPolicy?: RoleRow['mfa_policy'];
}

export type RoleDefinitionInput = RoleInput & RoleGovernanceInput;

export interface GrantInput {
  role: string;
  principalType: 'user' | 'service_account';
  principalId: string;
  reason?: string | null;
  approvalRef?: string | null;
  expiresAt?: string | null;
  /** The approved access request this grant fulfils (set by the approval service, never by the admin API). */
  requestId?: string | null;
}

type Page = { limit: number; cursor?: string };

/** A role held now, through one active assignment. */
export interface HeldRole {
  orgId: string;
  roleId: string;
  roleKey: string;
  privileged: boolean;
  assignmentId: string;
  expiresAt: string | null;
  permissions: string[];
}

/** Roles (the documented role definitions) and role assignments (who holds what, granted by whom, until when). */
export function createAccessService(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string; identity: IdentityService; ledger: LedgerQueries }) {
  const { db, runner, clock, newId, identity, ledger } = deps;

  async function requireRole(reader: Db | CommandScope['trx'], orgId: string, ref: string): Promise<RoleRow> {
    const role = await repo.findRoleByRef(reader, orgId, ref);
    if (!role) throw new KeyledgerError('role.not_found', `no role "${ref}" in this organization`);
    return role;
  }

  /**
   * Ends the given active assignments now, recording `access.assignment.revoked` for each, and for
   * a just-in-time activation also `access.elevation.ended` (with `elevationReason`: `revoked` by an
   * administrator, `principal_left` when membership or the account ended).
   */
  async function endAssignments(scope: CommandScope, active: RoleAssignmentRow[], reason: string, elevationReason: 'revoked' | 'principal_left' = 'revoked'): Promise<string[]> {
    const now = scope.now.toISOString();
    for (const a of active) {
      await scope.trx.updateTable('role_assignments').set({ ended_at: now, end_reason: reason }).where('id', '=', a.id).execute();
      const role = await scope.trx.selectFrom('roles').select('key').where('id', '=', a.role_id).executeTakeFirstOrThrow();
      const targets = [{ type: a.principal_type, id: a.principal_id }, { type: 'role_assignment', id: a.id }, { type: 'role', id: a.role_id, display: role.key }];
      scope.record({
        action: 'access.assignment.revoked',
        org: a.org_id,
        targets,
        data: { roleId: a.role_id, roleKey: role.key, principalType: a.principal_type, principalId: a.principal_id, reason },
      });
      if (a.kind === 'activation') {
        scope.record({
          action: 'access.elevation.ended',
          org: a.org_id,
          targets: a.eligibility_id ? [...targets, { type: 'role_eligibility', id: a.eligibility_id }] : targets,
          data: { assignmentId: a.id, eligibilityId: a.eligibility_id, roleId: a.role_id, roleKey: role.key, principalId: a.principal_id, reason: elevationReason, detail: reason, endedAt: now, expiredAt: null },
        });
      }
    }
    return active.map((a) => a.id);
  }

  /** Ends every active assignment of a principal in an organization (used when membership ends). */
  async function endAssignmentsOf(scope: CommandScope, orgId: string, principalType: 'user' | 'service_account', principalId: string, reason: string): Promise<string[]> {
    return endAssignments(scope, await repo.findActiveAssignments(scope.trx, scope.now.toISOString(), { orgId, principalType, principalId }), reason, 'principal_left');
  }

  /** Ends every active assignment of a principal in every organization (deprovisioning), each recorded in its organization. */
  async function endAllAssignmentsOf(scope: CommandScope, principalType: 'user' | 'service_account', principalId: string, reason: string): Promise<string[]> {
    return endAssignments(scope, await repo.findActiveAssignments(scope.trx, scope.now.toISOString(), { principalType, principalId }), reason, 'principal_left');
  }

  /** The HTTP schema checks the value; the CLI and other callers come through here too, and the column's check is only the backstop. */
  function checkRoleMfaPolicy(policy: unknown): void {
    if (policy !== undefined && policy !== null && !(MFA_POLICIES as readonly unknown[]).includes(policy)) {
      throw new KeyledgerError('request.invalid', `mfaPolicy must be null or one of ${MFA_POLICIES.join(', ')}, got ${JSON.stringify(policy)}`);
    }
  }

  /**
   * Grants a role inside a running command, recording `access.assignment.granted` with `grantedBy` as
   * the granter. Throws `role.not_found`, `assignment.principal_invalid`, `assignment.expiry_invalid`, `assignment.exists`.
   */
  async function grantInScope(scope: CommandScope, grantedBy: { type: string; id: string }, orgId: string, input: GrantInput): Promise<RoleAssignment> {
    const { trx, now, record } = scope;
    const role = await requireRole(trx, orgId, input.role);
    const display = await checkPrincipal(trx, orgId, input.principalType, input.principalId);
    if (input.expiresAt && Date.parse(input.expiresAt) <= now.getTime()) {
      throw new KeyledgerError('assignment.expiry_invalid', `expiresAt ${input.expiresAt} is not after ${now.toISOString()}`);
    }
    const held = await repo.findActiveAssignments(trx, now.toISOString(), { roleId: role.id, principalId: input.principalId });
    if (held.length > 0) throw new KeyledgerError('assignment.exists', `the principal already holds role "${role.key}" (assignment ${held[0].id})`);
    const row = {
      id: newId(),
      org_id: orgId,
      role_id: role.id,
      principal_type: input.principalType,
      principal_id: input.principalId,
      granted_by_type: grantedBy.type,
      granted_by_id: grantedBy.id,
      approval_ref: input.approvalRef ?? null,
      request_id: input.requestId ?? null,
      reason: input.reason ?? null,
      kind: 'standing' as const,
      eligibility_id: null,
      justification: null,
      expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      created_at: now.toISOString(),
      ended_at: null,
      end_reason: null,
    };
    await trx.insertInto('role_assignments').values(row).execute();
    record({
      action: 'access.assignment.granted',
      org: orgId,
      targets: [{ type: input.principalType, id: input.principalId, display }, { type: 'role_assignment', id: row.id }, { type: 'role', id: role.id, display: role.key }],
      data: { roleId: role.id, roleKey: role.key, privileged: role.privileged === 1, principalType: row.principal_type, principalId: row.principal_id, approvalRef: row.approval_ref, requestId: row.request_id, reason: row.reason, expiresAt: row.expires_at },
    });
    return toAssignment(row, now);
  }

  /** Ends one active assignment inside a running command, recording `access.assignment.revoked`. Throws `assignment.not_found`, `assignment.already_ended`. */
  async function endAssignmentInScope(scope: CommandScope, id: string, reason: string): Promise<RoleAssignment> {
    const row = await scope.trx.selectFrom('role_assignments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new KeyledgerError('assignment.not_found', `no role assignment "${id}"`);
    if (!toAssignment(row, scope.now).active) throw new KeyledgerError('assignment.already_ended', `role assignment "${id}" already ended`);
    await endAssignments(scope, [row], reason);
    return toAssignment({ ...row, ended_at: scope.now.toISOString(), end_reason: reason }, scope.now);
  }

  return {
    endAssignmentsOf,
    endAllAssignmentsOf,

    async createRole(ctx: CommandContext, orgRef: string, input: RoleDefinitionInput): Promise<Role> {
      const org = await identity.requireOrg(orgRef);
      checkRoleMfaPolicy(input.mfaPolicy);
      const governance = governanceColumns(null, input);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        if (await repo.findRoleByRef(trx, org.id, input.key)) throw new KeyledgerError('role.key_taken', `a role with key "${input.key}" already exists in "${org.slug}"`);
        await checkGovernanceUsers(trx, org.id, governance);
        const time = now.toISOString();
        const permissions = [...new Set(input.permissions)].sort();
        const row: RoleRow = { id: newId(), org_id: org.id, key: input.key, name: input.name, description: input.description, permissions: JSON.stringify(permissions), privileged: input.privileged ? 1 : 0, mfa_policy: input.mfaPolicy ?? null, ...governance, created_at: time, updated_at: time };
        await trx.insertInto('roles').values(row).execute();
        const role = toRole(row);
        record({ action: 'access.role.created', org: org.id, targets: [{ type: 'role', id: row.id, display: row.key }], data: definitionData(role) });
        return role;
      });
      return result;
    },

    async updateRole(ctx: CommandContext, orgRef: string, ref: string, patch: Partial<Omit<RoleDefinitionInput, 'key'>>): Promise<Role> {
      const org = await identity.requireOrg(orgRef);
      checkRoleMfaPolicy(patch.mfaPolicy);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const current = await requireRole(trx, org.id, ref);
        const before = toRole(current);
        const governance = governanceColumns(current, patch);
        await checkGovernanceUsers(trx, org.id, governance);
        const row: RoleRow = {
          ...current,
          name: patch.name ?? current.name,
          description: patch.description ?? current.description,
          permissions: patch.permissions ? JSON.stringify([...new Set(patch.permissions)].sort()) : current.permissions,
          privileged: patch.privileged !== undefined ? (patch.privileged ? 1 : 0) : current.privileged,
          mfa_policy: patch.mfaPolicy !== undefined ? patch.mfaPolicy : current.mfa_policy,
          ...governance,
          updated_at: now.toISOString(),
        };
        const { id: _id, org_id: _org, key: _key, created_at: _created, ...changes } = row;
        await trx.updateTable('roles').set(changes).where('id', '=', current.id).execute();
        const after = toRole(row);
        record({ action: 'access.role.updated', org: org.id, targets: [{ type: 'role', id: before.id, display: before.key }], data: diffFields(definitionData(before), definitionData(after)) });
        return after;
      });
      return result;
    },

    async deleteRole(ctx: CommandContext, orgRef: string, ref: string): Promise<void> {
      const org = await identity.requireOrg(orgRef);
      await runner.run(ctx, async ({ trx, now, record }) => {
        const role = await requireRole(trx, org.id, ref);
        const active = await repo.findActiveAssignments(trx, now.toISOString(), { roleId: role.id });
        if (active.length > 0) throw new KeyledgerError('role.in_use', `role "${role.key}" still has ${active.length} active assignment(s)`);
        const any = await trx.selectFrom('role_assignments').select('id').where('role_id', '=', role.id).limit(1).executeTakeFirst();
        // Past assignments keep the role row as history; only a never-used role row is removed.
        if (any) throw new KeyledgerError('role.in_use', `role "${role.key}" has assignment history; it cannot be deleted, only left unassigned`);
        await trx.deleteFrom('roles').where('id', '=', role.id).execute();
        record({ action: 'access.role.deleted', org: org.id, targets: [{ type: 'role', id: role.id, display: role.key }], data: { key: role.key } });
      });
    },

    /** The documented role definitions of an organization, with their change history from the ledger. Throws `organization.not_found`. */
    async roleDefinitions(orgRef: string): Promise<RoleDefinitionsDocument> {
      return exportRoleDefinitions({ db, clock, identity, ledger }, orgRef);
    },

    async getRole(orgRef: string, ref: string): Promise<Role> {
      const org = await identity.requireOrg(orgRef);
      return toRole(await requireRole(db, org.id, ref));
    },

    async listRoles(orgRef: string, p: Page): Promise<{ items: Role[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      let q = db.selectFrom('roles').selectAll().where('org_id', '=', org.id).orderBy('id').limit(p.limit + 1);
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'role'));
      const rows = await q.execute();
      const items = rows.slice(0, p.limit).map(toRole);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('role', items[items.length - 1].id) : null };
    },

    async grant(ctx: CommandContext, orgRef: string, input: GrantInput): Promise<RoleAssignment> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, (scope) => grantInScope(scope, ctx.actor, org.id, input));
      return result;
    },

    grantInScope,

    /** A role of the organization by id or key, read in `reader`. Throws `role.not_found`. */
    requireRoleInScope: requireRole,

    /** The principal's display name if it may hold roles in the organization (an active member or service account of it). Throws `assignment.principal_invalid`. */
    checkPrincipalInScope: (scope: CommandScope, orgId: string, type: 'user' | 'service_account', id: string) => checkPrincipal(scope.trx, orgId, type, id),

    async revoke(ctx: CommandContext, orgRef: string, id: string, reason: string | null): Promise<RoleAssignment> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        const row = await scope.trx.selectFrom('role_assignments').select('id').where('org_id', '=', org.id).where('id', '=', id).executeTakeFirst();
        if (!row) throw new KeyledgerError('assignment.not_found', `no role assignment "${id}" in "${org.slug}"`);
        return endAssignmentInScope(scope, id, reason ?? 'revoked');
      });
      return result;
    },

    endAssignmentInScope,

    /** The roles a principal holds now (assignments not ended or expired), across organizations, read afresh on every call. */
    async heldRoles(principalType: 'user' | 'service_account', principalId: string): Promise<HeldRole[]> {
      const held = await repo.findActiveAssignmentsWithRoles(db, clock.now().toISOString(), { principalType, principalId });
      return held.map((h) => ({ orgId: h.org_id, roleId: h.role_id, roleKey: h.role_key, privileged: h.privileged === 1, assignmentId: h.id, expiresAt: h.expires_at, permissions: JSON.parse(h.permissions) as string[] }));
    },

    /**
     * The roles each of `principalIds` holds now in one organization (assignments not ended or
     * expired), one query for a whole page of principals: the compliance API's user list.
     */
    async heldRolesInOrg(orgId: string, principalType: 'user' | 'service_account', principalIds: readonly string[]): Promise<Map<string, HeldRole[]>> {
      const out = new Map<string, HeldRole[]>();
      if (principalIds.length === 0) return out;
      const now = clock.now().toISOString();
      for (let i = 0; i < principalIds.length; i += 500) {
        const rows = await repo.findActiveAssignmentsWithRolesInOrg(db, now, { orgId, principalType, principalIds: principalIds.slice(i, i + 500) });
        for (const h of rows) {
          const held: HeldRole = { orgId: h.org_id, roleId: h.role_id, roleKey: h.role_key, privileged: h.privileged === 1, assignmentId: h.id, expiresAt: h.expires_at, permissions: JSON.parse(h.permissions) as string[] };
          out.set(h.principal_id, [...(out.get(h.principal_id) ?? []), held]);
        }
      }
      return out;
    },

    async getAssignment(orgRef: string, id: string): Promise<RoleAssignment> {
      const org = await identity.requireOrg(orgRef);
      const row = await db.selectFrom('role_assignments').selectAll().where('org_id', '=', org.id).where('id', '=', id).executeTakeFirst();
      if (!row) throw new KeyledgerError('assignment.not_found', `no role assignment "${id}" in "${org.slug}"`);
      return toAssignment(row, clock.now());
    },

    async listAssignments(orgRef: string, f: { role?: string; principalId?: string; active?: boolean }, p: Page): Promise<{ items: RoleAssignment[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      const now = clock.now();
      const roleId = f.role ? (await requireRole(db, org.id, f.role)).id : undefined;
      const afterId = p.cursor ? decodeCursor(p.cursor, 'assignment') : undefined;
      const rows = await repo.listAssignments(db, { orgId: org.id, roleId, principalId: f.principalId, activeAt: f.active === true ? now.toISOString() : undefined, inactiveAt: f.active === false ? now.toISOString() : undefined, afterId }, p.limit + 1);
      const items = rows.slice(0, p.limit).map((r) => toAssignment(r, now));
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('assignment', items[items.length - 1].id) : null };
    },
  };

  /** The owner and every named approver must be active members of the organization (`role.governance_invalid`). */
  async function checkGovernanceUsers(trx: CommandScope['trx'], orgId: string, g: Pick<RoleRow, 'owner_id' | 'named_approvers'>): Promise<void> {
    const users = [...(g.owner_id ? [g.owner_id] : []), ...(JSON.parse(g.named_approvers) as string[])];
    for (const id of users) {
      const user = await trx.selectFrom('users').select('status').where('id', '=', id).executeTakeFirst();
      if (!user || user.status !== 'active' || !(await identity.isMember(orgId, id, trx))) {
        throw new KeyledgerError('role.governance_invalid', `user "${id}" (role owner or named approver) is not an active member of this organization`);
      }
    }
  }

  /** A principal may hold roles in an organization only while it is an active member or service account of it. */
  async function checkPrincipal(trx: CommandScope['trx'], orgId: string, type: 'user' | 'service_account', id: string): Promise<string> {
    if (type === 'user') {
      const user = await trx.selectFrom('users').select(['email', 'status']).where('id', '=', id).executeTakeFirst();
      if (!user || user.status !== 'active' || !(await identity.isMember(orgId, id, trx))) {
        throw new KeyledgerError('assignment.principal_invalid', `user "${id}" is not an active member of this organization`);
      }
      return user.email;
    }
    const sa = await trx.selectFrom('service_accounts').select(['name', 'status']).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (!sa || sa.status !== 'active') throw new KeyledgerError('assignment.principal_invalid', `service account "${id}" is not an active service account of this organization`);
    return sa.name;
  }
}

export type AccessService = ReturnType<typeof createAccessService>;

/** What `access.role.created` records and `access.role.updated` diffs: the whole documented definition. */
function definitionData(role: Role): Record<string, unknown> {
  return {
    key: role.key,
    name: role.name,
    description: role.description,
    permissions: role.permissions,
    privileged: role.privileged,
    mfaPolicy: role.mfaPolicy,
    ownerId: role.ownerId,
    approvers: role.approval.approvers,
    namedApprovers: role.approval.namedApprovers,
    approvalsRequired: role.approval.approvalsRequiredDefault ? null : role.approval.approvalsRequired,
    maxActivationMinutes: role.elevation.maxActivationMinutes,
    activationRequiresApproval: role.elevation.activationRequiresApproval,
    allowStanding: role.allowStanding,
  };
}
