/**
 * A governance finding: a condition an auditor would flag (a grant without
 * approval, a standing privileged assignment, an overdue access review),
 * computed from the current records, citing the ledger events behind it.
 */
export interface AccessFinding {
  /** Stable kind, e.g. `grant_without_approval`, `standing_privileged_assignment`, `review_campaign_overdue`. */
  type: string;
  severity: 'low' | 'medium' | 'high';
  orgId: string;
  /** What the finding is about: an assignment, a campaign, a review item. */
  subject: { type: string; id: string; display?: string };
  /** When the condition started (the grant, the due date passed). */
  since: string;
  /** A sentence a reader understands without the rest of the record. */
  summary: string;
  /** Ids of the ledger events the finding is computed from. */
  eventIds: string[];
}
