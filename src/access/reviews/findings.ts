import type { AccessFinding } from '../findings.ts';
import * as repo from './repository.ts';
import { addDays, addMonths, readAccessReviewSettings, type AccessReviewSettings } from './review-settings.ts';
import type { ReviewDeps } from './deps.ts';

/**
 * Access review findings of an organization, computed from the campaigns and citing their ledger events:
 * - `review_campaign_overdue`: an open campaign past its due time;
 * - `review_items_undecided`: a closed campaign that left items undecided;
 * - `review_missing`: no scheduled or ad hoc campaign closed within `everyMonths` + `durationDays`
 *   (counted from the last close, or from the organization's creation when none ever closed).
 */
export function createReviewFindings(deps: Pick<ReviewDeps, 'db' | 'clock' | 'identity'>) {
  const { db, clock, identity } = deps;

  return async function listReviewFindings(orgId: string): Promise<AccessFinding[]> {
    const org = await identity.requireOrg(orgId);
    const now = clock.now().toISOString();
    let settings: AccessReviewSettings;
    try {
      settings = readAccessReviewSettings(org.settings);
    } catch {
      settings = readAccessReviewSettings({});
    }
    const findings: AccessFinding[] = [];
    const overdue = await db.selectFrom('access_review_campaigns').selectAll().where('org_id', '=', org.id).where('status', '=', 'open').where('due_at', '<', now).orderBy('due_at').execute();
    const openCounts = await repo.countItems(db, overdue.map((c) => c.id));
    for (const c of overdue) {
      const undecided = openCounts.get(c.id)!.undecided;
      findings.push({
        type: 'review_campaign_overdue',
        severity: 'high',
        orgId: org.id,
        subject: { type: 'access_review_campaign', id: c.id, display: c.name },
        since: c.due_at,
        summary: `access review "${c.name}" was due ${c.due_at} and is still open, ${undecided} item(s) undecided`,
        eventIds: await repo.campaignEventIds(db, c.id, ['access.review.campaign_opened', 'access.review.campaign_overdue']),
      });
    }
    const closed = await db.selectFrom('access_review_campaigns').selectAll().where('org_id', '=', org.id).where('status', '=', 'closed').orderBy('closed_at').execute();
    const closedCounts = await repo.countItems(db, closed.map((c) => c.id));
    for (const c of closed) {
      const undecided = closedCounts.get(c.id)!.undecided;
      if (undecided === 0) continue;
      findings.push({
        type: 'review_items_undecided',
        severity: 'medium',
        orgId: org.id,
        subject: { type: 'access_review_campaign', id: c.id, display: c.name },
        since: c.closed_at!,
        summary: `access review "${c.name}" closed ${c.closed_at} with ${undecided} item(s) undecided: that access was never reviewed`,
        eventIds: await repo.campaignEventIds(db, c.id, ['access.review.campaign_opened', 'access.review.campaign_closed']),
      });
    }
    const periodic = closed.filter((c) => c.kind !== 'mover');
    const last = periodic[periodic.length - 1];
    const since = addDays(addMonths(last?.closed_at ?? org.createdAt, settings.everyMonths), settings.durationDays);
    if (since < now) {
      findings.push({
        type: 'review_missing',
        severity: 'high',
        orgId: org.id,
        subject: { type: 'organization', id: org.id, display: org.slug },
        since,
        summary: last
          ? `no access review closed since "${last.name}" on ${last.closed_at}; one was due every ${settings.everyMonths} month(s) plus ${settings.durationDays} day(s)`
          : `no access review ever closed in ${org.slug} (created ${org.createdAt}); one was due every ${settings.everyMonths} month(s) plus ${settings.durationDays} day(s)`,
        eventIds: last ? await repo.campaignEventIds(db, last.id, ['access.review.campaign_closed']) : [],
      });
    }
    return findings;
  };
}
