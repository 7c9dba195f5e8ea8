import type { Db } from '../platform/database.ts';
import type { Trx } from '../audit/command-runner.ts';
import type { RoleRow } from '../platform/schema.ts';
import { approvalPolicyOf, type ApproverKind } from './role-governance.ts';

type Reader = Db | Trx;

/** A user who may decide a request, and why (one person can be both manager and owner). */
export interface EligibleApprover {
  userId: string;
  via: ApproverKind[];
}

/** What approver eligibility depends on: the organization, the role's policy, who would hold the role and who asked. */
export interface ApprovalSubject {
  orgId: string;
  role: Pick<RoleRow, 'owner_id' | 'approvers' | 'named_approvers' | 'approvals_required' | 'privileged'>;
  principal: { type: 'user' | 'service_account'; id: string };
  requestedBy: { type: string; id: string };
}

/**
 * Whether `userId` is the principal or the requester of a request: neither may
 * decide it (separation of duties), whatever else makes them an approver.
 */
export function isSelfDecision(subject: Pick<ApprovalSubject, 'principal' | 'requestedBy'>, userId: string): boolean {
  return (subject.principal.type === 'user' && subject.principal.id === userId) || (subject.requestedBy.type === 'user' && subject.requestedBy.id === userId);
}

/**
 * The users who may decide a request under the role's ApprovalPolicy, read now:
 * the principal's manager (`users.manager_id`, user principals only), the role
 * owner and the named approvers, as the policy's `approvers` allows. Only
 * active users who are members of the organization count, and never the
 * principal or the requester. Ordered by user id.
 */
export async function findEligibleApprovers(reader: Reader, subject: ApprovalSubject): Promise<EligibleApprover[]> {
  const policy = approvalPolicyOf(subject.role);
  const candidates = new Map<string, Set<ApproverKind>>();
  const add = (userId: string | null | undefined, kind: ApproverKind) => {
    if (!userId) return;
    candidates.set(userId, (candidates.get(userId) ?? new Set()).add(kind));
  };
  if (policy.approvers.includes('manager') && subject.principal.type === 'user') {
    const principal = await reader.selectFrom('users').select('manager_id').where('id', '=', subject.principal.id).executeTakeFirst();
    add(principal?.manager_id, 'manager');
  }
  if (policy.approvers.includes('owner')) add(subject.role.owner_id, 'owner');
  if (policy.approvers.includes('named')) for (const id of policy.namedApprovers) add(id, 'named');
  for (const id of [...candidates.keys()]) if (isSelfDecision(subject, id)) candidates.delete(id);
  if (candidates.size === 0) return [];
  // A suspended, deprovisioned or departed approver cannot approve: their say ended with their access.
  const active = await reader
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select('users.id')
    .where('users.id', 'in', [...candidates.keys()])
    .where('users.status', '=', 'active')
    .where('memberships.org_id', '=', subject.orgId)
    .execute();
  const activeIds = new Set(active.map((u) => u.id));
  return [...candidates.entries()]
    .filter(([id]) => activeIds.has(id))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([userId, via]) => ({ userId, via: [...via] }));
}
