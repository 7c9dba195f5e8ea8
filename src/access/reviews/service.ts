import { KeyledgerError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { ReviewDecision } from '../../platform/schema-reviews.ts';
import * as repo from './repository.ts';
import { createCampaigns, type AdHocInput } from './campaigns.ts';
import { createDecisions } from './decisions.ts';
import { createReviewSchedule } from './schedule.ts';
import { createReviewFindings } from './findings.ts';
import { campaignReportCsv, type CampaignReport } from './report.ts';
import { readAccessReviewSettings } from './review-settings.ts';
import { toReviewItem, type ReviewItem } from './views.ts';
import type { ReviewDeps } from './deps.ts';

type Page = { limit: number; cursor?: string };

/** An item waiting for the signed-in reviewer, with the campaign it belongs to. */
export interface MyReviewItem extends ReviewItem {
  campaign: { id: string; name: string; kind: string; dueAt: string };
}

const CURSOR_KIND = 'review_item';

/** Access review campaigns: opening (scheduled, ad hoc, mover), reviewing, signing off, reports and findings. */
export function createAccessReviewService(deps: ReviewDeps) {
  const { db, identity } = deps;
  const campaigns = createCampaigns(deps);
  const decisions = createDecisions(deps, campaigns);
  const schedule = createReviewSchedule(deps, campaigns);

  async function allItems(campaignId: string): Promise<ReviewItem[]> {
    const all: ReviewItem[] = [];
    let after: [number, string] | undefined;
    for (;;) {
      const rows = await repo.listItems(db, { campaignId, after }, 500);
      all.push(...rows.map(toReviewItem));
      if (rows.length < 500) return all;
      after = [rows[rows.length - 1].privileged, rows[rows.length - 1].id];
    }
  }

  return {
    /** Opens an ad hoc campaign (`{ name, ownerId, dueAt, applyMode? }`; applyMode defaults to the organization's setting). */
    async createCampaign(ctx: CommandContext, orgRef: string, input: AdHocInput) {
      const org = await identity.requireOrg(orgRef);
      let applyMode = readAccessReviewSettings({}).applyMode;
      try {
        applyMode = readAccessReviewSettings(org.settings).applyMode;
      } catch {
        /* a setting saved before it was checked: the default applies */
      }
      return campaigns.createAdHoc(ctx, org.id, input, { applyMode });
    },
    getCampaign: campaigns.getCampaign,
    listCampaigns: campaigns.listCampaigns,
    closeCampaign: campaigns.closeByAdmin,

    /** One page of a campaign's items, privileged first, optionally of one reviewer or decision (`undecided` for none yet). */
    async listItems(orgRef: string, campaignId: string, filter: { reviewerId?: string; decision?: ReviewDecision | 'undecided' }, p: Page): Promise<{ items: ReviewItem[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      await campaigns.requireCampaign(org.id, campaignId);
      let after: [number, string] | undefined;
      if (p.cursor) {
        const m = /^([01]):(.+)$/.exec(decodeCursor(p.cursor, CURSOR_KIND));
        if (!m) throw new KeyledgerError('pagination.invalid_cursor', `cursor "${p.cursor.slice(0, 40)}" was not issued by this list`);
        after = [Number(m[1]), m[2]];
      }
      const rows = await repo.listItems(db, { campaignId, ...filter, after }, p.limit + 1);
      const kept = rows.slice(0, p.limit);
      const last = kept[kept.length - 1];
      return { items: kept.map(toReviewItem), nextCursor: rows.length > p.limit ? encodeCursor(CURSOR_KIND, `${last.privileged}:${last.id}`) : null };
    },

    /** Every item of a campaign with reviewer and decider addresses (the auditor's evidence), privileged first. */
    async report(orgRef: string, campaignId: string): Promise<CampaignReport> {
      const campaign = await campaigns.getCampaign(orgRef, campaignId);
      const items = await allItems(campaign.id);
      const userIds = [...new Set(items.flatMap((i) => [i.reviewerId, i.decidedBy]).filter((x): x is string => !!x))];
      const emails = new Map(userIds.length ? (await db.selectFrom('users').select(['id', 'email']).where('id', 'in', userIds).execute()).map((u) => [u.id, u.email]) : []);
      return { campaign, items: items.map((i) => ({ ...i, reviewerEmail: i.reviewerId ? (emails.get(i.reviewerId) ?? null) : null, decidedByEmail: i.decidedBy ? (emails.get(i.decidedBy) ?? null) : null })) };
    },

    /** The report as CSV (formula-safe). */
    async reportCsv(orgRef: string, campaignId: string): Promise<string> {
      return campaignReportCsv(await this.report(orgRef, campaignId));
    },

    /** The undecided items of open campaigns waiting for `userId`, privileged first (at most 500). */
    async myOpenItems(userId: string): Promise<MyReviewItem[]> {
      const rows = await repo.listItems(db, { reviewerId: userId, decision: 'undecided', openOnly: true }, 500);
      const ids = [...new Set(rows.map((r) => r.campaign_id))];
      const byId = new Map(ids.length ? (await db.selectFrom('access_review_campaigns').select(['id', 'name', 'kind', 'due_at']).where('id', 'in', ids).execute()).map((c) => [c.id, c]) : []);
      return rows.map((r) => {
        const c = byId.get(r.campaign_id)!;
        return { ...toReviewItem(r), campaign: { id: c.id, name: c.name, kind: c.kind, dueAt: c.due_at } };
      });
    },

    decide: decisions.decide,
    delegate: decisions.delegate,
    signOff: decisions.signOff,

    /** Periodic: opens due scheduled campaigns (see schedule.ts). */
    openScheduled: schedule.openScheduled,
    /** Periodic: records overdue campaigns once each. */
    markOverdue: schedule.markOverdue,
    /** Periodic: reminds reviewers with undecided items, at most daily. */
    sendReminders: schedule.sendReminders,
    /** The identity service's move hook (register it in `userMoveHooks`). */
    onUserMoved: schedule.onUserMoved,

    listReviewFindings: createReviewFindings(deps),
  };
}

export type AccessReviewService = ReturnType<typeof createAccessReviewService>;
