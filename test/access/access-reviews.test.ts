import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { eventsDuring, expectError, expectNothingChanged, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { allItems, openCampaign, reviewOrg, signedIn } from './review-fixtures.ts';

type Json = Record<string, any>;
const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`access review campaigns on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let s: HttpSuite;
    let o: Awaited<ReturnType<typeof reviewOrg>>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      o = await reviewOrg(s, 'acme');
    });
    afterAll(async () => s?.close());

    const due = () => new Date(clock.now().getTime() + 14 * DAY).toISOString();
    const itemOf = (items: Json[], assignmentId: string) => items.find((i) => i.assignmentId === assignmentId)!;
    const assignment = (id: string) => ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments/${id}`);

    it('snapshots every active assignment, privileged first, each with its reviewer from the chain and never the principal', async () => {
      const { res, events } = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/acme/access-reviews', { body: { name: 'Q1 review', ownerId: o.owner.id, dueAt: due() } }));
      expect(res.statusCode).toBe(201);
      const campaign = res.json();
      expect(campaign).toMatchObject({ kind: 'ad_hoc', status: 'open', ownerId: o.owner.id, applyMode: 'on_close', counts: { items: 6, kept: 0, revoked: 0, undecided: 6 } });
      const opened = events.find((e) => e.action === 'access.review.campaign_opened')!;
      expect(opened.data).toMatchObject({ campaignId: campaign.id, items: 6, privilegedItems: 3, reviewers: 4, unassigned: 0 });

      const items = await allItems(s, 'acme', campaign.id);
      expect(items.map((i) => i.assignmentId).sort()).toEqual(Object.values(o.a).map((a: Json) => a.id).sort());
      expect(items.map((i) => i.privileged)).toEqual([true, true, true, false, false, false]);
      const reviewerOf = (a: Json) => itemOf(items, a.id).reviewerId;
      expect(reviewerOf(o.a.adaViewer)).toBe(o.mgr.id); // the user's manager
      expect(reviewerOf(o.a.adaDb)).toBe(o.mgr.id); // the manager comes before the role's owner
      expect(reviewerOf(o.a.bobViewer)).toBe(o.admin.id); // no manager, no role owner: an organization admin
      expect(reviewerOf(o.a.dbOwnerDb)).toBe(o.admin.id); // the role's owner holds it himself: skipped
      expect(reviewerOf(o.a.adminAdmin)).toBe(o.owner.id); // the only admin is the principal: the campaign owner
      expect(reviewerOf(o.a.ciViewer)).toBe(o.ada.id); // a service account: its owner
      for (const i of items) expect(i.reviewerId).not.toBe(i.principal.id);

      const filtered = await allItems(s, 'acme', campaign.id, `&reviewerId=${o.mgr.id}`);
      expect(filtered.map((i) => i.assignmentId).sort()).toEqual([o.a.adaViewer.id, o.a.adaDb.id].sort());
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/acme/access-reviews/${campaign.id}`)).counts.items).toBe(6);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-reviews?status=open')).items.map((c: Json) => c.id)).toContain(campaign.id);
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/access-reviews/${campaign.id}/close`);
    });

    it('refuses an owner who is not a member and a due time in the past, changing nothing', async () => {
      const stranger = await ok(s, 201, 'POST', '/api/v1/users', { email: 'stranger@else.test' });
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', '/api/v1/organizations/acme/access-reviews', { body: { name: 'x', ownerId: stranger.id, dueAt: due() } }), 422, 'access_review.owner_invalid');
        expectError(await s.request('POST', '/api/v1/organizations/acme/access-reviews', { body: { name: 'x', ownerId: o.owner.id, dueAt: '2020-01-01T00:00:00.000Z' } }), 422, 'access_review.due_invalid');
      });
    });

    it('decides in bulk, all or nothing; refuses someone else’s item, one’s own access and a revoke without a comment', async () => {
      const campaign = await openCampaign(s, 'acme', { name: 'bulk', ownerId: o.owner.id, dueAt: due(), applyMode: 'on_decision' });
      const items = await allItems(s, 'acme', campaign.id);
      const mgr = await signedIn(s, o.mgr.id);
      const admin = await signedIn(s, o.admin.id);
      const mine = (await mgr.get('/api/v1/me/access-reviews')).json().items.filter((i: Json) => i.campaignId === campaign.id);
      expect(mine.map((i: Json) => i.assignmentId)).toEqual([o.a.adaDb.id, o.a.adaViewer.id]); // privileged first
      expect(mine[0].campaign).toMatchObject({ id: campaign.id, name: 'bulk' });

      const adaViewer = itemOf(items, o.a.adaViewer.id).id;
      const adaDb = itemOf(items, o.a.adaDb.id).id;
      const bobViewer = itemOf(items, o.a.bobViewer.id).id;
      const adminOwn = itemOf(items, o.a.adminAdmin.id).id;
      await expectNothingChanged(s.rt, async () => {
        // One good decision and one of someone else's item: neither is kept.
        expectError(await mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: adaViewer, decision: 'keep' }, { itemId: bobViewer, decision: 'keep' }] }), 403, 'access_review.not_reviewer');
        expectError(await mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: adaViewer, decision: 'keep' }, { itemId: adaDb, decision: 'revoke' }] }), 422, 'access_review.comment_required');
        expectError(await mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: adaDb, decision: 'revoke', comment: '   ' }] }), 422, 'access_review.comment_required');
        expectError(await admin.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: adminOwn, decision: 'keep' }] }), 403, 'access_review.self_review');
        expectError(await mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: adaViewer, decision: 'keep' }, { itemId: adaViewer, decision: 'keep' }] }), 400, 'request.invalid');
        expectError(await mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: '00000000-0000-7000-8000-000000000000', decision: 'keep' }] }), 404, 'access_review.item_not_found');
        expectError(await mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: adaViewer, decision: 'maybe' }] }), 400, 'request.invalid');
      });

      const { res, events } = await eventsDuring(s, () => mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: adaViewer, decision: 'keep' }, { itemId: adaDb, decision: 'revoke', comment: 'no longer on the database team' }] }));
      expect(res.statusCode).toBe(200);
      expect(res.json().items.map((i: Json) => [i.decision, i.decidedBy, !!i.appliedAt])).toEqual([
        ['keep', o.mgr.id, false],
        ['revoke', o.mgr.id, true],
      ]);
      // on_decision: the assignment ended at the decision, and the ledger says who decided.
      expect((await assignment(o.a.adaDb.id)).active).toBe(false);
      expect(events.map((e) => e.action)).toEqual(['access.review.item_decided', 'access.review.item_decided', 'access.assignment.revoked']);
      const revoked = events[2];
      expect(revoked.actor).toMatchObject({ type: 'user', id: o.mgr.id });
      expect(revoked.data.reason).toContain(`revoke decided by mgr@acme.test (${o.mgr.id})`);
      expect(events[1].data).toMatchObject({ decision: 'revoke', decidedBy: o.mgr.id, comment: 'no longer on the database team', applied: true });

      expectError(await mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: adaViewer, decision: 'revoke', comment: 'changed my mind' }] }), 409, 'access_review.already_decided');
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/access-reviews/${campaign.id}/close`);
      expectError(await admin.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: bobViewer, decision: 'keep' }] }), 409, 'access_review.closed');
      // Put ada's db-admin back for the other cases.
      o.a.adaDb = await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: 'db-admin', principalType: 'user', principalId: o.ada.id });
    });

    it('delegates an item to another member, never to its holder, and only by its reviewer', async () => {
      const campaign = await openCampaign(s, 'acme', { name: 'delegation', ownerId: o.owner.id, dueAt: due() });
      const items = await allItems(s, 'acme', campaign.id);
      const bobViewer = itemOf(items, o.a.bobViewer.id).id;
      const admin = await signedIn(s, o.admin.id);
      const mgr = await signedIn(s, o.mgr.id);
      await expectNothingChanged(s.rt, async () => {
        expectError(await admin.post(`/api/v1/me/access-reviews/items/${bobViewer}/delegate`, { to: o.bob.id, comment: 'ask bob' }), 403, 'access_review.self_review');
        expectError(await mgr.post(`/api/v1/me/access-reviews/items/${bobViewer}/delegate`, { to: o.mgr.id, comment: 'mine now' }), 403, 'access_review.not_reviewer');
        expectError(await admin.post(`/api/v1/me/access-reviews/items/${bobViewer}/delegate`, { to: o.admin.id, comment: 'me' }), 422, 'access_review.delegate_invalid');
        expectError(await admin.post(`/api/v1/me/access-reviews/items/${bobViewer}/delegate`, { to: '00000000-0000-7000-8000-000000000000', comment: 'nobody' }), 422, 'access_review.delegate_invalid');
        expectError(await admin.post(`/api/v1/me/access-reviews/items/${bobViewer}/delegate`, { to: o.mgr.id }), 400, 'request.invalid');
      });
      const { res, events } = await eventsDuring(s, () => admin.post(`/api/v1/me/access-reviews/items/${bobViewer}/delegate`, { to: o.mgr.id, comment: 'mgr knows bob' }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ reviewerId: o.mgr.id, delegatedFrom: o.admin.id });
      expect(events.map((e) => [e.action, e.data.from, e.data.to])).toEqual([['access.review.item_delegated', o.admin.id, o.mgr.id]]);
      expect((await mgr.get('/api/v1/me/access-reviews')).json().items.map((i: Json) => i.id)).toContain(bobViewer);
      expectError(await admin.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: bobViewer, decision: 'keep' }] }), 403, 'access_review.not_reviewer');
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/access-reviews/${campaign.id}/close`);
    });

    it('reviewers sign off once their items are decided; the owner’s sign-off after them closes the campaign and applies revokes (on_close)', async () => {
      const campaign = await openCampaign(s, 'acme', { name: 'sign-offs', ownerId: o.owner.id, dueAt: due() });
      const items = await allItems(s, 'acme', campaign.id);
      const users = { mgr: await signedIn(s, o.mgr.id), admin: await signedIn(s, o.admin.id), owner: await signedIn(s, o.owner.id), ada: await signedIn(s, o.ada.id), bob: await signedIn(s, o.bob.id) };
      const signOff = (u: keyof typeof users) => users[u].post(`/api/v1/me/access-reviews/${campaign.id}/sign-off`, {});
      expectError(await signOff('mgr'), 409, 'access_review.items_undecided');
      expectError(await signOff('bob'), 403, 'access_review.not_reviewer');

      const decide = async (u: keyof typeof users, decisions: Json[]) => expect((await users[u].post('/api/v1/me/access-reviews/decisions', { decisions })).statusCode).toBe(200);
      await decide('mgr', [{ itemId: itemOf(items, o.a.adaViewer.id).id, decision: 'revoke', comment: '=HYPERLINK("http://evil")' }, { itemId: itemOf(items, o.a.adaDb.id).id, decision: 'keep' }]);
      // on_close: the revoke waits for the close.
      expect((await assignment(o.a.adaViewer.id)).active).toBe(true);
      expect((await signOff('mgr')).statusCode).toBe(200);
      expectError(await signOff('mgr'), 409, 'access_review.already_signed_off');
      await decide('admin', [{ itemId: itemOf(items, o.a.bobViewer.id).id, decision: 'keep' }, { itemId: itemOf(items, o.a.dbOwnerDb.id).id, decision: 'keep' }]);
      await decide('ada', [{ itemId: itemOf(items, o.a.ciViewer.id).id, decision: 'keep' }]);
      expect((await signOff('admin')).statusCode).toBe(200);
      expect((await signOff('ada')).statusCode).toBe(200);
      // The owner reviews the admin's own access, then signs as reviewer, then as owner.
      await decide('owner', [{ itemId: itemOf(items, o.a.adminAdmin.id).id, decision: 'keep' }]);
      expect((await signOff('owner')).json().signedOffAs).toBe('reviewer');
      const { res, events } = await eventsDuring(s, () => signOff('owner'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ signedOffAs: 'owner', campaign: { status: 'closed', counts: { kept: 5, revoked: 1, undecided: 0 } } });
      expect(res.json().campaign.ownerSignedOffAt).toBe(clock.now().toISOString());
      expect(events.map((e) => e.action)).toEqual(['access.assignment.revoked', 'access.review.campaign_closed']);
      expect(events[0].data.reason).toContain(`revoke decided by mgr@acme.test (${o.mgr.id})`);
      expect(events[1].data).toMatchObject({ closedBy: 'owner_sign_off', kept: 5, revoked: 1, undecided: 0, revokedAssignments: [o.a.adaViewer.id] });
      expect((await assignment(o.a.adaViewer.id)).active).toBe(false);
      expectError(await signOff('owner'), 409, 'access_review.closed');

      // The report: every item, reviewer, decision, decider, times; the CSV neutralises formulas.
      const report = await ok(s, 200, 'GET', `/api/v1/organizations/acme/access-reviews/${campaign.id}/report`);
      expect(report.items).toHaveLength(6);
      const revokedRow = report.items.find((i: Json) => i.decision === 'revoke');
      expect(revokedRow).toMatchObject({ reviewerEmail: 'mgr@acme.test', decidedByEmail: 'mgr@acme.test', principal: { display: 'ada@acme.test' }, roleKey: 'viewer' });
      expect(revokedRow.appliedAt).toBe(clock.now().toISOString());
      const csv = await s.request('GET', `/api/v1/organizations/acme/access-reviews/${campaign.id}/report?format=csv`);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      const lines = csv.body.trimEnd().split('\r\n');
      expect(lines[0]).toBe('item_id,principal_type,principal_id,principal,role_id,role_key,privileged,reviewer_id,reviewer_email,delegated_from,decision,comment,decided_by,decided_by_email,decided_at,applied_at');
      expect(lines).toHaveLength(7);
      const line = lines.find((l) => l.includes(',revoke,'))!;
      expect(line).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(line).toContain(`${revokedRow.id},user,${o.ada.id},ada@acme.test`);
      o.a.adaViewer = await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: 'viewer', principalType: 'user', principalId: o.ada.id });
    });

    it('an owner cannot close before every reviewer signed; an admin close applies waiting revokes and leaves the rest undecided (a finding)', async () => {
      const campaign = await openCampaign(s, 'acme', { name: 'admin close', ownerId: o.owner.id, dueAt: due() });
      const items = await allItems(s, 'acme', campaign.id);
      const owner = await signedIn(s, o.owner.id);
      const mgr = await signedIn(s, o.mgr.id);
      await owner.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: itemOf(items, o.a.adminAdmin.id).id, decision: 'keep' }] });
      await owner.post(`/api/v1/me/access-reviews/${campaign.id}/sign-off`, {});
      const early = await owner.post(`/api/v1/me/access-reviews/${campaign.id}/sign-off`, {});
      expectError(early, 409, 'access_review.signoffs_missing');
      expect(early.json().error.details.missing.sort()).toEqual([o.mgr.id, o.admin.id, o.ada.id].sort());
      await mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: itemOf(items, o.a.adaDb.id).id, decision: 'revoke', comment: 'moved teams' }] });
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/access-reviews/${campaign.id}/close`));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'closed', ownerSignedOffAt: null, counts: { kept: 1, revoked: 1, undecided: 4 } });
      expect(events.map((e) => e.action)).toEqual(['access.assignment.revoked', 'access.review.campaign_closed']);
      expect(events[0].actor.type).toBe('api_key');
      expect(events[0].data.reason).toContain(`revoke decided by mgr@acme.test (${o.mgr.id})`);
      expect(events[1].data).toMatchObject({ closedBy: 'admin', undecided: 4 });
      expect((await assignment(o.a.adaDb.id)).active).toBe(false);
      expectError(await s.request('POST', `/api/v1/organizations/acme/access-reviews/${campaign.id}/close`), 409, 'access_review.closed');
      const findings = await s.rt.accessReviews.listReviewFindings((await ok(s, 200, 'GET', '/api/v1/organizations/acme')).id);
      const undecided = findings.find((f) => f.type === 'review_items_undecided' && f.subject.id === campaign.id)!;
      expect(undecided.summary).toContain('4 item(s) undecided');
      const closedEvent = (await listEventsViaApi(s, '?action=access.review.campaign_closed')).find((e) => e.data.campaignId === campaign.id)!;
      expect(undecided.eventIds).toContain(closedEvent.id);
    });

    it('a campaign of another organization is not found through this one', async () => {
      const globex = await reviewOrg(s, 'globex');
      const theirs = await openCampaign(s, 'globex', { name: 'theirs', ownerId: globex.owner.id, dueAt: due() });
      expectError(await s.request('GET', `/api/v1/organizations/acme/access-reviews/${theirs.id}`), 404, 'access_review.not_found');
      expectError(await s.request('GET', `/api/v1/organizations/acme/access-reviews/${theirs.id}/report`), 404, 'access_review.not_found');
      expectError(await s.request('POST', `/api/v1/organizations/acme/access-reviews/${theirs.id}/close`), 404, 'access_review.not_found');
      // acme's reviewers see nothing of globex's campaign.
      const mgr = await signedIn(s, o.mgr.id);
      expect((await mgr.get('/api/v1/me/access-reviews')).json().items.filter((i: Json) => i.campaignId === theirs.id)).toEqual([]);
      const theirItem = (await allItems(s, 'globex', theirs.id))[0];
      expectError(await mgr.post('/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: theirItem.id, decision: 'keep' }] }), 403, 'access_review.not_reviewer');
      expectError(await s.request('GET', '/api/v1/organizations/acme/access-reviews/00000000-0000-7000-8000-000000000000/items'), 404, 'access_review.not_found');
    });
  });
}
