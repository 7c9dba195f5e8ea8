import type { AccessFinding } from '../../../access/findings.ts';
import type { Condition, FindingRule } from '../condition.ts';

/** Types whose condition is a closed record that never changes: a resolution ends them for good. */
const HISTORICAL = new Set(['review_items_undecided']);

/**
 * The access governance findings already computed by the access capability,
 * tracked as they are (type, severity, subject, evidence):
 * `standing_privileged_assignment` (elevation), `grant_without_approval`
 * (approvals), `review_campaign_overdue`, `review_items_undecided` and
 * `review_missing` (access reviews). `review_items_undecided` describes a
 * closed campaign, so it is historical: it stays open until a person resolves it.
 */
export function accessGovernanceRules(sources: { elevation: (orgId: string) => Promise<AccessFinding[]>; approvals: (orgId: string) => Promise<AccessFinding[]>; reviews: (orgId: string) => Promise<AccessFinding[]> }): FindingRule[] {
  const wrap = (name: string, types: string[], list: (orgId: string) => Promise<AccessFinding[]>): FindingRule => ({
    name,
    scope: 'organization',
    types,
    async list(orgId) {
      if (orgId === null) return [];
      return (await list(orgId)).map((f): Condition => ({ ...f, ...(HISTORICAL.has(f.type) ? { historical: true } : {}) }));
    },
  });
  return [
    wrap('elevation_findings', ['standing_privileged_assignment'], sources.elevation),
    wrap('approval_findings', ['grant_without_approval'], sources.approvals),
    wrap('review_findings', ['review_campaign_overdue', 'review_items_undecided', 'review_missing'], sources.reviews),
  ];
}
