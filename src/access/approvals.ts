import type { NotifyInScope } from '../notify/service.ts';
import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { AccessRequestRow } from '../platform/schema-lifecycle.ts';
import type { AccessRequestDecisionRow, AccessRequestKind } from '../platform/schema-approvals.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import { systemContext, type CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import type { AccessService } from './service.ts';
import { findPendingRequest, toAccessRequest, type AccessRequest, type AccessRequestService } from './requests.ts';
import { findEligibleApprovers, isSelfDecision, type ApprovalSubject, type EligibleApprover } from './approvers.ts';
import { approvalPolicyOf } from './role-governance.ts';
import * as repo from './repository.ts';
import type { LedgerQueries } from '../audit/ledger-queries.ts';
import type { AccessFinding } from './findings.ts';
import { listApprovalFindings } from './approval-findings.ts';

/** How long a requested grant may last at most: a year, in minutes. */
export const MAX_REQUEST_DURATION_MINUTES = 525_600;

/** A message to users (approvers to decide, principals and requesters of an outcome); the notifications part delivers it. */
export type { Notification } from '../notify/service.ts';
type Notify = NotifyInScope;

/** Carries out an approved request of a kind other than `grant` (the elevation part registers them), inside the approving command. */
export type Fulfiller = (scope: CommandScope, request: AccessRequest) => Promise<{ assignmentId?: string; eligibilityId?: string }>;

/** What an administrator files on someone's behalf, or a user for themselves. */
export interface RequestInput {
  role: string;
  principalType: 'user' | 'service_account';
  principalId: string;
  reason: string;
  durationMinutes?: number | null;
  /** Default `grant`; other kinds need a registered fulfiller. */
  kind?: AccessRequestKind;
  /** The eligibility an activation request activates. */
  eligibilityId?: string | null;
}

export interface AccessRequestDecision {
  approverId: string;
  decision: 'approve' | 'deny';
  comment: string | null;
  createdAt: string;
}

/** A request with its decisions so far. */
export interface AccessRequestDetail extends AccessRequest {
  decisions: AccessRequestDecision[];
  approvals: number;
}

type Page = { limit: number; cursor?: string };

/** Thrown inside a command that found its row already claimed by another run: rolls the attempt back, silently. */
class ClaimLost extends Error {}

const toDecision = (d: AccessRequestDecisionRow): AccessRequestDecision => ({ approverId: d.approver_id, decision: d.decision, comment: d.comment, createdAt: d.created_at });

function subjectOf(row: AccessRequestRow, role: ApprovalSubject['role']): ApprovalSubject {
  return { orgId: row.org_id, role, principal: { type: row.principal_type, id: row.principal_id }, requestedBy: { type: row.requested_by_type, id: row.requested_by_id } };
}

/** The users told about a request's outcome: the principal (a user) and a requesting user, once each. */
function outcomeRecipients(row: AccessRequestRow): Array<{ userId: string }> {
  const ids = new Set<string>();
  if (row.principal_type === 'user') ids.add(row.principal_id);
  if (row.requested_by_type === 'user') ids.add(row.requested_by_id);
  return [...ids].map((userId) => ({ userId }));
}

/**
 * Access requests decided by approvers before access is granted. A request
 * needs the role's number of distinct approvals from eligible approvers
 * (approvers.ts); one denial decides it; undecided past its deadline it
 * expires. The last approval grants in the same transaction, so the ledger
 * shows `access.request.approved` immediately followed by
 * `access.assignment.granted`, with the same time.
 */
export function createApprovalService(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string; logger: Logger; ledger: LedgerQueries; identity: IdentityService; access: AccessService; requests: AccessRequestService; notify?: Notify }) {
  const { db, runner, clock, newId, logger, identity, access, requests } = deps;
  const notify: Notify = deps.notify ?? (async () => {});
  const fulfillers = new Map<AccessRequestKind, Fulfiller>();

  async function roleOf(reader: Db | CommandScope['trx'], roleId: string) {
    return reader.selectFrom('roles').selectAll().where('id', '=', roleId).executeTakeFirstOrThrow();
  }

  // Every request opened, by any path (API, self-service, SCIM or SSO groups), tells its approvers.
  requests.createdHooks.push(async (scope, request) => {
    const row = await scope.trx.selectFrom('access_requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
    const role = await roleOf(scope.trx, row.role_id);
    const approvers = await findEligibleApprovers(scope.trx, subjectOf(row, role));
    if (approvers.length === 0) return;
    await notify(scope, {
      orgId: row.org_id,
      type: 'access.request.pending',
      recipients: approvers.map((a) => ({ userId: a.userId })),
      subject: `Access request for ${role.key} awaits your decision`,
      text: `A request for the role ${role.key} needs ${row.approvals_required} approval(s) by ${row.expires_at}. Reason: ${row.reason ?? '(none given)'}`,
      data: { requestId: row.id, roleId: role.id, roleKey: role.key, principalType: row.principal_type, principalId: row.principal_id, expiresAt: row.expires_at },
    });
  });

  /**
   * Files a request inside a running command, after refusing one that could
   * never succeed. Throws `role.not_found`, `assignment.principal_invalid`,
   * `assignment.exists` (the role is held), `access_request.duplicate` (one is
   * pending), `access_request.no_approvers` (fewer eligible approvers than the
   * role requires), `access_request.kind_unsupported`, `request.invalid`.
   */
  async function fileInScope(scope: CommandScope, requestedBy: { type: string; id: string }, orgId: string, input: RequestInput, source: string): Promise<AccessRequest> {
    const { trx, now } = scope;
    const kind = input.kind ?? 'grant';
    if (kind !== 'grant' && !fulfillers.has(kind)) throw new KeyledgerError('access_request.kind_unsupported', `no fulfilment is registered for "${kind}" requests`);
    // Only people activate roles just in time; a service account's access is standing or nothing.
    if (kind !== 'grant' && input.principalType !== 'user') throw new KeyledgerError('request.invalid', `a request of kind "${kind}" is for a user, not a ${input.principalType}`);
    const d = input.durationMinutes;
    if (d !== undefined && d !== null && (!Number.isInteger(d) || d < 1 || d > MAX_REQUEST_DURATION_MINUTES)) {
      throw new KeyledgerError('request.invalid', `durationMinutes must be an integer from 1 to ${MAX_REQUEST_DURATION_MINUTES}, or null, got ${JSON.stringify(d)}`);
    }
    const role = await access.requireRoleInScope(trx, orgId, input.role);
    await access.checkPrincipalInScope(scope, orgId, input.principalType, input.principalId);
    if (kind !== 'eligibility') {
      const held = await repo.findActiveAssignments(trx, now.toISOString(), { roleId: role.id, principalType: input.principalType, principalId: input.principalId });
      if (held.length > 0) throw new KeyledgerError('assignment.exists', `the principal already holds role "${role.key}" (assignment ${held[0].id})`);
    }
    const pending = await findPendingRequest(trx, { orgId, roleId: role.id, principalType: input.principalType, principalId: input.principalId, kind });
    if (pending) throw new KeyledgerError('access_request.duplicate', `a ${kind} request for role "${role.key}" is already pending for this principal (request ${pending.id})`, { requestId: pending.id });
    const required = approvalPolicyOf(role).approvalsRequired;
    const approvers = await findEligibleApprovers(trx, { orgId, role, principal: { type: input.principalType, id: input.principalId }, requestedBy });
    // A request nobody can approve would only wait to expire; say so now.
    if (approvers.length < required) {
      throw new KeyledgerError('access_request.no_approvers', `role "${role.key}" needs ${required} approval(s) but only ${approvers.length} eligible approver(s) exist for this request`, { required, eligible: approvers.length });
    }
    const { request } = await requests.createPendingInScope(scope, {
      orgId,
      roleId: role.id,
      principalType: input.principalType,
      principalId: input.principalId,
      requestedBy,
      reason: input.reason,
      source,
      kind,
      durationMinutes: d ?? null,
      eligibilityId: input.eligibilityId ?? null,
    });
    return request;
  }

  async function detailOf(reader: Db | CommandScope['trx'], row: AccessRequestRow): Promise<AccessRequestDetail> {
    const decisions = await reader.selectFrom('access_request_decisions').selectAll().where('request_id', '=', row.id).orderBy('created_at').orderBy('id').execute();
    return { ...toAccessRequest(row), decisions: decisions.map(toDecision), approvals: decisions.filter((x) => x.decision === 'approve').length };
  }

  /** Grants (or has the registered fulfiller carry out) an approved request, recording what it created on the request. */
  async function fulfil(scope: CommandScope, row: AccessRequestRow, approverId: string): Promise<AccessRequestRow> {
    let result: { assignmentId?: string; eligibilityId?: string };
    if (row.kind === 'grant') {
      const expiresAt = row.duration_minutes ? new Date(scope.now.getTime() + row.duration_minutes * 60_000).toISOString() : null;
      const assignment = await access.grantInScope(scope, { type: 'user', id: approverId }, row.org_id, { role: row.role_id, principalType: row.principal_type, principalId: row.principal_id, reason: row.reason, requestId: row.id, expiresAt });
      result = { assignmentId: assignment.id };
    } else {
      const fulfiller = fulfillers.get(row.kind);
      if (!fulfiller) throw new KeyledgerError('access_request.kind_unsupported', `no fulfilment is registered for "${row.kind}" requests`);
      result = await fulfiller(scope, toAccessRequest({ ...row, status: 'approved' }));
    }
    const changes = { assignment_id: result.assignmentId ?? row.assignment_id, eligibility_id: result.eligibilityId ?? row.eligibility_id };
    await scope.trx.updateTable('access_requests').set(changes).where('id', '=', row.id).execute();
    return { ...row, ...changes };
  }

  /**
   * One approver's decision, in one command. Checks, in order: the request
   * exists (`access_request.not_found`); the approver is neither principal nor
   * requester (`access_request.self_approval`); is eligible now
   * (`access_request.not_approver`); the request is pending and before its
   * deadline (`access_request.not_pending`); this approver has not decided it
   * (`access_request.already_decided`).
   */
  async function decide(ctx: CommandContext, approverId: string, requestId: string, decision: 'approve' | 'deny', comment: string | null): Promise<AccessRequestDetail> {
    const { result } = await runner.run(ctx, async (scope) => {
      const { trx, now, record } = scope;
      let row = await trx.selectFrom('access_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
      if (!row) throw new KeyledgerError('access_request.not_found', `no access request "${requestId}"`);
      const role = await roleOf(trx, row.role_id);
      const subject = subjectOf(row, role);
      if (isSelfDecision(subject, approverId)) throw new KeyledgerError('access_request.self_approval', 'the principal or the requester of an access request cannot decide it');
      const approvers: EligibleApprover[] = await findEligibleApprovers(trx, subject);
      if (!approvers.some((a) => a.userId === approverId)) throw new KeyledgerError('access_request.not_approver', `you are not an eligible approver of access request "${requestId}"`);
      // Claims the row: on PostgreSQL a concurrent decision waits here until this one commits, so the approval count below is complete.
      const claimed = await trx.updateTable('access_requests').set({ status: 'pending' }).where('id', '=', row.id).where('status', '=', 'pending').executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new KeyledgerError('access_request.not_pending', `access request "${requestId}" is ${row.status}, not pending`);
      if (row.expires_at !== null && row.expires_at <= now.toISOString()) throw new KeyledgerError('access_request.not_pending', `access request "${requestId}" passed its decision deadline ${row.expires_at}`);
      const mine = await trx.selectFrom('access_request_decisions').select('decision').where('request_id', '=', row.id).where('approver_id', '=', approverId).executeTakeFirst();
      if (mine) throw new KeyledgerError('access_request.already_decided', `you already decided access request "${requestId}" (${mine.decision})`);
      await trx.insertInto('access_request_decisions').values({ id: newId(), request_id: row.id, approver_id: approverId, decision, comment, created_at: now.toISOString() }).execute();
      const targets = [{ type: row.principal_type, id: row.principal_id }, { type: 'access_request', id: row.id }, { type: 'role', id: role.id, display: role.key }];
      const facts = { requestId: row.id, roleId: role.id, principalType: row.principal_type, principalId: row.principal_id };
      const time = now.toISOString();
      if (decision === 'deny') {
        await trx.updateTable('access_requests').set({ status: 'denied', decided_at: time, decision_reason: comment }).where('id', '=', row.id).execute();
        record({ action: 'access.request.denied', org: row.org_id, targets, data: { ...facts, approverId, comment } });
        row = { ...row, status: 'denied', decided_at: time, decision_reason: comment };
        await notify(scope, { orgId: row.org_id, type: 'access.request.denied', recipients: outcomeRecipients(row), subject: `Access request for ${role.key} denied`, text: `The request for the role ${role.key} was denied: ${comment}`, data: { ...facts, approverId } });
        return detailOf(trx, row);
      }
      const approvals = await trx.selectFrom('access_request_decisions').selectAll().where('request_id', '=', row.id).where('decision', '=', 'approve').orderBy('created_at').orderBy('id').execute();
      record({ action: 'access.request.approval_recorded', org: row.org_id, targets, data: { ...facts, approverId, comment, approvals: approvals.length, approvalsRequired: row.approvals_required } });
      if (approvals.length < row.approvals_required) return detailOf(trx, row);
      await trx.updateTable('access_requests').set({ status: 'approved', decided_at: time, decision_reason: 'approved' }).where('id', '=', row.id).execute();
      record({
        action: 'access.request.approved',
        org: row.org_id,
        targets,
        data: { ...facts, roleKey: role.key, kind: row.kind, approvals: approvals.map((a) => ({ approverId: a.approver_id, at: a.created_at, comment: a.comment })), approvalsRequired: row.approvals_required },
      });
      row = await fulfil(scope, { ...row, status: 'approved', decided_at: time, decision_reason: 'approved' }, approverId);
      await notify(scope, { orgId: row.org_id, type: 'access.request.approved', recipients: outcomeRecipients(row), subject: `Access request for ${role.key} approved`, text: `The request for the role ${role.key} was approved and carried out.`, data: { ...facts, assignmentId: row.assignment_id, eligibilityId: row.eligibility_id } });
      return detailOf(trx, row);
    });
    return result;
  }

  return {
    /** Registers how approved requests of `kind` (eligibility, activation) are carried out; the elevation part calls it at start. */
    registerFulfiller(kind: Exclude<AccessRequestKind, 'grant'>, fn: Fulfiller): void {
      fulfillers.set(kind, fn);
    },

    fileInScope,

    /** Active assignments no approval authorized (`grant_without_approval`), citing their grant events; see approval-findings.ts. */
    listApprovalFindings: (orgId: string): Promise<AccessFinding[]> => listApprovalFindings({ db, clock, ledger: deps.ledger }, orgId),

    /** An administrator files a request on someone's behalf (`POST /organizations/{org}/access-requests`); see fileInScope for the refusals. */
    async fileRequest(ctx: CommandContext, orgRef: string, input: RequestInput): Promise<AccessRequestDetail> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => detailOf(scope.trx, await rowOf(scope, await fileInScope(scope, ctx.actor, org.id, input, 'api'))));
      return result;
    },

    /**
     * A signed-in user asks for a role for themselves. An organization the user
     * is not a member of reads as unknown (`organization.not_found`), so the
     * self-service API does not reveal which organizations exist.
     */
    async fileOwnRequest(ctx: CommandContext, userId: string, input: { org: string; role: string; reason: string; durationMinutes?: number | null }): Promise<AccessRequestDetail> {
      const org = await identity.requireOrg(input.org).catch((err: unknown) => {
        if (err instanceof KeyledgerError && err.code === 'organization.not_found') return null;
        throw err;
      });
      if (!org || !(await identity.isMember(org.id, userId))) throw new KeyledgerError('organization.not_found', `no organization "${input.org}" of yours`);
      const { result } = await runner.run(ctx, async (scope) => {
        const request = await fileInScope(scope, { type: 'user', id: userId }, org.id, { role: input.role, principalType: 'user', principalId: userId, reason: input.reason, durationMinutes: input.durationMinutes }, 'self_service');
        return detailOf(scope.trx, await rowOf(scope, request));
      });
      return result;
    },

    /** One request of the organization with its decisions. Throws `organization.not_found`, `access_request.not_found`. */
    async getRequest(orgRef: string, id: string): Promise<AccessRequestDetail> {
      const org = await identity.requireOrg(orgRef);
      const row = await db.selectFrom('access_requests').selectAll().where('org_id', '=', org.id).where('id', '=', id).executeTakeFirst();
      if (!row) throw new KeyledgerError('access_request.not_found', `no access request "${id}" in "${org.slug}"`);
      return detailOf(db, row);
    },

    /** Withdraws a pending request of the organization, recording `access.request.cancelled`. Throws `access_request.not_found`, `access_request.not_pending`. */
    async cancelRequest(ctx: CommandContext, orgRef: string, id: string, reason: string | null): Promise<AccessRequestDetail> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        const row = await scope.trx.selectFrom('access_requests').select('id').where('org_id', '=', org.id).where('id', '=', id).executeTakeFirst();
        if (!row) throw new KeyledgerError('access_request.not_found', `no access request "${id}" in "${org.slug}"`);
        const cancelled = await requests.cancelPendingInScope(scope, id, reason ?? 'cancelled by an administrator');
        return detailOf(scope.trx, await rowOf(scope, cancelled));
      });
      return result;
    },

    /** The requests a user asked for or would be granted by, newest first. */
    async listOwnRequests(userId: string, p: Page): Promise<{ items: AccessRequestDetail[]; nextCursor: string | null }> {
      let q = db
        .selectFrom('access_requests')
        .selectAll()
        .where((eb) => eb.or([eb.and([eb('principal_type', '=', 'user'), eb('principal_id', '=', userId)]), eb.and([eb('requested_by_type', '=', 'user'), eb('requested_by_id', '=', userId)])]));
      if (p.cursor) q = q.where('id', '<', decodeCursor(p.cursor, 'access_request'));
      const rows = await q.orderBy('id', 'desc').limit(p.limit + 1).execute();
      const items = await Promise.all(rows.slice(0, p.limit).map((r) => detailOf(db, r)));
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('access_request', items[items.length - 1].id) : null };
    },

    /** Pending requests, before their deadline, that `userId` may decide and has not yet decided, oldest first (at most 200). */
    async listPendingApprovals(userId: string): Promise<{ items: AccessRequestDetail[] }> {
      const now = clock.now().toISOString();
      const rows = await db
        .selectFrom('access_requests')
        .selectAll('access_requests')
        .innerJoin('memberships', 'memberships.org_id', 'access_requests.org_id')
        .where('memberships.user_id', '=', userId)
        .where('access_requests.status', '=', 'pending')
        .where((eb) => eb.or([eb('access_requests.expires_at', 'is', null), eb('access_requests.expires_at', '>', now)]))
        .where('access_requests.id', 'not in', (eb) => eb.selectFrom('access_request_decisions').select('request_id').where('approver_id', '=', userId))
        .orderBy('access_requests.id')
        .limit(1000)
        .execute();
      const items: AccessRequestDetail[] = [];
      for (const row of rows) {
        const approvers = await findEligibleApprovers(db, subjectOf(row, await roleOf(db, row.role_id)));
        if (approvers.some((a) => a.userId === userId)) items.push(await detailOf(db, row));
        if (items.length === 200) break;
      }
      return { items };
    },

    /** The signed-in approver approves; the last required approval grants in the same command. See `decide` for the refusals. */
    approve: (ctx: CommandContext, approverId: string, requestId: string, comment: string | null) => decide(ctx, approverId, requestId, 'approve', comment),

    /** The signed-in approver denies (a comment is required); one denial decides the request. */
    deny: (ctx: CommandContext, approverId: string, requestId: string, comment: string) => decide(ctx, approverId, requestId, 'deny', comment),

    /**
     * Marks every undecided request past its deadline `expired`, recording
     * `access.request.expired` and telling principal and requester. Each row is
     * claimed by a conditional UPDATE inside its command, so two runs at once
     * expire it once. Returns how many this call expired.
     */
    async expireDue(): Promise<number> {
      const ctx = systemContext('access-request-expiry', 'Access request expiry');
      const due = await db.selectFrom('access_requests').selectAll().where('status', '=', 'pending').where('expires_at', '<=', clock.now().toISOString()).orderBy('expires_at').limit(500).execute();
      let expired = 0;
      for (const row of due) {
        try {
          await runner.run(ctx, async (scope) => {
            const time = scope.now.toISOString();
            const claimed = await scope.trx.updateTable('access_requests').set({ status: 'expired', decided_at: time, decision_reason: 'decision deadline passed' }).where('id', '=', row.id).where('status', '=', 'pending').where('expires_at', '<=', time).executeTakeFirst();
            if (Number(claimed.numUpdatedRows) !== 1) throw new ClaimLost();
            const approvals = await scope.trx.selectFrom('access_request_decisions').select('id').where('request_id', '=', row.id).where('decision', '=', 'approve').execute();
            const facts = { requestId: row.id, roleId: row.role_id, principalType: row.principal_type, principalId: row.principal_id };
            scope.record({ action: 'access.request.expired', org: row.org_id, targets: [{ type: row.principal_type, id: row.principal_id }, { type: 'access_request', id: row.id }, { type: 'role', id: row.role_id }], data: { ...facts, expiresAt: row.expires_at, approvals: approvals.length } });
            await notify(scope, { orgId: row.org_id, type: 'access.request.expired', recipients: outcomeRecipients(row), subject: 'Access request expired', text: `The access request ${row.id} was not decided by ${row.expires_at} and expired.`, data: facts });
          });
          expired++;
        } catch (err) {
          if (err instanceof ClaimLost) continue;
          logger.error({ err, requestId: row.id }, 'expiring an access request failed; it stays pending and is retried on the next run');
        }
      }
      return expired;
    },
  };

  async function rowOf(scope: CommandScope, request: AccessRequest): Promise<AccessRequestRow> {
    return scope.trx.selectFrom('access_requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
  }
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
