import { csvField } from '../../lifecycle/leavers-report.ts';
import type { Campaign, ReviewItem } from './views.ts';

/** One line of a campaign report: an item, who reviewed it, the decision, who decided, when, and when it took effect. */
export interface ReportRow extends ReviewItem {
  reviewerEmail: string | null;
  decidedByEmail: string | null;
}

export interface CampaignReport {
  campaign: Campaign;
  items: ReportRow[];
}

export const REPORT_CSV_COLUMNS = [
  'item_id',
  'principal_type',
  'principal_id',
  'principal',
  'role_id',
  'role_key',
  'privileged',
  'reviewer_id',
  'reviewer_email',
  'delegated_from',
  'decision',
  'comment',
  'decided_by',
  'decided_by_email',
  'decided_at',
  'applied_at',
] as const;

/**
 * The report as CSV (pure): a header line, then one line per item, CRLF line ends; every
 * field goes through `csvField`, so a comment or name starting `=`, `+`, `-` or `@` cannot run as a formula.
 */
export function campaignReportCsv(report: CampaignReport): string {
  const lines = [REPORT_CSV_COLUMNS.join(',')];
  for (const i of report.items) {
    lines.push(
      [i.id, i.principal.type, i.principal.id, i.principal.display, i.roleId, i.roleKey, i.privileged ? 'yes' : 'no', i.reviewerId, i.reviewerEmail, i.delegatedFrom, i.decision ?? 'undecided', i.comment, i.decidedBy, i.decidedByEmail, i.decidedAt, i.appliedAt]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
