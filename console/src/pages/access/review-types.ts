/** An access review campaign as /api/v1 gives it. */
export interface Campaign {
  id: string;
  orgId: string;
  name: string;
  kind: 'scheduled' | 'ad_hoc' | 'mover';
  status: 'open' | 'closed' | 'cancelled';
  ownerId: string | null;
  applyMode: 'on_close' | 'on_decision';
  startsAt: string;
  dueAt: string;
  closedAt: string | null;
  ownerSignedOffAt: string | null;
  overdueAt: string | null;
  createdBy: { type: string; id: string };
  createdAt: string;
  counts: { items: number; kept: number; revoked: number; undecided: number };
}

/** One assignment to review. */
export interface ReviewItem {
  id: string;
  campaignId: string;
  orgId: string;
  assignmentId: string;
  principal: { type: 'user' | 'service_account'; id: string; display: string | null };
  roleId: string;
  roleKey: string;
  privileged: boolean;
  reviewerId: string | null;
  decision: 'keep' | 'revoke' | null;
  comment: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  appliedAt: string | null;
  campaign?: { id: string; name: string; kind: string; dueAt: string };
}

export const decidedOf = (c: Campaign['counts']) => c.items - c.undecided;
