/** GET /api/v1/compliance/summary (src/evidence/compliance/schemas.ts, ComplianceSummarySchema). */
export interface ReviewDue {
  id: string;
  name: string;
  dueAt: string;
  itemsTotal: number;
  itemsDecided: number;
}

export interface LatencyPoint {
  userId: string;
  displayName?: string;
  terminatedAt: string;
  removedAt: string | null;
  latencySeconds: number | null;
  withinSla: boolean | null;
}

export interface ComplianceSummary {
  org: { id: string; slug: string; name: string };
  window: { from: string; to: string };
  generatedAt: string;
  criteria: Array<{ id: string; title: string; status: 'pass' | 'attention' | 'info'; headline: string }>;
  findings: { open: number; bySeverity: { high: number; medium: number; low: number }; byRule: Array<{ rule: string; open: number }> };
  mfa: { members: number; withMfa: number; withPasskey: number; privilegedMembers: number; privilegedWithPasskey: number };
  deprovisioning: { slaHours: number; leavers: number; withinSla: number; outsideSla: number; open: number; points: LatencyPoint[] };
  reviews: { overdue: ReviewDue[]; upcoming: ReviewDue[]; lastCompletedAt: string | null; quarterlyCovered: boolean };
}
