import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { eventsDuring, expectError, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { allItems, reviewOrg } from './review-fixtures.ts';
import type { Notification } from '../../src/access/reviews/deps.ts';

type Json = Record<string, any>;
const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`scheduled access reviews, overdue, reminders, findings and mover reviews on ${dialect}`, () => {
    const clock = new ManualClock('2026-01-05T09:00:00.000Z');
    let s: HttpSuite;
    let o: Awaited<ReturnType<typeof reviewOrg>>;
    let orgId: string;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      o = await reviewOrg(s, 'acme');
      orgId = (await ok(s, 200, 'GET', '/api/v1/organizations/acme')).id;
      await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings: { accessReviews: { everyMonths: 3, durationDays: 14, ownerId: o.owner.id } } });
    });
    afterAll(async () => s?.close());

    const scheduled = async () => (await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-reviews?kind=scheduled')).items as Json[];

    it('refuses access review settings out of bounds or unknown', async () => {
      for (const accessReviews of [{ everyMonths: 0 }, { durationDays: 91 }, { applyMode: 'later' }, { ownerId: 'nope' }, { every: 3 }, 'quarterly']) {
        expectError(await s.request('PATCH', '/api/v1/organizations/acme', { body: { settings: { accessReviews } } }), 422, 'organization.settings_invalid');
      }
    });

    it('opens one scheduled campaign now (none yet), not a second, even with two schedulers at once', async () => {
      const [a, b] = await Promise.all([s.rt.accessReviews.openScheduled(), s.rt.accessReviews.openScheduled()]);
      expect(a + b).toBe(1);
      const first = await scheduled();
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ kind: 'scheduled', ownerId: o.owner.id, applyMode: 'on_close', startsAt: clock.now().toISOString(), dueAt: new Date(clock.now().getTime() + 14 * DAY).toISOString(), counts: { items: 6 } });
      expect(await s.rt.accessReviews.openScheduled()).toBe(0);
    });

    it('past due: the overdue event is recorded once per campaign (two runs at once too), and the finding cites it', async () => {
      clock.set('2026-01-20T09:00:00.000Z'); // the first campaign was due 01-19
      const first = (await scheduled())[0];
      const [a, b] = await Promise.all([s.rt.accessReviews.markOverdue(), s.rt.accessReviews.markOverdue()]);
      expect(a + b).toBe(1);
      expect(await s.rt.accessReviews.markOverdue()).toBe(0);
      const overdue = (await listEventsViaApi(s, '?action=access.review.campaign_overdue')).filter((e) => e.data.campaignId === first.id);
      expect(overdue).toHaveLength(1);
      expect(overdue[0].data).toMatchObject({ dueAt: first.dueAt, undecided: 6 });
      const findings = await s.rt.accessReviews.listReviewFindings(orgId);
      const finding = findings.find((f) => f.type === 'review_campaign_overdue')!;
      expect(finding).toMatchObject({ severity: 'high', subject: { type: 'access_review_campaign', id: first.id }, since: first.dueAt });
      expect(finding.eventIds).toContain(overdue[0].id);
      expect(findings.map((f) => f.type)).not.toContain('review_missing');
    });

    it('reminds each reviewer with undecided items at most once a day, and tells reviewers of new campaigns, through the notify dependency', async () => {
      const sent: Notification[] = [];
      const { createAccessReviewService } = await import('../../src/access/reviews/service.ts');
      const rt = s.rt;
      const reviews = createAccessReviewService({ db: rt.database.db, runner: rt.runner, clock, newId: rt.newId, identity: rt.identity, access: rt.access, logger: rt.logger, notify: async (_scope, n) => void sent.push(n) });
      const [a, b] = await Promise.all([reviews.sendReminders(), reviews.sendReminders()]);
      expect(a + b).toBe(4); // mgr, admin, owner and ada have undecided items
      expect(sent.filter((n) => n.type === 'access.review.reminder').map((n) => n.recipients[0].userId).sort()).toEqual([o.mgr.id, o.admin.id, o.owner.id, o.ada.id].sort());
      expect(await reviews.sendReminders()).toBe(0);
      clock.advance(DAY);
      expect(await reviews.sendReminders()).toBe(4);
      expect((await listEventsViaApi(s, '?action=access.review.reminder_sent')).length).toBe(8);

      sent.length = 0;
      await reviews.createCampaign({ actor: { type: 'system', id: 'test', display: 'test' }, request: { requestId: 't', ip: null, userAgent: null } }, 'acme', { name: 'told', ownerId: o.owner.id, dueAt: new Date(clock.now().getTime() + DAY).toISOString() });
      const assigned = sent.filter((n) => n.type === 'access.review.assigned');
      expect(assigned.map((n) => [n.recipients[0].userId, n.data.items]).sort()).toEqual(
        [
          [o.mgr.id, 2],
          [o.admin.id, 2],
          [o.owner.id, 1],
          [o.ada.id, 1],
        ].sort(),
      );
      const told = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-reviews?kind=ad_hoc')).items.find((c: Json) => c.name === 'told');
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/access-reviews/${told.id}/close`);
    });

    it('a quarter after the first scheduled campaign a new one exists; without a closed review past everyMonths + durationDays, a finding', async () => {
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/access-reviews/${(await scheduled())[0].id}/close`);
      clock.set('2026-03-01T09:00:00.000Z');
      expect(await s.rt.accessReviews.openScheduled()).toBe(0);
      clock.set('2026-04-05T09:00:00.000Z'); // three months after the first
      const [c, d] = await Promise.all([s.rt.accessReviews.openScheduled(), s.rt.accessReviews.openScheduled()]);
      expect(c + d).toBe(1);
      const all = await scheduled();
      expect(all).toHaveLength(2);
      expect(all[1]).toMatchObject({ status: 'open', startsAt: '2026-04-05T09:00:00.000Z' });
      expect(await s.rt.accessReviews.openScheduled()).toBe(0);
      expect((await s.rt.accessReviews.listReviewFindings(orgId)).map((f) => f.type)).not.toContain('review_missing');
      // The last close was 2026-01-21 (the ad hoc one): three months and 14 days later, a review is missing.
      clock.set('2026-05-10T09:00:00.000Z');
      const missing = (await s.rt.accessReviews.listReviewFindings(orgId)).find((f) => f.type === 'review_missing')!;
      expect(missing).toMatchObject({ severity: 'high', subject: { type: 'organization', id: orgId }, since: '2026-05-05T09:00:00.000Z' });
      expect(missing.eventIds).toHaveLength(1);
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/access-reviews/${all[1].id}/close`);
      expect((await s.rt.accessReviews.listReviewFindings(orgId)).map((f) => f.type)).not.toContain('review_missing');
    });

    it('a change of department, title or manager records lifecycle.user.moved and opens a mover review of that user’s access, by the new manager, due in 7 days', async () => {
      const newMgr = await ok(s, 201, 'POST', '/api/v1/users', { email: 'newmgr@acme.test', org: 'acme' });
      const { res, events } = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${o.ada.id}`, { body: { department: 'Finance', managerId: newMgr.id } }));
      expect(res.statusCode).toBe(200);
      expect(events.map((e) => e.action)).toEqual(['identity.user.updated', 'lifecycle.user.moved', 'access.review.campaign_opened']);
      expect(events[1].data).toEqual({ userId: o.ada.id, source: 'admin', before: { department: null, title: null, managerId: o.mgr.id }, after: { department: 'Finance', title: null, managerId: newMgr.id } });
      const mover = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-reviews?kind=mover')).items as Json[];
      expect(mover).toHaveLength(1);
      expect(mover[0]).toMatchObject({ kind: 'mover', subjectUserId: o.ada.id, ownerId: o.owner.id, dueAt: new Date(clock.now().getTime() + 7 * DAY).toISOString(), counts: { items: 2 } });
      const items = await allItems(s, 'acme', mover[0].id);
      expect(items.map((i) => [i.principal.id, i.reviewerId])).toEqual([
        [o.ada.id, newMgr.id],
        [o.ada.id, newMgr.id],
      ]);

      // A title change of someone without a manager: the chain goes on (an admin); a name change is no move.
      const bob = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${o.bob.id}`, { body: { title: 'Lead' } }));
      expect(bob.events.map((e) => e.action)).toEqual(['identity.user.updated', 'lifecycle.user.moved', 'access.review.campaign_opened']);
      const bobCampaign = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-reviews?kind=mover')).items.find((c: Json) => c.subjectUserId === o.bob.id);
      expect((await allItems(s, 'acme', bobCampaign.id)).map((i) => i.reviewerId)).toEqual([o.admin.id]);
      const renamed = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${o.bob.id}`, { body: { name: 'Robert' } }));
      expect(renamed.events.map((e) => e.action)).toEqual(['identity.user.updated']);
      // Someone holding no role moves: recorded, nothing to review.
      const noRoles = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${newMgr.id}`, { body: { department: 'Finance' } }));
      expect(noRoles.events.map((e) => e.action)).toEqual(['identity.user.updated', 'lifecycle.user.moved']);
    });

    it('an organization where nobody holds a role gets its scheduled review recorded and closed at once, never an overdue campaign', async () => {
      await ok(s, 201, 'POST', '/api/v1/organizations', { slug: 'quiet', name: 'Quiet' });
      await ok(s, 201, 'POST', '/api/v1/users', { email: 'solo@quiet.test', org: 'quiet' });
      const { events } = await eventsDuring(s, async () => {
        await s.rt.accessReviews.openScheduled();
        return s.request('GET', '/api/v1/organizations/quiet');
      });
      const quietId = (await ok(s, 200, 'GET', '/api/v1/organizations/quiet')).id;
      const mine = events.filter((e) => e.org === quietId);
      expect(mine.map((e) => [e.action, e.data.closedBy ?? null])).toEqual([
        ['access.review.campaign_opened', null],
        ['access.review.campaign_closed', 'nothing_to_review'],
      ]);
      const [campaign] = (await ok(s, 200, 'GET', '/api/v1/organizations/quiet/access-reviews')).items;
      expect(campaign).toMatchObject({ kind: 'scheduled', status: 'closed', counts: { items: 0 } });
      clock.set(new Date(clock.now().getTime() + 30 * DAY).toISOString());
      await s.rt.accessReviews.markOverdue();
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/quiet/access-findings')).items).toEqual([]);
    });
  });
}
