import type { CampaignRow, ReviewItemRow } from '../../platform/schema-reviews.ts';

/** Items of a campaign by outcome. */
export interface CampaignCounts {
  items: number;
  kept: number;
  revoked: number;
  undecided: number;
}

/** An access review campaign, as the admin API shows it. */
export interface Campaign {
  id: string;
  orgId: string;
  name: string;
  kind: CampaignRow['kind'];
  status: CampaignRow['status'];
  ownerId: string | null;
  applyMode: CampaignRow['apply_mode'];
  subjectUserId: string | null;
  startsAt: string;
  dueAt: string;
  closedAt: string | null;
  ownerSignedOffAt: string | null;
  overdueAt: string | null;
  createdBy: { type: string; id: string };
  createdAt: string;
  counts: CampaignCounts;
}

/** One role assignment under review: who holds what, who reviews it, and the decision. */
export interface ReviewItem {
  id: string;
  campaignId: string;
  orgId: string;
  assignmentId: string;
  principal: { type: ReviewItemRow['principal_type']; id: string; display: string | null };
  roleId: string;
  roleKey: string;
  privileged: boolean;
  reviewerId: string | null;
  delegatedFrom: string | null;
  decision: ReviewItemRow['decision'];
  comment: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  appliedAt: string | null;
}

/** An item row read with its role key and the principal's display name (email or service account name). */
export type ItemRowWithNames = ReviewItemRow & { role_key: string; principal_email: string | null; principal_name: string | null };

export function toCampaign(row: CampaignRow, counts: CampaignCounts): Campaign {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    kind: row.kind,
    status: row.status,
    ownerId: row.owner_id,
    applyMode: row.apply_mode,
    subjectUserId: row.subject_user_id,
    startsAt: row.starts_at,
    dueAt: row.due_at,
    closedAt: row.closed_at,
    ownerSignedOffAt: row.owner_signed_off_at,
    overdueAt: row.overdue_at,
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    createdAt: row.created_at,
    counts,
  };
}

export function toReviewItem(row: ItemRowWithNames): ReviewItem {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    orgId: row.org_id,
    assignmentId: row.assignment_id,
    principal: { type: row.principal_type, id: row.principal_id, display: row.principal_email ?? row.principal_name },
    roleId: row.role_id,
    roleKey: row.role_key,
    privileged: row.privileged === 1,
    reviewerId: row.reviewer_id,
    delegatedFrom: row.delegated_from,
    decision: row.decision,
    comment: row.comment,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    appliedAt: row.applied_at,
  };
}
