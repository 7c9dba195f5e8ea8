import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createRole, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { openUserSession, sessionHeaders } from '../support/user-session.ts';
import { allItems, openCampaign, reviewOrg } from '../access/review-fixtures.ts';
import { collectCc63 } from '../../src/evidence/criteria/cc6-3-role-changes.ts';
import { rowsNotRecomputable, sectionFor, table } from './sections.ts';

type Json = Record<string, any>;
const START = '2026-03-02T09:00:00.000Z';
const FROM = '2026-03-03T00:00:00.000Z';
const HOUR = 3_600_000;

describe.each(DIALECTS)('evidence CC6.3 (role changes and access reviews) on %s', (dialect) => {
  const clock = new ManualClock(START);
  let s: HttpSuite;
  let o: Awaited<ReturnType<typeof reviewOrg>>;
  let quietUntil: string;
  let end: string;
  const ids: Json = {};

  const asUser = async (userId: string, url: string, body: unknown = {}) => {
    const { cookie } = await openUserSession(s.rt, userId);
    return s.request('POST', url, { key: null, headers: sessionHeaders(cookie), body });
  };

  beforeAll(async () => {
    s = await startHttpSuite(dialect, { clock });
    o = await reviewOrg(s, 'acme');
    await createRole(s, 'acme', 'reports', { ownerId: o.owner.id });
    clock.set(new Date('2026-03-03T10:00:00.000Z'));
    // In the window: a request approved by the role's owner, then its grant.
    const filed = await ok(s, 201, 'POST', '/api/v1/organizations/acme/access-requests', { role: 'reports', principalType: 'user', principalId: o.ada.id, reason: 'month end' });
    ids.request = filed.id;
    clock.advance(HOUR);
    const approved = await asUser(o.owner.id, `/api/v1/me/approvals/${filed.id}/approve`, { comment: 'fine' });
    expect(approved.statusCode).toBe(200);
    ids.approvedAssignment = approved.json().assignmentId;
    clock.advance(HOUR);
    quietUntil = clock.now().toISOString();
    clock.advance(HOUR);
    // A grant with no approval at all, one with an external reference, a revocation, a role change.
    ids.unapproved = (await grantRole(s, 'acme', 'viewer', o.owner.id)).id;
    ids.referenced = (await grantRole(s, 'acme', 'reports', o.bob.id, { approvalRef: 'CHG-7' })).id;
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/role-assignments/${o.a.bobViewer.id}/revoke`, { reason: 'moved team' });
    await ok(s, 200, 'PATCH', '/api/v1/organizations/acme/roles/reports', { permissions: ['reports:read', 'reports:export'] });
    // A campaign: the manager keeps one item, the admin closes it with the rest undecided.
    const campaign = await openCampaign(s, 'acme', { name: 'March review', ownerId: o.owner.id, dueAt: new Date(clock.now().getTime() + 24 * HOUR).toISOString() });
    ids.campaign = campaign.id;
    const items = await allItems(s, 'acme', campaign.id);
    ids.item = items.find((i) => i.assignmentId === o.a.adaViewer.id)!.id;
    clock.advance(HOUR);
    expect((await asUser(o.mgr.id, '/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: ids.item, decision: 'keep', comment: 'needs it' }] })).statusCode).toBe(200);
    ids.items = items.length;
    clock.advance(HOUR);
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/access-reviews/${campaign.id}/close`);
    clock.advance(HOUR);
    end = clock.now().toISOString();
  });
  afterAll(async () => s?.close());

  it('passes a window whose only grant was approved before it took effect', async () => {
    const request = { org: 'acme', from: FROM, to: quietUntil };
    const section = await sectionFor(s.rt, collectCc63, request);
    expect(section.status).toBe('pass');
    const changes = table(section, 'role-changes');
    expect(changes.rows).toHaveLength(1);
    expect(changes.rows[0].row).toMatchObject({
      assignment_id: ids.approvedAssignment,
      change: 'granted',
      principal_id: o.ada.id,
      role_key: 'reports',
      privileged: false,
      authorization: 'request_approved',
      request_id: ids.request,
      approvers: o.owner.id,
      approved_at: '2026-03-03T11:00:00.000Z',
      approved_before_grant: true,
      self_approved: false,
      lacks_approval: false,
    });
    // The grant cites the request's created, approval and approved events and itself.
    expect(changes.rows[0].cites).toHaveLength(4);
    expect(table(section, 'access-review-campaigns').rows).toEqual([]);
    for (const t of section.tables) expect(await rowsNotRecomputable(s.rt, t, request)).toEqual([]);
  });

  it('flags the unapproved grant and the campaign closed with undecided items, and every row recomputes from its cites', async () => {
    const request = { org: 'acme', from: FROM, to: end };
    const section = await sectionFor(s.rt, collectCc63, request);
    expect(section.status).toBe('attention');
    const changes = table(section, 'role-changes').rows.map((r) => r.row);
    expect(changes.map((r) => [r.change, r.assignment_id, r.authorization, r.lacks_approval])).toEqual([
      ['granted', ids.approvedAssignment, 'request_approved', false],
      ['granted', ids.unapproved, 'none', true],
      ['granted', ids.referenced, 'approval_reference', false],
      ['revoked', o.a.bobViewer.id, null, null],
    ]);
    expect(changes[1]).toMatchObject({ approved_before_grant: false, actor_type: 'api_key' });
    expect(changes[2]).toMatchObject({ approval_ref: 'CHG-7', approved_before_grant: null });
    expect(changes[3]).toMatchObject({ reason: 'moved team', principal_id: o.bob.id, role_key: 'viewer' });

    const defs = table(section, 'role-definitions').rows.map((r) => r.row);
    const reportsUpdate = defs.find((d) => d.role_key === 'reports' && d.change === 'updated')!;
    expect(reportsUpdate).toMatchObject({ in_window: true, changed_fields: 'permissions', permissions_before: 'reports:read', permissions_after: 'reports:export reports:read', privileged_before: false, privileged_after: false });
    expect(defs.filter((d) => d.change === 'created').every((d) => d.in_window === false)).toBe(true);

    const campaigns = table(section, 'access-review-campaigns').rows;
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0].row).toMatchObject({ campaign_id: ids.campaign, name: 'March review', closed_by: 'admin', items: ids.items, decided: 1, kept: 1, revoked: 0, undecided: ids.items - 1, all_signed_off_at: null, overdue: false });
    const decisions = table(section, 'access-review-decisions').rows;
    expect(decisions.map((r) => r.row)).toEqual([
      expect.objectContaining({ item_id: ids.item, campaign_name: 'March review', reviewer_id: o.mgr.id, principal_id: o.ada.id, role_key: 'viewer', decision: 'keep', comment: 'needs it', applied: false }),
    ]);
    expect(section.facts).toContainEqual({ label: 'Grants lacking approval', value: 1, attention: true });
    expect(section.facts).toContainEqual({ label: 'Campaigns closed with undecided items', value: 1, attention: true });
    for (const t of section.tables) expect(await rowsNotRecomputable(s.rt, t, request)).toEqual([]);
  });

  it('shows an open campaign past its due time as overdue, counted from its cited decisions', async () => {
    const campaign = await openCampaign(s, 'acme', { name: 'April review', ownerId: o.owner.id, dueAt: new Date(clock.now().getTime() + 2 * HOUR).toISOString() });
    const items = await allItems(s, 'acme', campaign.id);
    const item = items.find((i) => i.assignmentId === o.a.adaViewer.id)!.id;
    expect((await asUser(o.mgr.id, '/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: item, decision: 'revoke', comment: 'left the project' }] })).statusCode).toBe(200);
    clock.advance(3 * HOUR);
    const request = { org: 'acme', from: end, to: clock.now().toISOString() };
    const section = await sectionFor(s.rt, collectCc63, request);
    const row = table(section, 'access-review-campaigns').rows.find((r) => r.row.campaign_id === campaign.id)!;
    expect(row.row).toMatchObject({ closed_at: null, decided: 1, revoked: 1, kept: 0, undecided: items.length - 1, overdue: true });
    expect(section.status).toBe('attention');
    for (const t of section.tables) expect(await rowsNotRecomputable(s.rt, t, request)).toEqual([]);
  });
});
