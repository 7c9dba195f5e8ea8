import type { Selectable } from 'kysely';

/** Access review tables (migration 0020); see `src/access/reviews`. */
export interface ReviewTables {
  access_review_campaigns: AccessReviewCampaignsTable;
  access_review_items: AccessReviewItemsTable;
  access_review_signoffs: AccessReviewSignoffsTable;
  access_review_reminders: AccessReviewRemindersTable;
}

export type CampaignKind = 'scheduled' | 'ad_hoc' | 'mover';
export type CampaignStatus = 'open' | 'closed' | 'cancelled';
export type ApplyMode = 'on_close' | 'on_decision';
export type ReviewDecision = 'keep' | 'revoke';

/** One review campaign of an organization. */
export interface AccessReviewCampaignsTable {
  id: string;
  org_id: string;
  name: string;
  kind: CampaignKind;
  status: CampaignStatus;
  /** The user who signs the campaign off (closing it); null when none could be found (a scheduled or mover campaign). */
  owner_id: string | null;
  /** When a `revoke` decision ends the assignment: at the decision, or when the campaign closes. */
  apply_mode: ApplyMode;
  /** The moved user, for a mover campaign. */
  subject_user_id: string | null;
  /** For scheduled campaigns: which cycle this is (unique per organization), so a cycle opens once. */
  schedule_slot: string | null;
  starts_at: string;
  due_at: string;
  closed_at: string | null;
  owner_signed_off_at: string | null;
  /** When `access.review.campaign_overdue` was recorded (once). */
  overdue_at: string | null;
  created_by_type: string;
  created_by_id: string;
  created_at: string;
}

/** One role assignment under review, as it was when the campaign opened. */
export interface AccessReviewItemsTable {
  id: string;
  campaign_id: string;
  org_id: string;
  assignment_id: string;
  principal_type: 'user' | 'service_account';
  principal_id: string;
  role_id: string;
  privileged: number;
  /** Null when nobody but the principal could review it (left undecided, reported). */
  reviewer_id: string | null;
  delegated_from: string | null;
  decision: ReviewDecision | null;
  comment: string | null;
  decided_by: string | null;
  decided_at: string | null;
  /** When a `revoke` ended the assignment. */
  applied_at: string | null;
}

export interface AccessReviewSignoffsTable {
  campaign_id: string;
  reviewer_id: string;
  signed_at: string;
}

export interface AccessReviewRemindersTable {
  org_id: string;
  reviewer_id: string;
  last_sent_at: string;
}

export type CampaignRow = Selectable<AccessReviewCampaignsTable>;
export type ReviewItemRow = Selectable<AccessReviewItemsTable>;
