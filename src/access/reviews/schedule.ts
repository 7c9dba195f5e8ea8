import { systemContext } from '../../audit/event.ts';
import type { CommandScope } from '../../audit/command-runner.ts';
import type { MoverFields } from '../../identity/service.ts';
import type { User } from '../../identity/views.ts';
import * as accessRepo from '../repository.ts';
import { addDays, addMonths, readAccessReviewSettings, type AccessReviewSettings } from './review-settings.ts';
import { createReviewerChain } from './reviewers.ts';
import { AlreadyHandled, type ReviewDeps } from './deps.ts';
import type { Campaigns } from './campaigns.ts';

/** How long a mover review runs. */
export const MOVER_REVIEW_DAYS = 7;
const DAY_MS = 86_400_000;

/** An organization's review settings; a setting saved before it was checked falls back to the defaults. */
function settingsOf(settings: Record<string, unknown>): AccessReviewSettings {
  try {
    return readAccessReviewSettings(settings);
  } catch {
    return readAccessReviewSettings({});
  }
}

/**
 * The periodic work of access reviews, each safe to run on several nodes at once:
 * every row it acts on is claimed inside the command that acts (a unique schedule
 * slot, a conditional UPDATE), and a run that lost the claim rolls back silently.
 */
export function createReviewSchedule(deps: ReviewDeps, campaigns: Campaigns) {
  const { db, runner, clock, identity, logger } = deps;
  const notify = deps.notify ?? (async () => {});
  const ctx = systemContext('access-reviews', 'Access review scheduler');

  /** Runs one claimed unit of work; false when another run did it (or it failed, logged). */
  async function attempt(what: string, body: (scope: CommandScope) => Promise<void>): Promise<boolean> {
    try {
      await runner.run(ctx, body);
      return true;
    } catch (err) {
      if (err instanceof AlreadyHandled) return false;
      logger?.error({ err, what }, 'access review periodic work failed; it is retried on the next run');
      if (!logger) throw err;
      return false;
    }
  }

  /** The owner of a scheduled or mover campaign: the configured owner, then the given candidates, then the first admin; never `except`. */
  async function ownerFor(scope: CommandScope, orgId: string, settings: AccessReviewSettings, candidates: Array<string | null>, except: string | null): Promise<string | null> {
    const chain = createReviewerChain(identity, scope, orgId, null);
    for (const c of [settings.ownerId, ...candidates]) if (c && c !== except && (await chain.eligible(c))) return c;
    return chain.firstAdmin(except);
  }

  return {
    /**
     * Opens a scheduled campaign in every organization whose last scheduled one started
     * `everyMonths` ago or more (none yet: one now). Returns how many it opened.
     */
    async openScheduled(): Promise<number> {
      const orgs = await db.selectFrom('organizations').select(['id', 'settings']).orderBy('id').execute();
      let opened = 0;
      for (const org of orgs) {
        const settings = settingsOf(JSON.parse(org.settings) as Record<string, unknown>);
        const done = await attempt(`openScheduled ${org.id}`, async (scope) => {
          const last = await scope.trx.selectFrom('access_review_campaigns').select(['id', 'starts_at']).where('org_id', '=', org.id).where('kind', '=', 'scheduled').orderBy('starts_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
          const now = scope.now.toISOString();
          if (last && addMonths(last.starts_at, settings.everyMonths) > now) throw new AlreadyHandled();
          const ownerId = await ownerFor(scope, org.id, settings, [], null);
          // The slot names the cycle: a second scheduler opening the same cycle hits the unique index and rolls back.
          const opened = await campaigns.openCampaignInScope(scope, {
            orgId: org.id,
            name: `Access review ${now.slice(0, 10)}`,
            kind: 'scheduled',
            ownerId,
            applyMode: settings.applyMode,
            dueAt: addDays(now, settings.durationDays),
            createdBy: ctx.actor,
            scheduleSlot: last ? `after:${last.id}` : 'first',
          });
          // An organization where nobody holds a role has nothing to review: the cycle is recorded as run and closed at once,
          // instead of waiting to become an overdue campaign nobody can act on.
          if (opened.counts.items === 0) {
            const row = await scope.trx.selectFrom('access_review_campaigns').selectAll().where('id', '=', opened.id).executeTakeFirstOrThrow();
            await campaigns.closeInScope(scope, row, 'nothing_to_review');
          }
        });
        if (done) opened++;
      }
      return opened;
    },

    /** Records `access.review.campaign_overdue` once for each open campaign past its due time, telling its owner. Returns how many. */
    async markOverdue(): Promise<number> {
      const now = clock.now().toISOString();
      const due = await db.selectFrom('access_review_campaigns').selectAll().where('status', '=', 'open').where('overdue_at', 'is', null).where('due_at', '<', now).orderBy('id').execute();
      let marked = 0;
      for (const c of due) {
        const done = await attempt(`markOverdue ${c.id}`, async (scope) => {
          const claimed = await scope.trx.updateTable('access_review_campaigns').set({ overdue_at: scope.now.toISOString() }).where('id', '=', c.id).where('status', '=', 'open').where('overdue_at', 'is', null).executeTakeFirst();
          if (Number(claimed.numUpdatedRows) !== 1) throw new AlreadyHandled();
          const undecided = Number((await scope.trx.selectFrom('access_review_items').select((eb) => eb.fn.countAll<string | number>().as('n')).where('campaign_id', '=', c.id).where('decision', 'is', null).executeTakeFirstOrThrow()).n);
          scope.record({ action: 'access.review.campaign_overdue', org: c.org_id, targets: [{ type: 'access_review_campaign', id: c.id, display: c.name }], data: { campaignId: c.id, dueAt: c.due_at, undecided } });
          if (c.owner_id) await notify(scope, { orgId: c.org_id, type: 'access.review.overdue', recipients: [{ userId: c.owner_id }], subject: `Access review overdue: ${c.name}`, text: `"${c.name}" was due ${c.due_at} and is still open with ${undecided} undecided item(s).`, data: { campaignId: c.id, dueAt: c.due_at, undecided } });
        });
        if (done) marked++;
      }
      return marked;
    },

    /** Reminds each reviewer with undecided items in open campaigns, at most once a day per organization. Returns how many were reminded. */
    async sendReminders(): Promise<number> {
      const pending = await db
        .selectFrom('access_review_items as i')
        .innerJoin('access_review_campaigns as c', 'c.id', 'i.campaign_id')
        .select(['i.org_id', 'i.reviewer_id', 'i.campaign_id'])
        .where('c.status', '=', 'open')
        .where('i.decision', 'is', null)
        .where('i.reviewer_id', 'is not', null)
        .execute();
      const byReviewer = new Map<string, { orgId: string; reviewerId: string; campaigns: Set<string>; undecided: number }>();
      for (const p of pending) {
        const key = `${p.org_id}/${p.reviewer_id}`;
        const entry = byReviewer.get(key) ?? { orgId: p.org_id, reviewerId: p.reviewer_id!, campaigns: new Set<string>(), undecided: 0 };
        entry.campaigns.add(p.campaign_id);
        entry.undecided++;
        byReviewer.set(key, entry);
      }
      let sent = 0;
      for (const r of byReviewer.values()) {
        const done = await attempt(`sendReminders ${r.orgId}/${r.reviewerId}`, async (scope) => {
          const now = scope.now.toISOString();
          const dayAgo = new Date(scope.now.getTime() - DAY_MS).toISOString();
          const claimed = await scope.trx.updateTable('access_review_reminders').set({ last_sent_at: now }).where('org_id', '=', r.orgId).where('reviewer_id', '=', r.reviewerId).where('last_sent_at', '<=', dayAgo).executeTakeFirst();
          if (Number(claimed.numUpdatedRows) !== 1) {
            const seen = await scope.trx.selectFrom('access_review_reminders').select('last_sent_at').where('org_id', '=', r.orgId).where('reviewer_id', '=', r.reviewerId).executeTakeFirst();
            if (seen) throw new AlreadyHandled();
            // First reminder: a concurrent insert of the same key fails the unique key and the runner's retry finds the row.
            await scope.trx.insertInto('access_review_reminders').values({ org_id: r.orgId, reviewer_id: r.reviewerId, last_sent_at: now }).execute();
          }
          const campaignIds = [...r.campaigns].sort();
          scope.record({ action: 'access.review.reminder_sent', org: r.orgId, targets: [{ type: 'user', id: r.reviewerId }], data: { reviewerId: r.reviewerId, campaignIds, undecided: r.undecided } });
          await notify(scope, { orgId: r.orgId, type: 'access.review.reminder', recipients: [{ userId: r.reviewerId }], subject: 'Access reviews waiting for you', text: `You have ${r.undecided} undecided access item(s) to review.`, data: { campaignIds, undecided: r.undecided } });
        });
        if (done) sent++;
      }
      return sent;
    },

    /**
     * The identity service's move hook: in each organization where the moved user holds roles,
     * opens a `mover` campaign of those assignments, due in 7 days, reviewed by the new manager
     * (or the rest of the reviewer chain), owned by the configured owner, the new manager or the
     * first admin (never the mover).
     */
    async onUserMoved(scope: CommandScope, user: User, _before: MoverFields, after: MoverFields): Promise<void> {
      const now = scope.now.toISOString();
      for (const orgId of await identity.listOrganizationIdsOf(user.id, scope.trx)) {
        const held = await accessRepo.findActiveAssignments(scope.trx, now, { orgId, principalType: 'user', principalId: user.id });
        if (held.length === 0) continue;
        const org = await identity.requireOrg(orgId, scope.trx);
        const settings = settingsOf(org.settings);
        const ownerId = await ownerFor(scope, orgId, settings, [after.managerId], user.id);
        await campaigns.openCampaignInScope(scope, {
          orgId,
          name: `Mover review: ${user.email} ${now.slice(0, 10)}`,
          kind: 'mover',
          ownerId,
          applyMode: settings.applyMode,
          dueAt: addDays(now, MOVER_REVIEW_DAYS),
          createdBy: ctx.actor,
          subjectUserId: user.id,
        });
      }
    },
  };
}
