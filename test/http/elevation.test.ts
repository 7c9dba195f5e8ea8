import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';
import { createOrg, createRole, createUser, eventsDuring, expectError, expectNothingChanged, grantRole, ledgerNextSeq, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { openUserSession, sessionHeaders } from '../support/user-session.ts';

const MINUTE = 60_000;

for (const dialect of DIALECTS) {
  describe(`just-in-time elevation on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let s: HttpSuite;
    let ada: Record<string, any>;
    let bob: Record<string, any>;
    let dbAdmin: Record<string, any>;

    const asUser = (cookie: string) => ({
      get: (url: string) => s.request('GET', url, { key: null, headers: { cookie } }),
      post: (url: string, body: unknown) => s.request('POST', url, { key: null, body, headers: sessionHeaders(cookie) }),
    });
    const heldKeys = async (cookie: string) => ((await asUser(cookie).get('/api/v1/me')).json().roles as Array<{ roleKey: string }>).map((r) => r.roleKey).sort();
    const eligible = (principalId: string, role: string, extra: Record<string, unknown> = {}) => ok(s, 201, 'POST', '/api/v1/organizations/acme/role-eligibilities', { role, principalId, reason: 'on-call rota', approvalRef: 'CHG-1', ...extra });
    const eventsSince = async (seq: number): Promise<LedgerEvent[]> => (await listEventsViaApi(s)).filter((e) => e.seq >= seq);
    const justification = 'INC-4711: database failover';

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await createOrg(s, 'acme');
      ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      bob = await createUser(s, { email: 'bob@acme.test', org: 'acme' });
      dbAdmin = await createRole(s, 'acme', 'db-admin', { permissions: ['db:write'], privileged: true, elevation: { maxActivationMinutes: 30 } });
    });
    afterAll(async () => s?.close());

    it('an administrator makes a user eligible (not a holder); duplicates, outsiders and past expiries are refused', async () => {
      const { res, events } = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/acme/role-eligibilities', { body: { role: 'db-admin', principalId: ada.id, reason: 'on-call rota', approvalRef: 'CHG-1' } }));
      expect(res.statusCode).toBe(201);
      const e = res.json();
      expect(e).toMatchObject({ roleId: dbAdmin.id, principal: { type: 'user', id: ada.id }, approvalRef: 'CHG-1', active: true, endedAt: null, expiresAt: null });
      expect(events.map((x) => [x.action, x.data])).toEqual([
        ['access.eligibility.granted', { eligibilityId: e.id, roleId: dbAdmin.id, roleKey: 'db-admin', privileged: true, principalType: 'user', principalId: ada.id, approvalRef: 'CHG-1', reason: 'on-call rota', expiresAt: null }],
      ]);
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities/${e.id}`)).toEqual(e);
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities?principalId=${ada.id}&active=true`)).items).toEqual([e]);
      // Eligible is not holding: no assignment exists.
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments?principalId=${ada.id}`)).items).toEqual([]);

      const outsider = await createUser(s, { email: 'out@elsewhere.test' });
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', '/api/v1/organizations/acme/role-eligibilities', { body: { role: 'db-admin', principalId: ada.id } }), 409, 'eligibility.exists');
        expectError(await s.request('POST', '/api/v1/organizations/acme/role-eligibilities', { body: { role: 'db-admin', principalId: outsider.id } }), 422, 'eligibility.principal_invalid');
        expectError(await s.request('POST', '/api/v1/organizations/acme/role-eligibilities', { body: { role: 'db-admin', principalId: bob.id, expiresAt: '2026-03-02T08:00:00.000Z' } }), 422, 'eligibility.expiry_invalid');
        expectError(await s.request('POST', '/api/v1/organizations/acme/role-eligibilities', { body: { role: 'nope', principalId: bob.id } }), 404, 'role.not_found');
      });
    });

    it('a password-only session, and a passkey sign-in older than the step-up window, are refused and nothing changes', async () => {
      const [mine] = (await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities?principalId=${ada.id}`)).items;
      const password = await openUserSession(s.rt, ada.id, { amr: ['pwd'] });
      const refused = await expectNothingChanged(s.rt, () => asUser(password.cookie).post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 10 }));
      expectError(refused, 401, 'authn.step_up_required');
      expect(refused.json().error.details).toEqual({ freshnessSeconds: 600, level: 'phishing_resistant' });

      const passkey = await openUserSession(s.rt, ada.id);
      clock.advance(11 * MINUTE); // past the default 10-minute step-up window, within the session's idle timeout
      expect(await heldKeys(passkey.cookie)).toEqual([]); // (a read slides the session's idle window; the refusal below changes nothing)
      expectError(await expectNothingChanged(s.rt, () => asUser(passkey.cookie).post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 10 })), 401, 'authn.step_up_required');
    });

    it('activation with a fresh passkey session: GET /me shows the role; the ledger has who, why, how long and from which session', async () => {
      const [mine] = (await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities?principalId=${ada.id}`)).items;
      const { cookie, session } = await openUserSession(s.rt, ada.id);
      const me = asUser(cookie);
      // Over the role's maximum, or no reason given: refused, nothing changes.
      await expectNothingChanged(s.rt, async () => {
        const tooLong = await me.post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 31 });
        expectError(tooLong, 422, 'elevation.duration_invalid');
        expect(tooLong.json().error.details).toEqual({ maxMinutes: 30 });
        expectError(await me.post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 0 }), 400, 'request.invalid');
        expectError(await me.post('/api/v1/me/elevations', { eligibilityId: mine.id, justification: 'because', durationMinutes: 10 }), 400, 'request.invalid');
        expectError(await me.post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 10, extra: 1 }), 400, 'request.invalid');
      });

      const { res, events } = await eventsDuring(s, () => me.post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 20 }));
      expect(res.statusCode).toBe(201);
      const activation = res.json();
      const expiresAt = new Date(clock.now().getTime() + 20 * MINUTE).toISOString();
      expect(activation).toMatchObject({ kind: 'activation', eligibilityId: mine.id, justification, principal: { type: 'user', id: ada.id }, grantedBy: { type: 'user', id: ada.id }, expiresAt, active: true });
      expect(events.map((e) => e.action)).toEqual(['access.elevation.activated']);
      expect(events[0].actor).toMatchObject({ type: 'user', id: ada.id });
      expect(events[0].data).toEqual({
        eligibilityId: mine.id,
        assignmentId: activation.id,
        roleId: dbAdmin.id,
        roleKey: 'db-admin',
        privileged: true,
        principalId: ada.id,
        justification,
        durationMinutes: 20,
        expiresAt,
        approvalRef: null,
        sessionId: session.id,
        sessionAmr: ['hwk', 'user'],
      });
      expect(await heldKeys(cookie)).toEqual(['db-admin']);
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments/${activation.id}`)).toEqual(activation);
      const mineNow = (await me.get('/api/v1/me/eligibilities')).json().items;
      expect(mineNow).toEqual([expect.objectContaining({ id: mine.id, active: true, role: expect.objectContaining({ key: 'db-admin', maxActivationMinutes: 30 }), activation: { assignmentId: activation.id, expiresAt, justification } })]);
      // Already active: a second activation is refused.
      expectError(await expectNothingChanged(s.rt, () => me.post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 5 })), 409, 'elevation.already_active');
    });

    it('an expired activation is gone on the next request with nobody acting; the expiry job then records its end once, even run twice at once', async () => {
      clock.advance(21 * MINUTE);
      const { cookie: later } = await openUserSession(s.rt, ada.id);
      expect(await heldKeys(later)).toEqual([]);
      const [row] = await s.rt.database.db.selectFrom('role_assignments').selectAll().where('kind', '=', 'activation').execute();
      expect(row.ended_at).toBeNull(); // nobody ran the job yet: the read alone drops it

      const seq = await ledgerNextSeq(s.rt);
      const counts = await Promise.all([s.rt.elevation.endExpired(), s.rt.elevation.endExpired()]);
      expect(counts[0] + counts[1]).toBe(1);
      const events = await eventsSince(seq);
      expect(events.map((e) => [e.action, e.data])).toEqual([
        ['access.elevation.ended', { assignmentId: row.id, eligibilityId: row.eligibility_id, roleId: dbAdmin.id, roleKey: 'db-admin', principalId: ada.id, reason: 'expired', detail: null, endedAt: row.expires_at, expiredAt: row.expires_at }],
      ]);
      expect(events[0].actor).toMatchObject({ type: 'system', id: 'elevation-expiry' });
      const closed = await s.rt.database.db.selectFrom('role_assignments').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      expect(closed).toMatchObject({ ended_at: row.expires_at, end_reason: 'expired' });
      expect(await s.rt.elevation.endExpired()).toBe(0);
      expect(await ledgerNextSeq(s.rt)).toBe(seq + 1);
    });

    it('the user ends an activation early; someone else can neither end it nor activate the eligibility', async () => {
      const [mine] = (await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities?principalId=${ada.id}`)).items;
      const ada1 = asUser((await openUserSession(s.rt, ada.id)).cookie);
      const bob1 = asUser((await openUserSession(s.rt, bob.id)).cookie);
      // Bob, fresh passkey and all, cannot use Ada's eligibility: it does not exist for him.
      expectError(await expectNothingChanged(s.rt, () => bob1.post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 5 })), 404, 'eligibility.not_found');
      const activation = (await ada1.post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 15 })).json();
      expectError(await expectNothingChanged(s.rt, () => bob1.post(`/api/v1/me/elevations/${activation.id}/deactivate`, {})), 404, 'elevation.not_found');

      const { res, events } = await eventsDuring(s, () => ada1.post(`/api/v1/me/elevations/${activation.id}/deactivate`, { reason: 'done' }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: activation.id, active: false, endedAt: clock.now().toISOString(), endReason: 'deactivated' });
      expect(events.map((e) => [e.action, e.data.reason, e.data.detail])).toEqual([['access.elevation.ended', 'deactivated', 'done']]);
      expect((await ada1.get('/api/v1/me')).json().roles).toEqual([]);
      expectError(await ada1.post(`/api/v1/me/elevations/${activation.id}/deactivate`, {}), 409, 'elevation.already_ended');
    });

    it('an administrator revoking an activation records its end (revoked); a role that needs approval cannot be activated directly', async () => {
      const [mine] = (await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities?principalId=${ada.id}`)).items;
      const ada1 = asUser((await openUserSession(s.rt, ada.id)).cookie);
      const activation = (await ada1.post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 15 })).json();
      const { events } = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/role-assignments/${activation.id}/revoke`, { body: { reason: 'suspicious' } }));
      expect(events.map((e) => [e.action, e.data.reason])).toEqual([
        ['access.assignment.revoked', 'suspicious'],
        ['access.elevation.ended', 'revoked'],
      ]);

      await createRole(s, 'acme', 'prod-root', { privileged: true, elevation: { activationRequiresApproval: true, maxActivationMinutes: 60 } });
      const gated = await eligible(ada.id, 'prod-root');
      expectError(await expectNothingChanged(s.rt, () => ada1.post('/api/v1/me/elevations', { eligibilityId: gated.id, justification, durationMinutes: 15 })), 409, 'elevation.approval_required');
      // An approved request (another part of the product) starts it through activateInScope, citing the request.
      const { events: started } = await s.rt.runner.run(systemContext('requests', 'approved request'), (scope) =>
        s.rt.elevation.activateInScope(scope, { eligibilityId: gated.id, principalId: ada.id, justification, durationMinutes: 15, approvalRef: 'REQ-9', session: null }),
      );
      expect(started.map((e) => [e.action, e.data.approvalRef, e.data.sessionId])).toEqual([['access.elevation.activated', 'REQ-9', null]]);
    });

    it('expiry ends standing assignments and eligibilities too, each recorded once', async () => {
      await createRole(s, 'acme', 'viewer');
      const standing = await grantRole(s, 'acme', 'viewer', bob.id, { expiresAt: new Date(clock.now().getTime() + 5 * MINUTE).toISOString() });
      const shortEligibility = await eligible(bob.id, 'db-admin', { expiresAt: new Date(clock.now().getTime() + 5 * MINUTE).toISOString() });
      clock.advance(16 * MINUTE); // the prod-root activation above (15 minutes) runs out too
      const seq = await ledgerNextSeq(s.rt);
      expect(await s.rt.elevation.endExpired()).toBe(3);
      const events = await eventsSince(seq);
      expect(events.map((e) => e.action).sort()).toEqual(['access.assignment.expired', 'access.elevation.ended', 'access.eligibility.expired']);
      expect(events.find((e) => e.action === 'access.assignment.expired')!.data).toEqual({ assignmentId: standing.id, roleId: standing.roleId, roleKey: 'viewer', principalType: 'user', principalId: bob.id, expiredAt: standing.expiresAt });
      expect(events.find((e) => e.action === 'access.eligibility.expired')!.data).toMatchObject({ eligibilityId: shortEligibility.id, expiredAt: shortEligibility.expiresAt });
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities/${shortEligibility.id}`)).toMatchObject({ active: false, endedAt: shortEligibility.expiresAt, endReason: 'expired' });
      expect(await s.rt.elevation.endExpired()).toBe(0);
    });

    it('an activation may not outlast its eligibility; revoking the eligibility ends a running activation', async () => {
      const carol = await createUser(s, { email: 'carol@acme.test', org: 'acme' });
      const e = await eligible(carol.id, 'db-admin', { expiresAt: new Date(clock.now().getTime() + 10 * MINUTE).toISOString() });
      const carol1 = asUser((await openUserSession(s.rt, carol.id)).cookie);
      expectError(await carol1.post('/api/v1/me/elevations', { eligibilityId: e.id, justification, durationMinutes: 20 }), 422, 'elevation.duration_invalid');
      const activation = (await carol1.post('/api/v1/me/elevations', { eligibilityId: e.id, justification, durationMinutes: 5 })).json();
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/role-eligibilities/${e.id}/revoke`, { body: { reason: 'rota ended' } }));
      expect(res.json()).toMatchObject({ active: false, endReason: 'rota ended' });
      expect(events.map((x) => x.action)).toEqual(['access.eligibility.revoked', 'access.assignment.revoked', 'access.elevation.ended']);
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments/${activation.id}`)).toMatchObject({ active: false });
      expectError(await s.request('POST', `/api/v1/organizations/acme/role-eligibilities/${e.id}/revoke`), 409, 'eligibility.already_ended');
      expectError(await carol1.post('/api/v1/me/elevations', { eligibilityId: e.id, justification, durationMinutes: 5 }), 409, 'elevation.eligibility_ended');
    });

    it('a leaver loses their eligibilities: leaving the organization and deprovisioning each end them, recorded', async () => {
      const dan = await createUser(s, { email: 'dan@acme.test', org: 'acme' });
      const erin = await createUser(s, { email: 'erin@acme.test', org: 'acme' });
      const dans = await eligible(dan.id, 'db-admin');
      const erins = await eligible(erin.id, 'db-admin');
      const dan1 = asUser((await openUserSession(s.rt, dan.id)).cookie);
      const running = (await dan1.post('/api/v1/me/elevations', { eligibilityId: dans.id, justification, durationMinutes: 10 })).json();

      const left = await eventsDuring(s, () => s.request('DELETE', `/api/v1/organizations/acme/members/${dan.id}`));
      expect(left.res.statusCode).toBe(204);
      expect(left.events.filter((e) => e.action.startsWith('access.')).map((e) => [e.action, e.data.reason])).toEqual([
        ['access.assignment.revoked', 'membership ended'],
        ['access.elevation.ended', 'principal_left'],
        ['access.eligibility.revoked', 'membership ended'],
      ]);
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities/${dans.id}`)).toMatchObject({ active: false, endReason: 'membership ended' });
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments/${running.id}`)).toMatchObject({ active: false });

      const gone = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/users/${erin.id}/deprovision`, { body: { reason: 'resigned' } }));
      expect(gone.res.statusCode).toBe(200);
      expect(gone.events.filter((e) => e.action === 'access.eligibility.revoked').map((e) => e.data)).toEqual([
        { eligibilityId: erins.id, roleId: dbAdmin.id, roleKey: 'db-admin', principalId: erin.id, reason: 'user deprovisioned' },
      ]);
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities/${erins.id}`)).toMatchObject({ active: false, endReason: 'user deprovisioned' });
    });

    it('two activations of one eligibility at once: exactly one starts', async () => {
      await createRole(s, 'acme', 'db-read', { privileged: true, elevation: { maxActivationMinutes: 30 } });
      const e = await eligible(bob.id, 'db-read');
      const seq = await ledgerNextSeq(s.rt);
      // Two commands side by side (two nodes, two tabs): on PostgreSQL each has its own connection and transaction.
      const start = () => s.rt.runner.run(systemContext('test', 'race'), (scope) => s.rt.elevation.activateInScope(scope, { eligibilityId: e.id, principalId: bob.id, justification, durationMinutes: 10, approvalRef: null, session: null }));
      const both = await Promise.allSettled([start(), start()]);
      expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'elevation.already_active' });
      expect((await eventsSince(seq)).map((x) => x.action)).toEqual(['access.elevation.activated']);
      const rows = await s.rt.database.db.selectFrom('role_assignments').select('id').where('eligibility_id', '=', e.id).execute();
      expect(rows).toHaveLength(1);
    });

    it('findings: a standing assignment of a privileged role that does not allow standing holders, citing its grant; activations and allowed roles are not findings', async () => {
      const org = await ok(s, 200, 'GET', '/api/v1/organizations/acme');
      await createRole(s, 'acme', 'break-glass', { privileged: true, allowStanding: true });
      await createRole(s, 'acme', 'ops', { privileged: true });
      await grantRole(s, 'acme', 'break-glass', bob.id);
      const granted = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/acme/role-assignments', { body: { role: 'ops', principalType: 'user', principalId: bob.id } }));
      const standing = granted.res.json();
      // Ada activates db-admin: just in time, not a finding.
      const [mine] = (await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities?principalId=${ada.id}&role=db-admin`)).items;
      expect((await asUser((await openUserSession(s.rt, ada.id)).cookie).post('/api/v1/me/elevations', { eligibilityId: mine.id, justification, durationMinutes: 10 })).statusCode).toBe(201);

      const findings = await s.rt.elevation.listElevationFindings('acme');
      expect(findings).toEqual([
        {
          type: 'standing_privileged_assignment',
          severity: 'high',
          orgId: org.id,
          subject: { type: 'role_assignment', id: standing.id, display: 'ops' },
          since: standing.createdAt,
          summary: expect.stringContaining('"ops"'),
          eventIds: [granted.events[0].id],
        },
      ]);
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/role-assignments/${standing.id}/revoke`, {});
      expect(await s.rt.elevation.listElevationFindings(org.id)).toEqual([]);
    });
  });
}
