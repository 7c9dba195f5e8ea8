import { KeyledgerError } from '../../platform/errors.ts';
import type { CommandScope } from '../../audit/command-runner.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { ApplyMode, CampaignKind, CampaignRow, ReviewItemRow } from '../../platform/schema-reviews.ts';
import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import * as accessRepo from '../repository.ts';
import * as repo from './repository.ts';
import { createReviewerChain, isActiveMember } from './reviewers.ts';
import { toCampaign, type Campaign } from './views.ts';
import type { ReviewDeps } from './deps.ts';

export interface OpenCampaignInput {
  orgId: string;
  name: string;
  kind: CampaignKind;
  ownerId: string | null;
  applyMode: ApplyMode;
  dueAt: string;
  createdBy: { type: string; id: string };
  /** Mover campaigns: only this user's assignments. */
  subjectUserId?: string | null;
  scheduleSlot?: string | null;
}

export interface AdHocInput {
  name: string;
  ownerId: string;
  dueAt: string;
  applyMode?: ApplyMode;
}

type Page = { limit: number; cursor?: string };

const campaignTarget = (row: Pick<CampaignRow, 'id' | 'name'>) => ({ type: 'access_review_campaign', id: row.id, display: row.name });

/** Opening and closing campaigns; reading them for the admin API. */
export function createCampaigns(deps: ReviewDeps) {
  const { db, runner, newId, identity, access } = deps;
  const notify = deps.notify ?? (async () => {});

  /**
   * Opens a campaign inside a running command: snapshots every active role assignment of the
   * organization (of `subjectUserId` only, for a mover campaign) as an item with its reviewer
   * (see createReviewerChain), records `access.review.campaign_opened` and tells each reviewer
   * (`access.review.assigned`).
   */
  async function openCampaignInScope(scope: CommandScope, input: OpenCampaignInput): Promise<Campaign> {
    const { trx, now } = scope;
    const time = now.toISOString();
    const row: CampaignRow = {
      id: newId(),
      org_id: input.orgId,
      name: input.name,
      kind: input.kind,
      status: 'open',
      owner_id: input.ownerId,
      apply_mode: input.applyMode,
      subject_user_id: input.subjectUserId ?? null,
      schedule_slot: input.scheduleSlot ?? null,
      starts_at: time,
      due_at: input.dueAt,
      closed_at: null,
      owner_signed_off_at: null,
      overdue_at: null,
      created_by_type: input.createdBy.type,
      created_by_id: input.createdBy.id,
      created_at: time,
    };
    await trx.insertInto('access_review_campaigns').values(row).execute();
    const assignments = await accessRepo.findActiveAssignments(trx, time, { orgId: input.orgId, ...(input.subjectUserId ? { principalType: 'user', principalId: input.subjectUserId } : {}) });
    const roles = new Map((await trx.selectFrom('roles').select(['id', 'privileged', 'owner_id']).where('org_id', '=', input.orgId).execute()).map((r) => [r.id, r]));
    const chain = createReviewerChain(identity, scope, input.orgId, input.ownerId);
    const perReviewer = new Map<string, number>();
    let privileged = 0;
    let unassigned = 0;
    for (const a of assignments) {
      const role = roles.get(a.role_id)!;
      const reviewer = await chain.reviewerFor({ principalType: a.principal_type, principalId: a.principal_id, roleOwnerId: role.owner_id });
      const item: ReviewItemRow = {
        id: newId(),
        campaign_id: row.id,
        org_id: input.orgId,
        assignment_id: a.id,
        principal_type: a.principal_type,
        principal_id: a.principal_id,
        role_id: a.role_id,
        privileged: role.privileged,
        reviewer_id: reviewer,
        delegated_from: null,
        decision: null,
        comment: null,
        decided_by: null,
        decided_at: null,
        applied_at: null,
      };
      await trx.insertInto('access_review_items').values(item).execute();
      if (role.privileged === 1) privileged++;
      if (reviewer) perReviewer.set(reviewer, (perReviewer.get(reviewer) ?? 0) + 1);
      else unassigned++;
    }
    scope.record({
      action: 'access.review.campaign_opened',
      org: input.orgId,
      targets: [campaignTarget(row), ...(row.subject_user_id ? [{ type: 'user', id: row.subject_user_id }] : [])],
      data: { campaignId: row.id, name: row.name, kind: row.kind, ownerId: row.owner_id, applyMode: row.apply_mode, startsAt: row.starts_at, dueAt: row.due_at, subjectUserId: row.subject_user_id, items: assignments.length, privilegedItems: privileged, reviewers: perReviewer.size, unassigned },
    });
    for (const [userId, items] of perReviewer) {
      await notify(scope, {
        orgId: input.orgId,
        type: 'access.review.assigned',
        recipients: [{ userId }],
        subject: `Access review: ${row.name}`,
        text: `You have ${items} access item(s) to review in "${row.name}", due ${row.due_at}.`,
        data: { campaignId: row.id, items, dueAt: row.due_at },
      });
    }
    return toCampaign(row, { items: assignments.length, kept: 0, revoked: 0, undecided: assignments.length });
  }

  /**
   * Ends the assignment behind a `revoke` item (if it is still active) through
   * `endAssignmentInScope`, with a reason naming the campaign and who decided; marks the item applied.
   * Returns the assignment id when it was ended now.
   */
  async function applyRevokeInScope(scope: CommandScope, campaign: Pick<CampaignRow, 'id' | 'name'>, item: ReviewItemRow): Promise<string | null> {
    const now = scope.now.toISOString();
    const active = await accessRepo.findActiveAssignments(scope.trx, now, { orgId: item.org_id, principalId: item.principal_id, roleId: item.role_id });
    await scope.trx.updateTable('access_review_items').set({ applied_at: now }).where('id', '=', item.id).execute();
    if (!active.some((a) => a.id === item.assignment_id)) return null;
    const decider = item.decided_by ? await scope.trx.selectFrom('users').select('email').where('id', '=', item.decided_by).executeTakeFirst() : undefined;
    await access.endAssignmentInScope(scope, item.assignment_id, `access review "${campaign.name}" (${campaign.id}): revoke decided by ${decider?.email ?? 'unknown'} (${item.decided_by}) at ${item.decided_at}`);
    return item.assignment_id;
  }

  /**
   * Closes an open campaign inside a running command (claimed with a conditional UPDATE), applies
   * the revokes that waited for the close, and records `access.review.campaign_closed` with the
   * counts. Throws `access_review.closed`.
   */
  async function closeInScope(scope: CommandScope, campaign: CampaignRow, closedBy: 'owner_sign_off' | 'admin' | 'nothing_to_review', patch: { owner_signed_off_at?: string } = {}): Promise<Campaign> {
    const time = scope.now.toISOString();
    const claimed = await scope.trx.updateTable('access_review_campaigns').set({ status: 'closed', closed_at: time, ...patch }).where('id', '=', campaign.id).where('status', '=', 'open').executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw new KeyledgerError('access_review.closed', `access review "${campaign.id}" is ${campaign.status === 'open' ? 'closed' : campaign.status} already`);
    const revokedAssignments: string[] = [];
    if (campaign.apply_mode === 'on_close') {
      const waiting = await scope.trx.selectFrom('access_review_items').selectAll().where('campaign_id', '=', campaign.id).where('decision', '=', 'revoke').where('applied_at', 'is', null).orderBy('id').execute();
      for (const item of waiting) {
        const ended = await applyRevokeInScope(scope, campaign, item);
        if (ended) revokedAssignments.push(ended);
      }
    }
    const counts = (await repo.countItems(scope.trx, [campaign.id])).get(campaign.id)!;
    scope.record({
      action: 'access.review.campaign_closed',
      org: campaign.org_id,
      targets: [campaignTarget(campaign)],
      data: { campaignId: campaign.id, closedBy, kept: counts.kept, revoked: counts.revoked, undecided: counts.undecided, revokedAssignments },
    });
    return toCampaign({ ...campaign, status: 'closed', closed_at: time, owner_signed_off_at: patch.owner_signed_off_at ?? campaign.owner_signed_off_at }, counts);
  }

  async function requireCampaign(orgId: string, id: string): Promise<CampaignRow> {
    const row = await repo.findCampaign(db, id, orgId);
    if (!row) throw new KeyledgerError('access_review.not_found', `no access review "${id}" in this organization`);
    return row;
  }

  return {
    openCampaignInScope,
    applyRevokeInScope,
    closeInScope,

    /**
     * Opens an ad hoc campaign of every active assignment of the organization. Throws
     * `organization.not_found`, `access_review.owner_invalid`, `access_review.due_invalid`.
     */
    async createAdHoc(ctx: CommandContext, orgRef: string, input: AdHocInput, defaults: { applyMode: ApplyMode }): Promise<Campaign> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        if (Date.parse(input.dueAt) <= scope.now.getTime()) throw new KeyledgerError('access_review.due_invalid', `dueAt ${input.dueAt} is not after ${scope.now.toISOString()}`);
        if (!(await isActiveMember(identity, scope.trx, org.id, input.ownerId))) throw new KeyledgerError('access_review.owner_invalid', `owner "${input.ownerId}" is not an active member of "${org.slug}"`);
        return openCampaignInScope(scope, { orgId: org.id, name: input.name, kind: 'ad_hoc', ownerId: input.ownerId, applyMode: input.applyMode ?? defaults.applyMode, dueAt: new Date(input.dueAt).toISOString(), createdBy: ctx.actor });
      });
      return result;
    },

    /** Closes a campaign on an administrator's word, undecided items and all. Throws `access_review.not_found`, `access_review.closed`. */
    async closeByAdmin(ctx: CommandContext, orgRef: string, id: string): Promise<Campaign> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        const row = await repo.findCampaign(scope.trx, id, org.id);
        if (!row) throw new KeyledgerError('access_review.not_found', `no access review "${id}" in "${org.slug}"`);
        return closeInScope(scope, row, 'admin');
      });
      return result;
    },

    async getCampaign(orgRef: string, id: string): Promise<Campaign> {
      const org = await identity.requireOrg(orgRef);
      const row = await requireCampaign(org.id, id);
      return toCampaign(row, (await repo.countItems(db, [row.id])).get(row.id)!);
    },

    /** The organization's campaigns, optionally of one status, by id (oldest first). */
    async listCampaigns(orgRef: string, filter: { status?: CampaignRow['status']; kind?: CampaignKind }, p: Page): Promise<{ items: Campaign[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      let q = db.selectFrom('access_review_campaigns').selectAll().where('org_id', '=', org.id);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.kind) q = q.where('kind', '=', filter.kind);
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'access_review'));
      const rows = await q.orderBy('id').limit(p.limit + 1).execute();
      const kept = rows.slice(0, p.limit);
      const counts = await repo.countItems(db, kept.map((r) => r.id));
      return { items: kept.map((r) => toCampaign(r, counts.get(r.id)!)), nextCursor: rows.length > p.limit ? encodeCursor('access_review', kept[kept.length - 1].id) : null };
    },

    requireCampaign,
  };
}

export type Campaigns = ReturnType<typeof createCampaigns>;
