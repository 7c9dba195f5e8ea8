import type { Db } from '../platform/database.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { AccessRequestRow } from '../platform/schema-lifecycle.ts';
import type { CommandScope } from '../audit/command-runner.ts';
import type { IdentityService } from '../identity/service.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import type { AccessRequestKind } from '../platform/schema-approvals.ts';
import { approvalPolicyOf } from './role-governance.ts';
import { readAccessRequestExpiryDays, requestDeadline } from './request-deadline.ts';

export type AccessRequestStatus = AccessRequestRow['status'];

/** A request for a role, as the admin API shows it. */
export interface AccessRequest {
  id: string;
  orgId: string;
  roleId: string;
  principal: { type: AccessRequestRow['principal_type']; id: string };
  requestedBy: { type: string; id: string };
  reason: string | null;
  source: string;
  sourceRef: string | null;
  kind: AccessRequestKind;
  /** How long the resulting grant lasts, in minutes; null: it does not expire. */
  durationMinutes: number | null;
  approvalsRequired: number;
  /** The decision deadline: undecided by then, the request expires. */
  expiresAt: string | null;
  status: AccessRequestStatus;
  createdAt: string;
  decidedAt: string | null;
  decisionReason: string | null;
  /** The role assignment the approval created. */
  assignmentId: string | null;
  /** The eligibility created (eligibility requests) or to be activated (activation requests). */
  eligibilityId: string | null;
}

export interface PendingRequestInput {
  orgId: string;
  roleId: string;
  principalType: AccessRequestRow['principal_type'];
  principalId: string;
  requestedBy: { type: string; id: string };
  reason?: string | null;
  /** Where the request comes from, e.g. `scim_group` (a directory group mapped to a role) or `api`. */
  source: string;
  sourceRef?: string | null;
  /** Default `grant`. */
  kind?: AccessRequestKind;
  durationMinutes?: number | null;
  /** The eligibility an activation request would activate. */
  eligibilityId?: string | null;
}

/** Called inside the command that opened a request (the approval service notifies the approvers). */
export type RequestCreatedHook = (scope: CommandScope, request: AccessRequest) => Promise<void>;

export function toAccessRequest(row: AccessRequestRow): AccessRequest {
  return {
    id: row.id,
    orgId: row.org_id,
    roleId: row.role_id,
    principal: { type: row.principal_type, id: row.principal_id },
    requestedBy: { type: row.requested_by_type, id: row.requested_by_id },
    reason: row.reason,
    source: row.source,
    sourceRef: row.source_ref,
    kind: row.kind,
    durationMinutes: row.duration_minutes,
    approvalsRequired: row.approvals_required,
    expiresAt: row.expires_at,
    status: row.status,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    assignmentId: row.assignment_id,
    eligibilityId: row.eligibility_id,
  };
}

type Page = { limit: number; cursor?: string };

/** The pending request of a kind for a principal and role, if there is one (at most one is kept pending). */
export function findPendingRequest(
  trx: CommandScope['trx'],
  key: { orgId: string; roleId: string; principalType: AccessRequestRow['principal_type']; principalId: string; kind: AccessRequestRow['kind'] },
): Promise<AccessRequestRow | undefined> {
  return trx
    .selectFrom('access_requests')
    .selectAll()
    .where('org_id', '=', key.orgId)
    .where('role_id', '=', key.roleId)
    .where('principal_type', '=', key.principalType)
    .where('principal_id', '=', key.principalId)
    .where('kind', '=', key.kind)
    .where('status', '=', 'pending')
    .executeTakeFirst();
}

/**
 * The store of access requests. A request is created pending, at most one per
 * principal, role and kind, with the role's approval count and the
 * organization's decision deadline, and cancelled when it is withdrawn or its
 * principal leaves; approvals.ts decides them. Commands run inside the
 * caller's transaction (`…InScope`).
 */
export function createAccessRequestService(deps: { db: Db; newId: () => string; identity: IdentityService }) {
  const { db, newId, identity } = deps;
  const createdHooks: RequestCreatedHook[] = [];

  async function cancelRows(scope: CommandScope, rows: AccessRequestRow[], reason: string): Promise<AccessRequest[]> {
    const time = scope.now.toISOString();
    const cancelled: AccessRequest[] = [];
    for (const row of rows) {
      // Only a still-pending request is cancelled; one decided meanwhile keeps its decision.
      const r = await scope.trx.updateTable('access_requests').set({ status: 'cancelled', decided_at: time, decision_reason: reason }).where('id', '=', row.id).where('status', '=', 'pending').executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) continue;
      scope.record({
        action: 'access.request.cancelled',
        org: row.org_id,
        targets: [{ type: row.principal_type, id: row.principal_id }, { type: 'access_request', id: row.id }, { type: 'role', id: row.role_id }],
        data: { requestId: row.id, roleId: row.role_id, principalType: row.principal_type, principalId: row.principal_id, reason },
      });
      cancelled.push(toAccessRequest({ ...row, status: 'cancelled', decided_at: time, decision_reason: reason }));
    }
    return cancelled;
  }

  return {
    /** Run inside the command of every request opened (approvers are told through them). */
    createdHooks,

    /**
     * Opens a pending request inside a running command, recording `access.request.created`.
     * A pending request for the same principal, role and kind is returned as is (`created: false`,
     * nothing recorded: the caller's command records its own event). The role must be one of
     * the organization's (`role.not_found`).
     */
    async createPendingInScope(scope: CommandScope, input: PendingRequestInput): Promise<{ request: AccessRequest; created: boolean }> {
      const { trx, now, record } = scope;
      const role = await trx.selectFrom('roles').select(['id', 'key', 'approvers', 'named_approvers', 'approvals_required', 'privileged']).where('org_id', '=', input.orgId).where('id', '=', input.roleId).executeTakeFirst();
      if (!role) throw new KeyledgerError('role.not_found', `no role "${input.roleId}" in this organization`);
      const kind = input.kind ?? 'grant';
      const org = await identity.requireOrg(input.orgId, trx);
      const existing = await findPendingRequest(trx, { orgId: input.orgId, roleId: input.roleId, principalType: input.principalType, principalId: input.principalId, kind });
      if (existing) return { request: toAccessRequest(existing), created: false };
      const row: AccessRequestRow = {
        id: newId(),
        org_id: input.orgId,
        role_id: input.roleId,
        principal_type: input.principalType,
        principal_id: input.principalId,
        requested_by_type: input.requestedBy.type,
        requested_by_id: input.requestedBy.id,
        reason: input.reason ?? null,
        source: input.source,
        source_ref: input.sourceRef ?? null,
        kind,
        duration_minutes: input.durationMinutes ?? null,
        approvals_required: approvalPolicyOf(role).approvalsRequired,
        expires_at: requestDeadline(now, readAccessRequestExpiryDays(org.settings)),
        status: 'pending',
        created_at: now.toISOString(),
        decided_at: null,
        decision_reason: null,
        assignment_id: null,
        eligibility_id: input.eligibilityId ?? null,
      };
      await trx.insertInto('access_requests').values(row).execute();
      record({
        action: 'access.request.created',
        org: row.org_id,
        targets: [{ type: row.principal_type, id: row.principal_id }, { type: 'access_request', id: row.id }, { type: 'role', id: role.id, display: role.key }],
        data: { requestId: row.id, roleId: role.id, roleKey: role.key, principalType: row.principal_type, principalId: row.principal_id, requestedBy: input.requestedBy, reason: row.reason, source: row.source, sourceRef: row.source_ref, kind, durationMinutes: row.duration_minutes, eligibilityId: row.eligibility_id, approvalsRequired: row.approvals_required, expiresAt: row.expires_at },
      });
      const request = toAccessRequest(row);
      for (const hook of createdHooks) await hook(scope, request);
      return { request, created: true };
    },

    /** Cancels every pending request of a principal, in every organization (deprovisioning); each is recorded. Returns those cancelled. */
    async cancelPendingForPrincipalInScope(scope: CommandScope, principalType: AccessRequestRow['principal_type'], principalId: string, reason: string): Promise<AccessRequest[]> {
      const rows = await scope.trx.selectFrom('access_requests').selectAll().where('principal_type', '=', principalType).where('principal_id', '=', principalId).where('status', '=', 'pending').orderBy('id').execute();
      return cancelRows(scope, rows, reason);
    },

    /** Cancels one pending request, recording `access.request.cancelled`. Throws `access_request.not_found`, `access_request.not_pending`. */
    async cancelPendingInScope(scope: CommandScope, requestId: string, reason: string): Promise<AccessRequest> {
      const row = await scope.trx.selectFrom('access_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
      if (!row) throw new KeyledgerError('access_request.not_found', `no access request "${requestId}"`);
      if (row.status !== 'pending') throw new KeyledgerError('access_request.not_pending', `access request "${requestId}" is ${row.status}, not pending`);
      const [cancelled] = await cancelRows(scope, [row], reason);
      if (!cancelled) throw new KeyledgerError('access_request.not_pending', `access request "${requestId}" was decided meanwhile`);
      return cancelled;
    },

    /** An organization's requests, optionally of one status, by id. Throws `organization.not_found`. */
    async listRequests(orgRef: string, filter: { status?: AccessRequestStatus }, p: Page): Promise<{ items: AccessRequest[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      let q = db.selectFrom('access_requests').selectAll().where('org_id', '=', org.id);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'access_request'));
      const rows = await q.orderBy('id').limit(p.limit + 1).execute();
      const items = rows.slice(0, p.limit).map(toAccessRequest);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('access_request', items[items.length - 1].id) : null };
    },
  };
}

export type AccessRequestService = ReturnType<typeof createAccessRequestService>;
