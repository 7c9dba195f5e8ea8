import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';
import { createOrg, createRole, createUser, expectError, expectNothingChanged, ledgerNextSeq, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { openUserSession, sessionHeaders } from '../support/user-session.ts';

const MINUTE = 60_000;

for (const dialect of DIALECTS) {
  describe(`elevation through approval on ${dialect}`, () => {
    const clock = new ManualClock('2026-05-04T08:00:00.000Z');
    let s: HttpSuite;
    let ada: Record<string, any>;
    let olive: Record<string, any>;
    let nina: Record<string, any>;
    const as = (cookie: string) => ({
      get: (url: string) => s.request('GET', url, { key: null, headers: { cookie } }),
      post: (url: string, body: unknown) => s.request('POST', url, { key: null, body, headers: sessionHeaders(cookie) }),
    });
    const held = async (cookie: string) => ((await as(cookie).get('/api/v1/me')).json().roles as Array<{ roleKey: string; expiresAt: string | null }>).map((r) => `${r.roleKey}@${r.expiresAt}`);
    const eventsFrom = async (seq: number): Promise<LedgerEvent[]> => (await listEventsViaApi(s, '?limit=200')).filter((e) => e.seq >= seq);

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await createOrg(s, 'acme');
      ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      olive = await createUser(s, { email: 'olive@acme.test', org: 'acme' });
      nina = await createUser(s, { email: 'nina@acme.test', org: 'acme' });
      await createRole(s, 'acme', 'prod-admin', {
        permissions: ['prod:*'],
        privileged: true,
        ownerId: olive.id,
        approval: { approvers: ['owner', 'named'], namedApprovers: [nina.id] },
        elevation: { maxActivationMinutes: 60, activationRequiresApproval: true },
      });
    });
    afterAll(async () => s?.close());

    it('an activation that needs approval starts only with the last of two approvals, in that transaction, and ends by itself', async () => {
      const eligibility = await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-eligibilities', { role: 'prod-admin', principalId: ada.id, reason: 'on-call', approvalRef: 'CHG-7' });
      const passkey = await openUserSession(s.rt, ada.id);
      const password = await openUserSession(s.rt, ada.id, { amr: ['pwd'] });
      const ask = { eligibilityId: eligibility.id, justification: 'INC-812: payment outage', durationMinutes: 45 };
      const oliveSession = await openUserSession(s.rt, olive.id);
      await expectNothingChanged(s.rt, async () => {
        expectError(await as(passkey.cookie).post('/api/v1/me/elevations', ask), 409, 'elevation.approval_required');
        expectError(await as(password.cookie).post('/api/v1/me/elevation-requests', ask), 401, 'authn.step_up_required');
        expectError(await as(passkey.cookie).post('/api/v1/me/elevation-requests', { ...ask, durationMinutes: 61 }), 422, 'elevation.duration_invalid');
        expectError(await as(oliveSession.cookie).post('/api/v1/me/elevation-requests', ask), 404, 'eligibility.not_found');
      });

      const asked = await as(passkey.cookie).post('/api/v1/me/elevation-requests', ask);
      expect(asked.statusCode).toBe(201);
      const request = asked.json();
      expect(request).toMatchObject({ kind: 'activation', status: 'pending', eligibilityId: eligibility.id, durationMinutes: 45, reason: ask.justification });
      // The asker cannot approve their own activation.
      expectError(await expectNothingChanged(s.rt, () => as(passkey.cookie).post(`/api/v1/me/approvals/${request.id}/approve`, {})), 403, 'access_request.self_approval');

      const olives = await openUserSession(s.rt, olive.id);
      const ninas = await openUserSession(s.rt, nina.id);
      clock.advance(5 * MINUTE);
      expect((await as(olives.cookie).post(`/api/v1/me/approvals/${request.id}/approve`, { comment: 'ok for the incident' })).statusCode).toBe(200);
      expect(await held(passkey.cookie)).toEqual([]);

      clock.advance(2 * MINUTE);
      const seq = await ledgerNextSeq(s.rt);
      const second = await as(ninas.cookie).post(`/api/v1/me/approvals/${request.id}/approve`, {});
      expect(second.statusCode).toBe(200);
      expect(second.json()).toMatchObject({ status: 'approved' });
      const expiresAt = new Date(clock.now().getTime() + 45 * MINUTE).toISOString();
      expect(await held(passkey.cookie)).toEqual([`prod-admin@${expiresAt}`]);
      const events = await eventsFrom(seq);
      expect(events.map((e) => e.action)).toEqual(['access.request.approval_recorded', 'access.request.approved', 'access.elevation.activated']);
      expect(new Set(events.map((e) => e.time)).size).toBe(1);
      const activated = events[2];
      expect(activated.data).toMatchObject({ eligibilityId: eligibility.id, principalId: ada.id, justification: ask.justification, durationMinutes: 45, expiresAt });
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/acme/access-requests/${request.id}`)).assignmentId).toBe(activated.data.assignmentId);

      // It ends by itself: gone from the next request, and the scheduler records the end once.
      clock.advance(46 * MINUTE);
      const fresh = await openUserSession(s.rt, ada.id);
      expect(await held(fresh.cookie)).toEqual([]);
      const before = await ledgerNextSeq(s.rt);
      await s.rt.scheduler.tick();
      await s.rt.scheduler.tick();
      const ended = (await eventsFrom(before)).filter((e) => e.action === 'access.elevation.ended');
      expect(ended.map((e) => [e.data.assignmentId, e.data.reason, e.data.expiredAt])).toEqual([[activated.data.assignmentId, 'expired', expiresAt]]);
    });

    it('an approved eligibility request makes its principal eligible (not a holder)', async () => {
      const bob = await createUser(s, { email: 'bob@acme.test', org: 'acme' });
      const request = await ok(s, 201, 'POST', '/api/v1/organizations/acme/access-requests', { role: 'prod-admin', principalType: 'user', principalId: bob.id, reason: 'joins the on-call rota', kind: 'eligibility' });
      expect(request).toMatchObject({ kind: 'eligibility', status: 'pending', approvalsRequired: 2 });
      for (const approver of [olive, nina]) {
        const { cookie } = await openUserSession(s.rt, approver.id);
        expect((await as(cookie).post(`/api/v1/me/approvals/${request.id}/approve`, {})).statusCode).toBe(200);
      }
      const decided = await ok(s, 200, 'GET', `/api/v1/organizations/acme/access-requests/${request.id}`);
      expect(decided.status).toBe('approved');
      const eligibilities = (await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities?principalId=${bob.id}`)).items;
      expect(eligibilities.map((e: any) => [e.id, e.approvalRef, e.active])).toEqual([[decided.eligibilityId, `access_request:${request.id}`, true]]);
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments?principalId=${bob.id}`)).items).toEqual([]);
    });
  });
}
