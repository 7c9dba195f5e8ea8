import type { Runtime } from '../../runtime.ts';
import type { Campaign } from '../../access/reviews/views.ts';
import type { CampaignKind, CampaignStatus } from '../../platform/schema-reviews.ts';
import { collectCriteria, createEvidenceContext } from '../collect.ts';
import { checkWindow } from '../exports/export-request.ts';
import { toCriterionResults, toDeprovisioningSummary, toFindingsSummary, toMfaCoverage, toReviewsSummary, type ComplianceSummary } from './summary-views.ts';

/** The window the summary covers when none is asked for: this many days ending now. */
export const DEFAULT_SUMMARY_DAYS = 90;
/** Campaign kinds that review an organization's access as a whole (a mover review covers one person). */
const PERIODIC_KINDS: CampaignKind[] = ['scheduled', 'ad_hoc'];

export interface SummaryRequest {
  /** Organization id or slug. */
  org: string;
  /** RFC 3339 time or date; default: `to` minus 90 days. */
  from?: string;
  /** RFC 3339 time or date, not in the future; default: now. */
  to?: string;
}

/**
 * The window asked for, defaults filled in (the last 90 days ending now, or
 * ending at `to`), checked as an export's window is. Throws `evidence.invalid_window`.
 */
export function summaryWindow(request: Pick<SummaryRequest, 'from' | 'to'>, now: Date): { from: string; to: string } {
  const to = request.to ?? now.toISOString();
  // A `to` that does not parse is reported by checkWindow; the default `from` then counts back from now.
  const end = Date.parse(to.length === 10 ? `${to}T00:00:00Z` : to);
  const from = request.from ?? new Date((Number.isFinite(end) ? end : now.getTime()) - DEFAULT_SUMMARY_DAYS * 86_400_000).toISOString();
  return checkWindow(from, to, now);
}

/** Every campaign of an organization matching the filter (one walk of its pages). */
async function allCampaigns(rt: Runtime, orgId: string, filter: { status: CampaignStatus; kind?: CampaignKind }): Promise<Campaign[]> {
  const out: Campaign[] = [];
  let cursor: string | undefined;
  do {
    const page = await rt.accessReviews.listCampaigns(orgId, filter, { limit: 200, cursor });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** The newest close of a periodic (scheduled or ad hoc) review campaign, or null. */
async function lastCompletedReview(rt: Runtime, orgId: string): Promise<string | null> {
  const closed = (await Promise.all(PERIODIC_KINDS.map((kind) => allCampaigns(rt, orgId, { status: 'closed', kind })))).flat();
  const times = closed.map((c) => c.closedAt).filter((t): t is string => t !== null);
  return times.length === 0 ? null : times.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}

/**
 * The compliance summary of an organization (the admin console's Overview):
 * each criterion's verdict, MFA coverage and leavers for the window, computed
 * by the evidence package's own collectors (one pass over the ledger, no proofs,
 * no files); the unresolved findings and the open review campaigns as they
 * stand now. Integrates the ledger first, as an export does. Reads only: nothing
 * is recorded. Throws `evidence.invalid_window`, `organization.not_found`.
 */
export async function summarizeCompliance(rt: Runtime, request: SummaryRequest): Promise<ComplianceSummary> {
  const now = rt.clock.now();
  const window = summaryWindow(request, now);
  const ctx = await createEvidenceContext(rt, { org: request.org, ...window });
  const orgId = ctx.org.id;
  const [sections, findings, open, lastCompletedAt] = await Promise.all([
    collectCriteria(rt, ctx),
    rt.findings.countUnresolvedFindings(orgId),
    allCampaigns(rt, orgId, { status: 'open' }),
    lastCompletedReview(rt, orgId),
  ]);
  return {
    org: ctx.org,
    window: { from: ctx.params.from, to: ctx.params.to },
    generatedAt: ctx.generatedAt,
    criteria: toCriterionResults(sections),
    findings: toFindingsSummary(findings),
    mfa: toMfaCoverage(sections),
    deprovisioning: toDeprovisioningSummary(sections, ctx.params.deprovisioningSlaHours),
    reviews: toReviewsSummary(open, lastCompletedAt, now),
  };
}
