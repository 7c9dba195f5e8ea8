import type { Campaign } from '../../access/reviews/views.ts';
import type { MonitorFinding } from '../../monitor/findings/views.ts';
import type { CriterionId, CriterionSection, Row, Status } from '../model.ts';

/**
 * The compliance summary (the admin console's Overview) computed from what the
 * evidence package is made of: the criterion sections for the window, the
 * findings monitor's counts and the open review campaigns. Pure functions: the
 * shell in summary.ts reads, these shape.
 */

/** How many points the deprovisioning chart carries at most (the newest). */
export const MAX_DEPROVISIONING_POINTS = 200;
/** Open campaigns due within this many days are upcoming. */
export const UPCOMING_REVIEW_DAYS = 30;
/** A completed review at most this many days old covers the quarter. */
export const QUARTERLY_REVIEW_DAYS = 92;

const DAY = 86_400_000;
export const FINDING_SEVERITIES = ['high', 'medium', 'low'] as const satisfies ReadonlyArray<MonitorFinding['severity']>;

export interface CriterionResult {
  id: CriterionId;
  title: string;
  status: Status;
  headline: string;
}

export interface FindingsSummary {
  open: number;
  bySeverity: Record<(typeof FINDING_SEVERITIES)[number], number>;
  byRule: Array<{ rule: string; open: number }>;
}

export interface MfaCoverage {
  members: number;
  withMfa: number;
  withPasskey: number;
  privilegedMembers: number;
  privilegedWithPasskey: number;
}

export interface DeprovisioningPoint {
  userId: string;
  displayName?: string;
  terminatedAt: string;
  removedAt: string | null;
  latencySeconds: number | null;
  withinSla: boolean | null;
}

export interface DeprovisioningSummary {
  slaHours: number;
  leavers: number;
  withinSla: number;
  outsideSla: number;
  open: number;
  points: DeprovisioningPoint[];
}

export interface ReviewDue {
  id: string;
  name: string;
  dueAt: string;
  itemsTotal: number;
  itemsDecided: number;
}

export interface ReviewsSummary {
  overdue: ReviewDue[];
  upcoming: ReviewDue[];
  lastCompletedAt: string | null;
  quarterlyCovered: boolean;
}

export interface ComplianceSummary {
  org: { id: string; slug: string; name: string };
  window: { from: string; to: string };
  generatedAt: string;
  criteria: CriterionResult[];
  findings: FindingsSummary;
  mfa: MfaCoverage;
  deprovisioning: DeprovisioningSummary;
  reviews: ReviewsSummary;
}

/** Each criterion's verdict, as the package's report states it. */
export function toCriterionResults(sections: CriterionSection[]): CriterionResult[] {
  return sections.map((s) => ({ id: s.id, title: s.title, status: s.status, headline: s.headline }));
}

/** The rows of one table of one criterion; a missing one is a programming error (the criteria name their tables). */
function rowsOf(sections: CriterionSection[], criterion: CriterionId, table: string): Row[] {
  const section = sections.find((s) => s.id === criterion);
  const t = section?.tables.find((x) => x.name === table);
  if (!t) throw new RangeError(`the summary reads ${criterion}/${table}, which the evidence criteria did not produce`);
  return t.rows.map((r) => r.row);
}

/**
 * MFA coverage as CC6.6 counts it: members active at any time in the window
 * with the factors they had at its end, and the users holding a privileged
 * role at its end with their passkeys.
 */
export function toMfaCoverage(sections: CriterionSection[]): MfaCoverage {
  const accounts = rowsOf(sections, 'CC6.6', 'mfa-accounts');
  const privileged = rowsOf(sections, 'CC6.6', 'privileged-phishing-resistant');
  return {
    members: accounts.length,
    withMfa: accounts.filter((r) => r.mfa_enabled === true).length,
    withPasskey: accounts.filter((r) => Number(r.passkeys) > 0).length,
    privilegedMembers: privileged.length,
    privilegedWithPasskey: privileged.filter((r) => r.has_passkey === true).length,
  };
}

/**
 * Leavers as CC6.5 lists them: everyone whose termination falls in the
 * window, removed (within or outside the SLA) or not yet removed by its end;
 * the chart's points newest termination first, at most `MAX_DEPROVISIONING_POINTS`.
 */
export function toDeprovisioningSummary(sections: CriterionSection[], slaHours: number): DeprovisioningSummary {
  const rows = rowsOf(sections, 'CC6.5', 'leavers');
  const text = (v: Row[string]) => (typeof v === 'string' && v !== '' ? v : null);
  const points: DeprovisioningPoint[] = [];
  for (const r of rows) {
    const userId = text(r.user_id);
    const terminatedAt = text(r.terminated_at);
    // A termination receipt without a user or a time cannot be charted; it is still counted.
    if (!userId || !terminatedAt) continue;
    const email = text(r.email);
    points.push({
      userId,
      ...(email ? { displayName: email } : {}),
      terminatedAt,
      removedAt: text(r.access_removed_at),
      latencySeconds: typeof r.elapsed_seconds === 'number' ? r.elapsed_seconds : null,
      withinSla: typeof r.within_sla === 'boolean' ? r.within_sla : null,
    });
  }
  points.sort((a, b) => b.terminatedAt.localeCompare(a.terminatedAt) || a.userId.localeCompare(b.userId));
  return {
    slaHours,
    leavers: rows.length,
    withinSla: rows.filter((r) => r.within_sla === true).length,
    outsideSla: rows.filter((r) => r.within_sla === false).length,
    open: rows.filter((r) => r.within_sla === null).length,
    points: points.slice(0, MAX_DEPROVISIONING_POINTS),
  };
}

/** Unresolved findings (open or acknowledged) by severity and by rule, the largest rule first. */
export function toFindingsSummary(counts: Array<{ type: string; severity: MonitorFinding['severity']; count: number }>): FindingsSummary {
  const bySeverity = { high: 0, medium: 0, low: 0 };
  const byRule = new Map<string, number>();
  for (const c of counts) {
    bySeverity[c.severity] += c.count;
    byRule.set(c.type, (byRule.get(c.type) ?? 0) + c.count);
  }
  return {
    open: counts.reduce((n, c) => n + c.count, 0),
    bySeverity,
    byRule: [...byRule].map(([rule, open]) => ({ rule, open })).sort((a, b) => b.open - a.open || a.rule.localeCompare(b.rule)),
  };
}

const toReviewDue = (c: Campaign): ReviewDue => ({ id: c.id, name: c.name, dueAt: c.dueAt, itemsTotal: c.counts.items, itemsDecided: c.counts.kept + c.counts.revoked });
const byDue = (a: Campaign, b: Campaign) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.id.localeCompare(b.id);

/**
 * Review campaigns at `now`: open ones past their due time (overdue) and open
 * ones due within `UPCOMING_REVIEW_DAYS` (upcoming), soonest due first; and
 * whether the last completed periodic review (`lastCompletedAt`) is at most
 * `QUARTERLY_REVIEW_DAYS` old.
 */
export function toReviewsSummary(open: Campaign[], lastCompletedAt: string | null, now: Date): ReviewsSummary {
  const t = now.getTime();
  const pending = open.filter((c) => c.status === 'open').sort(byDue);
  return {
    overdue: pending.filter((c) => Date.parse(c.dueAt) < t).map(toReviewDue),
    upcoming: pending.filter((c) => Date.parse(c.dueAt) >= t && Date.parse(c.dueAt) < t + UPCOMING_REVIEW_DAYS * DAY).map(toReviewDue),
    lastCompletedAt,
    quarterlyCovered: lastCompletedAt !== null && Date.parse(lastCompletedAt) >= t - QUARTERLY_REVIEW_DAYS * DAY,
  };
}
