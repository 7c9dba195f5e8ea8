import { KeyledgerError } from '../../platform/errors.ts';
import type { CommandScope } from '../../audit/command-runner.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { CampaignRow, ReviewDecision, ReviewItemRow } from '../../platform/schema-reviews.ts';
import * as repo from './repository.ts';
import { isActiveMember } from './reviewers.ts';
import { toCampaign, toReviewItem, type Campaign, type ReviewItem } from './views.ts';
import type { ReviewDeps } from './deps.ts';
import type { Campaigns } from './campaigns.ts';

export interface DecisionInput {
  itemId: string;
  decision: ReviewDecision;
  comment?: string | null;
}

/**
 * What a signed-in reviewer does: decide items (keep or revoke), hand an item to
 * someone else, sign a campaign off. Each check names what it protects:
 * - only the item's reviewer decides or delegates it (`access_review.not_reviewer`);
 * - nobody decides their own access (`access_review.self_review`), nor hands it to its holder;
 * - a closed or cancelled campaign changes no more (`access_review.closed`);
 * - a decision is final (`access_review.already_decided`), a revoke says why (`access_review.comment_required`).
 */
export function createDecisions(deps: ReviewDeps, campaigns: Campaigns) {
  const { runner, identity } = deps;
  const notify = deps.notify ?? (async () => {});

  /** The item and its campaign, checked for the signed-in reviewer. */
  async function loadForReviewer(scope: CommandScope, userId: string, itemId: string): Promise<{ item: ReviewItemRow; campaign: CampaignRow }> {
    const item = await repo.findItem(scope.trx, itemId);
    if (!item) throw new KeyledgerError('access_review.item_not_found', `no access review item "${itemId}"`);
    const campaign = (await repo.findCampaign(scope.trx, item.campaign_id))!;
    if (item.principal_type === 'user' && item.principal_id === userId) throw new KeyledgerError('access_review.self_review', `item "${itemId}" is your own access; someone else reviews it`);
    if (item.reviewer_id !== userId) throw new KeyledgerError('access_review.not_reviewer', `item "${itemId}" is not yours to review`);
    if (campaign.status !== 'open') throw new KeyledgerError('access_review.closed', `access review "${campaign.id}" is ${campaign.status}`);
    return { item, campaign };
  }

  async function readItems(scope: CommandScope, ids: string[]): Promise<ReviewItem[]> {
    const rows = await repo.listItems(scope.trx, { ids }, ids.length);
    const byId = new Map(rows.map((r) => [r.id, toReviewItem(r)]));
    return ids.map((id) => byId.get(id)!);
  }

  return {
    /**
     * Decides items in one command, all or nothing: one refused item refuses the whole batch and
     * nothing changes. A revoke ends the assignment now when the campaign applies on decision.
     * Throws `request.invalid` (an item twice), and the codes listed above.
     */
    async decide(ctx: CommandContext, userId: string, decisions: DecisionInput[]): Promise<ReviewItem[]> {
      const ids = decisions.map((d) => d.itemId);
      if (new Set(ids).size !== ids.length) throw new KeyledgerError('request.invalid', 'an item appears more than once in decisions');
      const { result } = await runner.run(ctx, async (scope) => {
        const time = scope.now.toISOString();
        for (const d of decisions) {
          const { item, campaign } = await loadForReviewer(scope, userId, d.itemId);
          if (item.decision !== null) throw new KeyledgerError('access_review.already_decided', `item "${item.id}" was decided already (${item.decision})`);
          const comment = d.comment?.trim() ? d.comment.trim() : null;
          if (d.decision === 'revoke' && !comment) throw new KeyledgerError('access_review.comment_required', `revoking item "${item.id}" needs a comment saying why`);
          const claimed = await scope.trx.updateTable('access_review_items').set({ decision: d.decision, comment, decided_by: userId, decided_at: time }).where('id', '=', item.id).where('decision', 'is', null).executeTakeFirst();
          if (Number(claimed.numUpdatedRows) !== 1) throw new KeyledgerError('access_review.already_decided', `item "${item.id}" was decided meanwhile`);
          const decided = { ...item, decision: d.decision, comment, decided_by: userId, decided_at: time };
          const applyNow = d.decision === 'revoke' && campaign.apply_mode === 'on_decision';
          // The decision is recorded before the revocation it causes, so the ledger reads cause then effect.
          scope.record({
            action: 'access.review.item_decided',
            org: item.org_id,
            targets: [{ type: 'access_review_campaign', id: campaign.id, display: campaign.name }, { type: 'access_review_item', id: item.id }, { type: item.principal_type, id: item.principal_id }, { type: 'role_assignment', id: item.assignment_id }],
            data: { campaignId: campaign.id, itemId: item.id, assignmentId: item.assignment_id, roleId: item.role_id, principalType: item.principal_type, principalId: item.principal_id, decision: d.decision, comment, decidedBy: userId, applied: applyNow },
          });
          if (applyNow) await campaigns.applyRevokeInScope(scope, campaign, decided);
        }
        return readItems(scope, ids);
      });
      return result;
    },

    /**
     * Hands an undecided item to another active member of the organization, recording
     * `access.review.item_delegated` and telling the new reviewer. Throws the codes above and
     * `access_review.delegate_invalid`.
     */
    async delegate(ctx: CommandContext, userId: string, itemId: string, input: { to: string; comment: string }): Promise<ReviewItem> {
      const { result } = await runner.run(ctx, async (scope) => {
        const { item, campaign } = await loadForReviewer(scope, userId, itemId);
        if (item.decision !== null) throw new KeyledgerError('access_review.already_decided', `item "${item.id}" was decided already (${item.decision})`);
        if (item.principal_type === 'user' && item.principal_id === input.to) throw new KeyledgerError('access_review.self_review', `"${input.to}" holds the access under review and cannot review it`);
        if (input.to === userId || !(await isActiveMember(identity, scope.trx, item.org_id, input.to))) {
          throw new KeyledgerError('access_review.delegate_invalid', `"${input.to}" is ${input.to === userId ? 'you' : 'not an active member of this organization'}`);
        }
        await scope.trx.updateTable('access_review_items').set({ reviewer_id: input.to, delegated_from: userId }).where('id', '=', item.id).execute();
        // A delegate who had signed the campaign off has an undecided item again: their sign-off no longer holds.
        await scope.trx.deleteFrom('access_review_signoffs').where('campaign_id', '=', campaign.id).where('reviewer_id', '=', input.to).execute();
        scope.record({
          action: 'access.review.item_delegated',
          org: item.org_id,
          targets: [{ type: 'access_review_campaign', id: campaign.id, display: campaign.name }, { type: 'access_review_item', id: item.id }, { type: 'user', id: input.to }],
          data: { campaignId: campaign.id, itemId: item.id, from: userId, to: input.to, comment: input.comment },
        });
        await notify(scope, { orgId: item.org_id, type: 'access.review.assigned', recipients: [{ userId: input.to }], subject: `Access review: ${campaign.name}`, text: `An access item in "${campaign.name}" was delegated to you for review, due ${campaign.due_at}.`, data: { campaignId: campaign.id, itemId: item.id, dueAt: campaign.due_at } });
        return (await readItems(scope, [item.id]))[0];
      });
      return result;
    },

    /**
     * Signs a campaign off. A reviewer signs once every item given to them is decided
     * (`access.review.reviewer_signed_off`); the owner signs after every reviewer, which closes the
     * campaign (applying the revokes that waited for the close). Throws `access_review.not_found`,
     * `access_review.closed`, `access_review.items_undecided`, `access_review.already_signed_off`,
     * `access_review.signoffs_missing`, `access_review.not_reviewer`.
     */
    async signOff(ctx: CommandContext, userId: string, campaignId: string): Promise<{ signedOffAs: 'reviewer' | 'owner'; campaign: Campaign }> {
      const { result } = await runner.run(ctx, async (scope) => {
        const campaign = await repo.findCampaign(scope.trx, campaignId);
        if (!campaign) throw new KeyledgerError('access_review.not_found', `no access review "${campaignId}"`);
        const mine = await scope.trx.selectFrom('access_review_items').select(['id', 'decision']).where('campaign_id', '=', campaign.id).where('reviewer_id', '=', userId).execute();
        if (mine.length === 0 && campaign.owner_id !== userId) throw new KeyledgerError('access_review.not_reviewer', `you are neither a reviewer nor the owner of access review "${campaign.id}"`);
        if (campaign.status !== 'open') throw new KeyledgerError('access_review.closed', `access review "${campaign.id}" is ${campaign.status}`);
        const signed = await scope.trx.selectFrom('access_review_signoffs').select('reviewer_id').where('campaign_id', '=', campaign.id).execute();
        const signedIds = new Set(signed.map((s) => s.reviewer_id));
        if (mine.length > 0 && !signedIds.has(userId)) {
          const undecided = mine.filter((i) => i.decision === null).length;
          if (undecided > 0) throw new KeyledgerError('access_review.items_undecided', `${undecided} of your item(s) in "${campaign.name}" are undecided`, { undecided });
          await scope.trx.insertInto('access_review_signoffs').values({ campaign_id: campaign.id, reviewer_id: userId, signed_at: scope.now.toISOString() }).execute();
          scope.record({ action: 'access.review.reviewer_signed_off', org: campaign.org_id, targets: [{ type: 'access_review_campaign', id: campaign.id, display: campaign.name }, { type: 'user', id: userId }], data: { campaignId: campaign.id, reviewerId: userId, items: mine.length } });
          const counts = (await repo.countItems(scope.trx, [campaign.id])).get(campaign.id)!;
          return { signedOffAs: 'reviewer' as const, campaign: toCampaign(campaign, counts) };
        }
        if (campaign.owner_id !== userId) throw new KeyledgerError('access_review.already_signed_off', `you signed access review "${campaign.id}" off already`);
        const reviewers = await scope.trx.selectFrom('access_review_items').select('reviewer_id').distinct().where('campaign_id', '=', campaign.id).where('reviewer_id', 'is not', null).execute();
        const missing = reviewers.map((r) => r.reviewer_id!).filter((r) => !signedIds.has(r)).sort();
        if (missing.length > 0) throw new KeyledgerError('access_review.signoffs_missing', `${missing.length} reviewer(s) have not signed "${campaign.name}" off yet`, { missing });
        return { signedOffAs: 'owner' as const, campaign: await campaigns.closeInScope(scope, campaign, 'owner_sign_off', { owner_signed_off_at: scope.now.toISOString() }) };
      });
      return result;
    },
  };
}
