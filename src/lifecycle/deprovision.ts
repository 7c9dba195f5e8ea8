import { KeyledgerError } from '../platform/errors.ts';
import type { CommandScope } from '../audit/command-runner.ts';
import type { IdentityService, StatusChangeDetail } from '../identity/service.ts';
import type { AccessService } from '../access/service.ts';
import type { AccessRequestService } from '../access/requests.ts';
import type { LeaverRow } from '../platform/schema-lifecycle.ts';
import type { UserRow } from '../platform/schema.ts';
import * as repo from './repository.ts';
import { DEFAULT_DEPROVISIONING_SLA_HOURS, judgeRemoval, readDeprovisioningSla, slaDeadline } from './sla.ts';
import { toRemovalResult, type LifecycleSource, type RemovalResult } from './views.ts';

export interface DeprovisionInput {
  orgId: string;
  userId: string;
  source: LifecycleSource;
  /** The source's own reference (HR event id, SCIM request id), or null. */
  sourceRef: string | null;
  /** When the person left according to the HR system or IdP (RFC 3339); null: now, the request's arrival. */
  terminatedAt: string | null;
  reason?: string;
}

export interface ReactivateInput {
  orgId: string;
  userId: string;
  source: LifecycleSource;
  reason: string;
}

export interface DeprovisioningDeps {
  newId: () => string;
  identity: IdentityService;
  access: AccessService;
  accessRequests: AccessRequestService;
}

const REASON = 'user deprovisioned';

/**
 * Deprovisioning and reactivation. The leaver record is written in ONE place,
 * the deactivation hook for status `deprovisioned` (`onUserDeactivated`), so
 * that every way of deprovisioning (this module's commands, an
 * administrator's PATCH of the user's status, another capability calling
 * identity) ends role assignments, cancels requests and leaves exactly one
 * leaver record; `deprovisionInScope` passes its facts (source, termination
 * time, organization) to the hook through the status change's detail.
 */
export function createDeprovisioning(deps: DeprovisioningDeps) {
  const { newId, identity, access, accessRequests } = deps;

  async function requireMember(scope: CommandScope, orgId: string, userId: string): Promise<{ id: string; slug: string }> {
    const org = await identity.requireOrg(orgId, scope.trx);
    await identity.requireUser(userId, scope.trx);
    if (!(await identity.isMember(org.id, userId, scope.trx))) throw new KeyledgerError('membership.not_found', `user "${userId}" is not a member of "${org.slug}"`);
    return org;
  }

  /** The SLA an organization sets; a stored value saved before bounds were checked falls back to the default rather than failing a removal. */
  async function slaHoursOf(scope: CommandScope, orgId: string | null): Promise<number> {
    if (!orgId) return DEFAULT_DEPROVISIONING_SLA_HOURS;
    try {
      return readDeprovisioningSla((await identity.requireOrg(orgId, scope.trx)).settings);
    } catch {
      return DEFAULT_DEPROVISIONING_SLA_HOURS;
    }
  }

  /** Without a given organization, a removal counts against the user's only organization, else against none (listed in each of theirs). */
  async function organizationOf(scope: CommandScope, userId: string, detail: StatusChangeDetail): Promise<string | null> {
    if (detail.orgId !== undefined) return detail.orgId;
    const orgIds = await identity.listOrganizationIdsOf(userId, scope.trx);
    return orgIds.length === 1 ? orgIds[0] : null;
  }

  /**
   * Deactivation hook (runs in the status change's transaction, after the sessions, OIDC and
   * service-account hooks): for `deprovisioned`, ends every active role assignment of the user in
   * every organization, cancels their pending access requests, writes the leaver record and
   * records `lifecycle.user.deprovisioned` (and `lifecycle.sla.breached` when removal was late).
   */
  async function onUserDeactivated(scope: CommandScope, userId: string, status: Exclude<UserRow['status'], 'active'>, reason: string | null, detail: StatusChangeDetail): Promise<void> {
    if (status !== 'deprovisioned') return;
    const user = await identity.requireUser(userId, scope.trx);
    const orgId = await organizationOf(scope, userId, detail);
    const slaHours = await slaHoursOf(scope, orgId);
    const accessRemovedAt = scope.now.toISOString();
    const terminatedAt = detail.terminatedAt ? new Date(detail.terminatedAt).toISOString() : accessRemovedAt;
    const verdict = judgeRemoval(terminatedAt, accessRemovedAt, slaHours);
    const endedAssignments = await access.endAllAssignmentsOf(scope, 'user', userId, REASON);
    const cancelledRequests = (await accessRequests.cancelPendingForPrincipalInScope(scope, 'user', userId, REASON)).map((r) => r.id);
    const row: LeaverRow = {
      id: newId(),
      org_id: orgId,
      user_id: userId,
      email: user.email,
      employee_number: user.employeeNumber,
      source: detail.source ?? 'admin',
      source_ref: detail.sourceRef ?? null,
      reason,
      terminated_at: terminatedAt,
      access_removed_at: accessRemovedAt,
      elapsed_seconds: verdict.elapsedSeconds,
      sla_hours: slaHours,
      within_sla: verdict.withinSla ? 1 : 0,
      reactivated_at: null,
      created_at: accessRemovedAt,
    };
    await scope.trx.insertInto('leavers').values(row).execute();
    const targets = [{ type: 'user', id: userId, display: user.email }, { type: 'leaver', id: row.id }];
    const facts = { leaverId: row.id, userId, terminatedAt, accessRemovedAt, elapsedSeconds: verdict.elapsedSeconds, slaHours };
    scope.record({
      action: 'lifecycle.user.deprovisioned',
      org: orgId,
      targets,
      data: { ...facts, source: row.source, sourceRef: row.source_ref, reason, withinSla: verdict.withinSla, endedAssignments, cancelledRequests },
    });
    if (!verdict.withinSla) {
      const deadline = slaDeadline(terminatedAt, slaHours);
      scope.record({ action: 'lifecycle.sla.breached', org: orgId, targets, data: { ...facts, deadline, overdueSeconds: verdict.elapsedSeconds - slaHours * 3600 } });
    }
  }

  return {
    onUserDeactivated,

    /**
     * Deprovisions a member of `orgId` inside the caller's transaction: status `deprovisioned`
     * (sessions, refresh and access tokens, OIDC grants revoked; owned service accounts flagged),
     * every role assignment in every organization ended, pending access requests cancelled, one
     * leaver record with the SLA verdict of the organization. A user deprovisioned already is left
     * alone: nothing is recorded and the earlier removal's numbers come back
     * (`alreadyDeprovisioned: true`), so the CALLER's command must record its own event.
     * Throws `organization.not_found`, `user.not_found`, `membership.not_found`,
     * `lifecycle.terminated_at_invalid` (a termination time in the future: schedule it instead).
     */
    async deprovisionInScope(scope: CommandScope, input: DeprovisionInput): Promise<RemovalResult> {
      const org = await requireMember(scope, input.orgId, input.userId);
      const user = await identity.lockUserInScope(scope, input.userId);
      if (user.status === 'deprovisioned') {
        const earlier = await repo.findLatestLeaverOfUser(scope.trx, user.id);
        if (earlier) return toRemovalResult(earlier, true);
        const slaHours = await slaHoursOf(scope, org.id);
        return { leaverId: null, terminatedAt: user.updatedAt, accessRemovedAt: user.updatedAt, elapsedSeconds: 0, slaHours, withinSla: true, alreadyDeprovisioned: true };
      }
      if (input.terminatedAt !== null) {
        const at = Date.parse(input.terminatedAt);
        if (Number.isNaN(at) || at > scope.now.getTime()) {
          throw new KeyledgerError('lifecycle.terminated_at_invalid', `terminatedAt ${JSON.stringify(input.terminatedAt)} is not a time at or before ${scope.now.toISOString()}`);
        }
      }
      await identity.setUserStatusInScope(scope, user.id, 'deprovisioned', input.reason ?? null, { orgId: org.id, source: input.source, sourceRef: input.sourceRef, terminatedAt: input.terminatedAt });
      const leaver = await repo.findLatestLeaverOfUser(scope.trx, user.id);
      if (!leaver) throw new KeyledgerError('internal', 'deprovisioning wrote no leaver record');
      return toRemovalResult(leaver, false);
    },

    /**
     * Makes a deprovisioned member of `orgId` active again inside the caller's transaction,
     * recording `identity.user.status_changed` and `lifecycle.user.reactivated`, and marks their
     * latest leaver record reactivated. Role assignments are NOT restored: birthright access comes
     * back through the caller's group mappings, anything else through new grants.
     * Throws `organization.not_found`, `user.not_found`, `membership.not_found`, `lifecycle.not_deprovisioned`.
     */
    async reactivateInScope(scope: CommandScope, input: ReactivateInput): Promise<{ userId: string; leaverId: string | null }> {
      const org = await requireMember(scope, input.orgId, input.userId);
      const user = await identity.lockUserInScope(scope, input.userId);
      if (user.status !== 'deprovisioned') throw new KeyledgerError('lifecycle.not_deprovisioned', `user "${user.id}" is ${user.status}, not deprovisioned`);
      await identity.setUserStatusInScope(scope, user.id, 'active', input.reason);
      const leaver = await repo.findLatestLeaverOfUser(scope.trx, user.id);
      if (leaver) await scope.trx.updateTable('leavers').set({ reactivated_at: scope.now.toISOString() }).where('id', '=', leaver.id).execute();
      scope.record({
        action: 'lifecycle.user.reactivated',
        org: org.id,
        targets: [{ type: 'user', id: user.id, display: user.email }, ...(leaver ? [{ type: 'leaver', id: leaver.id }] : [])],
        data: { userId: user.id, source: input.source, reason: input.reason, leaverId: leaver?.id ?? null },
      });
      return { userId: user.id, leaverId: leaver?.id ?? null };
    },
  };
}

export type Deprovisioning = ReturnType<typeof createDeprovisioning>;
