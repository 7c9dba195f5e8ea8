import type { Clock } from '../../platform/clock.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import type { IdentityService } from '../../identity/service.ts';
import type { AccessService } from '../../access/service.ts';
import type { Role } from '../../access/views.ts';
import type { AccessReviewService } from '../../access/reviews/service.ts';
import type { AuthnService } from '../../authn/service.ts';
import type { SessionService } from '../../sessions/service.ts';
import type { SsoService } from '../../sso/service.ts';
import type { LedgerQueries } from '../../audit/ledger-queries.ts';
import type { LifecycleService } from '../../lifecycle/service.ts';
import type { FindingsMonitor } from '../../monitor/findings/service.ts';
import type { MonitorFinding } from '../../monitor/findings/views.ts';
import {
  toComplianceAccessReview,
  toComplianceAssignment,
  toComplianceDeprovisioning,
  toComplianceUser,
  type ComplianceAccessReview,
  type ComplianceDataset,
  type ComplianceDeprovisioning,
  type ComplianceRoleAssignment,
  type ComplianceUser,
} from './views.ts';

export interface Page {
  limit: number;
  cursor?: string;
}

export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}

/** How far back the findings list reaches for findings resolved or closed, when `since` is not given. */
export const RECENTLY_CLOSED_DAYS = 90;

export interface ComplianceDeps {
  clock: Clock;
  identity: Pick<IdentityService, 'requireOrg' | 'listUsers'>;
  access: Pick<AccessService, 'listRoles' | 'listAssignments' | 'heldRolesInOrg'>;
  accessReviews: Pick<AccessReviewService, 'listCampaigns'>;
  authn: Pick<AuthnService, 'listEnrolledFactors'>;
  sessions: Pick<SessionService, 'lastSignInTimes'>;
  sso: Pick<SsoService, 'listLinkedUserIds'>;
  ledger: Pick<LedgerQueries, 'latestEventTimeByTarget'>;
  lifecycle: Pick<LifecycleService, 'listLeavers'>;
  findings: Pick<FindingsMonitor, 'listFindings'>;
}

/** Options of the lists that take more than an organization and a page. */
export interface DatasetOptions {
  /** role-assignments: only active (true) or only ended/expired (false) assignments. */
  active?: boolean;
  /** deprovisioning: terminations at or after / before these times (RFC 3339). */
  from?: string;
  to?: string;
  /** findings: resolved or closed findings changed at or after this time (default: 90 days ago); open ones always. */
  since?: string;
}

/**
 * The read-only compliance API for GRC platforms: each list is computed at request time
 * through the capabilities' own services, one page at a time. Nothing is recorded in the
 * ledger for a read.
 */
export function createComplianceService(deps: ComplianceDeps) {
  const { clock, identity, access } = deps;

  /** Every role of the organization by id (roles are few: one walk of their pages). */
  async function rolesById(orgRef: string): Promise<Map<string, Role>> {
    const out = new Map<string, Role>();
    let cursor: string | undefined;
    do {
      const page = await access.listRoles(orgRef, { limit: 200, cursor });
      for (const r of page.items) out.set(r.id, r);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  /** Refuses a window that ends before it starts (`compliance.window_invalid`). */
  function checkWindow(from?: string, to?: string): void {
    if (from && to && Date.parse(from) >= Date.parse(to)) throw new KeyledgerError('compliance.window_invalid', `from ${from} must be before to ${to}`);
  }

  const service = {
    /** One page of the organization's members as user accounts. Throws `organization.not_found`, `pagination.invalid_cursor`. */
    async listUsers(orgRef: string, p: Page): Promise<Paged<ComplianceUser>> {
      const org = await identity.requireOrg(orgRef);
      const page = await identity.listUsers({ orgRef: org.id }, p);
      const ids = page.items.map((u) => u.id);
      if (ids.length === 0) return { items: [], nextCursor: page.nextCursor };
      const [roles, held, factors, federated, statusChanges, signIns] = await Promise.all([
        rolesById(org.id),
        access.heldRolesInOrg(org.id, 'user', ids),
        deps.authn.listEnrolledFactors(ids),
        deps.sso.listLinkedUserIds(org.id, ids),
        deps.ledger.latestEventTimeByTarget('user', ids, ['identity.user.status_changed']),
        deps.sessions.lastSignInTimes(ids),
      ]);
      const items = page.items.map((user) =>
        toComplianceUser({
          user,
          held: (held.get(user.id) ?? []).map((h) => ({ ...h, roleName: roles.get(h.roleId)?.name ?? h.roleKey })),
          factors: factors.get(user.id)!,
          federated: federated.has(user.id),
          statusChangedAt: statusChanges.get(user.id) ?? null,
          lastSignInAt: signIns.get(user.id) ?? null,
        }),
      );
      return { items, nextCursor: page.nextCursor };
    },

    /** One page of the organization's role assignments (current and ended), oldest first. Throws `organization.not_found`, `pagination.invalid_cursor`. */
    async listRoleAssignments(orgRef: string, filter: { active?: boolean }, p: Page): Promise<Paged<ComplianceRoleAssignment>> {
      const org = await identity.requireOrg(orgRef);
      const page = await access.listAssignments(org.id, { active: filter.active }, p);
      const roles = page.items.length > 0 ? await rolesById(org.id) : new Map<string, Role>();
      const items = page.items.map((a) => {
        const role = roles.get(a.roleId);
        return toComplianceAssignment(a, role ?? { key: a.roleId, name: a.roleId, privileged: false });
      });
      return { items, nextCursor: page.nextCursor };
    },

    /** One page of the organization's access review campaigns with counts and sign-off times. Throws `organization.not_found`, `pagination.invalid_cursor`. */
    async listAccessReviews(orgRef: string, p: Page): Promise<Paged<ComplianceAccessReview>> {
      const page = await deps.accessReviews.listCampaigns(orgRef, {}, p);
      return { items: page.items.map(toComplianceAccessReview), nextCursor: page.nextCursor };
    },

    /** One page of the leavers terminated in the window, with latency and SLA verdict. Throws `organization.not_found`, `compliance.window_invalid`, `pagination.invalid_cursor`. */
    async listDeprovisioning(orgRef: string, window: { from?: string; to?: string }, p: Page): Promise<Paged<ComplianceDeprovisioning>> {
      checkWindow(window.from, window.to);
      const page = await deps.lifecycle.listLeavers(orgRef, window, p);
      return { items: page.items.map(toComplianceDeprovisioning), nextCursor: page.nextCursor };
    },

    /**
     * One page of the organization's findings, newest first: every open or acknowledged one,
     * and those resolved or closed at or after `since` (default: 90 days ago).
     * Throws `organization.not_found`, `pagination.invalid_cursor`.
     */
    async listFindings(orgRef: string, filter: { since?: string }, p: Page): Promise<Paged<MonitorFinding>> {
      const org = await identity.requireOrg(orgRef);
      const since = filter.since ? new Date(filter.since).toISOString() : new Date(clock.now().getTime() - RECENTLY_CLOSED_DAYS * 86_400_000).toISOString();
      return deps.findings.listFindings({ orgId: org.id, openOrUpdatedSince: since }, p);
    },

    /** One page of a dataset by its name (what `keyledger evidence push` walks). */
    async listDataset(dataset: ComplianceDataset, orgRef: string, options: DatasetOptions, p: Page): Promise<Paged<unknown>> {
      switch (dataset) {
        case 'users':
          return service.listUsers(orgRef, p);
        case 'role-assignments':
          return service.listRoleAssignments(orgRef, { active: options.active }, p);
        case 'access-reviews':
          return service.listAccessReviews(orgRef, p);
        case 'deprovisioning':
          return service.listDeprovisioning(orgRef, { from: options.from, to: options.to }, p);
        case 'findings':
          return service.listFindings(orgRef, { since: options.since }, p);
      }
    },
  };
  return service;
}

export type ComplianceService = ReturnType<typeof createComplianceService>;
