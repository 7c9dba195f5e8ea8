import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext, type LedgerEvent } from '../../src/audit/event.ts';
import { createRole, createUser, eventsDuring, expectError, expectNothingChanged, grantRole, listEventsViaApi, ok, startHttpSuite, type HttpSuite, type Response } from '../support/http.ts';
import { connectDirectory, CORE_GROUP, oktaUser, PATCH_OP, type ScimClient } from '../support/scim.ts';
import { openUserSession, sessionHeaders } from '../support/user-session.ts';
import { createApprovalService, type Notification } from '../../src/access/approvals.ts';
import { computeApprovalEvidence } from '../../src/access/approval-evidence.ts';

type Json = Record<string, any>;
const START = '2026-03-02T09:00:00.000Z';
const REQUESTS = '/api/v1/organizations/acme/access-requests';

/** Access requests decided by approvers before access is granted, through the admin and self-service APIs. */
for (const dialect of DIALECTS) {
  describe(`access requests with approvals, on ${dialect}`, () => {
    const clock = new ManualClock(START);
    let s: HttpSuite;
    let c: ScimClient;
    let ada: Json, mia: Json, olga: Json, nate: Json, bob: Json;

    /** A request as the signed-in user (a fresh session, so a moved clock never finds it idle). */
    const asUser = async (userId: string, method: 'GET' | 'POST', url: string, body?: unknown): Promise<Response> => {
      const { cookie } = await openUserSession(s.rt, userId);
      return s.request(method, url, { key: null, headers: sessionHeaders(cookie), ...(body !== undefined ? { body } : {}) });
    };
    const decide = (userId: string, id: string, verdict: 'approve' | 'deny', body: Json = {}) => asUser(userId, 'POST', `/api/v1/me/approvals/${id}/${verdict}`, body);
    /** A signed-in user whose session is opened now, for requests that must leave the ledger untouched (opening a session is an event). */
    const signIn = async (userId: string) => {
      const { cookie } = await openUserSession(s.rt, userId);
      return (method: 'GET' | 'POST', url: string, body?: unknown) => s.request(method, url, { key: null, headers: sessionHeaders(cookie), ...(body !== undefined ? { body } : {}) });
    };
    const file = (body: Json) => ok(s, 201, 'POST', REQUESTS, { principalType: 'user', principalId: ada.id, reason: 'quarterly close', ...body });
    const heldRoleKeys = async (userId: string) => ((await asUser(userId, 'GET', '/api/v1/me')).json().roles as Json[]).map((r) => r.roleKey).sort();

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      c = await connectDirectory(s, 'acme');
      mia = await createUser(s, { email: 'mia@acme.test', org: 'acme' });
      ada = await createUser(s, { email: 'ada@acme.test', org: 'acme', managerId: mia.id });
      olga = await createUser(s, { email: 'olga@acme.test', org: 'acme' });
      nate = await createUser(s, { email: 'nate@acme.test', org: 'acme' });
      bob = await createUser(s, { email: 'bob@acme.test', org: 'acme' });
      // Privileged: two approvals (the default), from the manager, the owner or the named approver.
      await createRole(s, 'acme', 'db-admin', { privileged: true, ownerId: olga.id, approval: { namedApprovers: [nate.id] } });
      await createRole(s, 'acme', 'reports', { ownerId: olga.id });
      await createRole(s, 'acme', 'wiki', { ownerId: olga.id });
    });
    afterAll(async () => s?.close());

    it('one of two required approvals grants nothing; the second grants in the same transaction', async () => {
      const filed = await file({ role: 'db-admin', durationMinutes: 60 });
      expect(filed).toMatchObject({ status: 'pending', kind: 'grant', approvalsRequired: 2, durationMinutes: 60, expiresAt: '2026-03-16T09:00:00.000Z', approvals: 0, decisions: [], requestedBy: { type: 'api_key' } });
      const waiting = (await asUser(mia.id, 'GET', '/api/v1/me/approvals')).json();
      expect(waiting.items.map((r: Json) => r.id)).toEqual([filed.id]);
      expect((await asUser(bob.id, 'GET', '/api/v1/me/approvals')).json().items).toEqual([]);

      const first = await decide(mia.id, filed.id, 'approve', { comment: 'ok for the close' });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ status: 'pending', approvals: 1, assignmentId: null, decisions: [{ approverId: mia.id, decision: 'approve', comment: 'ok for the close' }] });
      expect(await heldRoleKeys(ada.id)).toEqual([]);
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments?principalId=${ada.id}`)).items).toEqual([]);
      // Decided once: mia sees it no more; olga still does.
      expect((await asUser(mia.id, 'GET', '/api/v1/me/approvals')).json().items).toEqual([]);
      expect((await asUser(olga.id, 'GET', '/api/v1/me/approvals')).json().items.map((r: Json) => r.id)).toEqual([filed.id]);
      expectError(await decide(mia.id, filed.id, 'approve'), 409, 'access_request.already_decided');

      clock.advance(5 * 60_000);
      const { cookie } = await openUserSession(s.rt, olga.id);
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/me/approvals/${filed.id}/approve`, { key: null, headers: sessionHeaders(cookie), body: {} }));
      expect(res.statusCode).toBe(200);
      const done = res.json();
      expect(done).toMatchObject({ status: 'approved', approvals: 2, assignmentId: expect.any(String) });
      expect(events.map((e) => e.action)).toEqual(['access.request.approval_recorded', 'access.request.approved', 'access.assignment.granted']);
      const [recorded, approved, granted] = events;
      expect(recorded.data).toMatchObject({ approverId: olga.id, approvals: 2, approvalsRequired: 2 });
      expect(granted.seq).toBe(approved.seq + 1);
      expect(granted.time).toBe(approved.time);
      expect(approved.data.approvals).toEqual([
        { approverId: mia.id, at: START, comment: 'ok for the close' },
        { approverId: olga.id, at: '2026-03-02T09:05:00.000Z', comment: null },
      ]);
      expect(granted.actor).toMatchObject({ type: 'user', id: olga.id });
      expect(granted.data).toMatchObject({ requestId: filed.id, roleKey: 'db-admin', principalId: ada.id, expiresAt: '2026-03-02T10:05:00.000Z' });
      const assignment = await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments/${done.assignmentId}`);
      expect(assignment).toMatchObject({ requestId: filed.id, grantedBy: { type: 'user', id: olga.id }, approvalRef: null, active: true });
      expect(await heldRoleKeys(ada.id)).toEqual(['db-admin']);
      expect(await ok(s, 200, 'GET', `${REQUESTS}/${filed.id}`)).toMatchObject({ status: 'approved', assignmentId: done.assignmentId });
      expectError(await decide(nate.id, filed.id, 'approve'), 409, 'access_request.not_pending');
    });

    it('refuses self-approval and non-approvers, changing nothing', async () => {
      // Ada asks for herself; she is principal and requester.
      const own = await asUser(ada.id, 'POST', '/api/v1/me/access-requests', { org: 'acme', role: 'reports', reason: 'monthly report' });
      expect(own.statusCode).toBe(201);
      const request = own.json();
      expect(request).toMatchObject({ status: 'pending', requestedBy: { type: 'user', id: ada.id }, source: 'self_service', approvalsRequired: 1 });
      expect((await asUser(ada.id, 'GET', '/api/v1/me/access-requests')).json().items.map((r: Json) => r.id)).toContain(request.id);
      const outsider = await createUser(s, { email: 'out@elsewhere.test' });
      const [asAda, asBob, asOutsider] = await Promise.all([signIn(ada.id), signIn(bob.id), signIn(outsider.id)]);
      await expectNothingChanged(s.rt, async () => {
        expectError(await asAda('POST', `/api/v1/me/approvals/${request.id}/approve`, {}), 403, 'access_request.self_approval');
        expectError(await asAda('POST', `/api/v1/me/approvals/${request.id}/deny`, { comment: 'no' }), 403, 'access_request.self_approval');
        // Bob is a member but neither manager, owner nor named approver.
        expectError(await asBob('POST', `/api/v1/me/approvals/${request.id}/approve`, {}), 403, 'access_request.not_approver');
        expectError(await asBob('POST', '/api/v1/me/approvals/00000000-0000-7000-8000-000000000000/approve', {}), 404, 'access_request.not_found');
        // Outside the organization: it reads as unknown, and its requests are not the outsider's to decide.
        expectError(await asOutsider('POST', '/api/v1/me/access-requests', { org: 'acme', role: 'reports', reason: 'x' }), 404, 'organization.not_found');
        expectError(await asOutsider('POST', `/api/v1/me/approvals/${request.id}/approve`, {}), 403, 'access_request.not_approver');
      });
      expect(await heldRoleKeys(ada.id)).toEqual(['db-admin']);
      // Mia (the manager) may approve; the single required approval grants.
      expect((await decide(mia.id, request.id, 'approve')).json()).toMatchObject({ status: 'approved', assignmentId: expect.any(String) });
      expect(await heldRoleKeys(ada.id)).toEqual(['db-admin', 'reports']);
    });

    it('refuses a request that can never be approved, one for a held role, and a duplicate', async () => {
      await createRole(s, 'acme', 'ownerless', { approval: { approvers: ['owner'] } });
      await createRole(s, 'acme', 'three-eyes', { ownerId: olga.id, approval: { approvalsRequired: 3, approvers: ['owner', 'named'], namedApprovers: [nate.id] } });
      const asOlga = await signIn(olga.id);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', REQUESTS, { body: { role: 'ownerless', principalType: 'user', principalId: ada.id, reason: 'r' } }), 422, 'access_request.no_approvers');
        expectError(await s.request('POST', REQUESTS, { body: { role: 'three-eyes', principalType: 'user', principalId: ada.id, reason: 'r' } }), 422, 'access_request.no_approvers');
        // Olga cannot approve her own request, so for her the role has one approver fewer.
        expectError(await asOlga('POST', '/api/v1/me/access-requests', { org: 'acme', role: 'wiki', reason: 'r' }), 422, 'access_request.no_approvers');
        expectError(await s.request('POST', REQUESTS, { body: { role: 'db-admin', principalType: 'user', principalId: ada.id, reason: 'r' } }), 409, 'assignment.exists');
        expectError(await s.request('POST', REQUESTS, { body: { role: 'nope', principalType: 'user', principalId: ada.id, reason: 'r' } }), 404, 'role.not_found');
      });
      await file({ role: 'wiki' });
      await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', REQUESTS, { body: { role: 'wiki', principalType: 'user', principalId: ada.id, reason: 'again' } }), 409, 'access_request.duplicate'));
    });

    it('one denial denies; a denial needs a comment', async () => {
      const pending = (await ok(s, 200, 'GET', `${REQUESTS}?status=pending`)).items.find((r: Json) => r.principal.id === ada.id);
      expectError(await decide(olga.id, pending.id, 'deny', {}), 400, 'request.invalid');
      expectError(await decide(olga.id, pending.id, 'deny', { comment: '  ' }), 400, 'request.invalid');
      const { cookie } = await openUserSession(s.rt, olga.id);
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/me/approvals/${pending.id}/deny`, { key: null, headers: sessionHeaders(cookie), body: { comment: 'use the read-only role' } }));
      expect(res.json()).toMatchObject({ status: 'denied', decisionReason: 'use the read-only role', assignmentId: null });
      expect(events.map((e) => [e.action, e.data.approverId, e.data.comment])).toEqual([['access.request.denied', olga.id, 'use the read-only role']]);
      expectError(await decide(mia.id, pending.id, 'approve'), 409, 'access_request.not_pending');
      expect(await heldRoleKeys(ada.id)).not.toContain('wiki');
    });

    it('cancels a pending request; it can then be neither decided nor cancelled again', async () => {
      const filed = await file({ role: 'wiki' });
      const cancelled = await ok(s, 200, 'POST', `${REQUESTS}/${filed.id}/cancel`, { reason: 'filed by mistake' });
      expect(cancelled).toMatchObject({ status: 'cancelled', decisionReason: 'filed by mistake' });
      expectError(await decide(olga.id, filed.id, 'approve'), 409, 'access_request.not_pending');
      expectError(await s.request('POST', `${REQUESTS}/${filed.id}/cancel`, { body: {} }), 409, 'access_request.not_pending');
    });

    it('expires undecided requests past the organization deadline, once even when two runs race', async () => {
      expectError(await s.request('PATCH', '/api/v1/organizations/acme', { body: { settings: { accessRequestExpiryDays: 91 } } }), 422, 'organization.settings_invalid');
      await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings: { accessRequestExpiryDays: 2 } });
      const filed = await file({ role: 'wiki' });
      expect(filed.expiresAt).toBe(new Date(clock.now().getTime() + 2 * 86_400_000).toISOString());
      expect(await s.rt.approvals.expireDue()).toBe(0);
      clock.advance(2 * 86_400_000);
      expectError(await decide(olga.id, filed.id, 'approve'), 409, 'access_request.not_pending');
      const [a, b] = await Promise.all([s.rt.approvals.expireDue(), s.rt.approvals.expireDue()]);
      expect(a + b).toBe(1);
      expect(await s.rt.approvals.expireDue()).toBe(0);
      expect(await ok(s, 200, 'GET', `${REQUESTS}/${filed.id}`)).toMatchObject({ status: 'expired', decisionReason: 'decision deadline passed' });
      const expired = await listEventsViaApi(s, `action=access.request.expired&target=${filed.id}`);
      expect(expired.map((e) => e.data)).toEqual([{ requestId: filed.id, roleId: filed.roleId, principalType: 'user', principalId: ada.id, expiresAt: filed.expiresAt, approvals: 0 }]);
      await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings: {} });
    });

    it('a privileged role a SCIM group asks for waits as a request and is granted once approved', async () => {
      const grace = (await c.scim('POST', '/Users', oktaUser('grace@acme.test'))).json() as Json;
      const group = (await c.scim('POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'DBAs', members: [] })).json() as Json;
      await ok(s, 201, 'POST', `/api/v1/organizations/acme/scim-directories/${c.directoryId}/group-mappings`, { group: group.id, role: 'db-admin' });
      const add = await c.scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: grace.id }] }] });
      expect(add.statusCode).toBe(200);
      const graceUser = (await ok(s, 200, 'GET', '/api/v1/users?limit=200')).items.find((u: Json) => u.email === 'grace@acme.test');
      const request = (await ok(s, 200, 'GET', `${REQUESTS}?status=pending`)).items.find((r: Json) => r.principal.id === graceUser.id);
      expect(request).toMatchObject({ source: 'scim_group', requestedBy: { type: 'scim_directory', id: c.directoryId }, approvalsRequired: 2 });
      expect(await heldRoleKeys(graceUser.id)).toEqual([]);
      await decide(nate.id, request.id, 'approve');
      expect(await heldRoleKeys(graceUser.id)).toEqual([]);
      expect((await decide(olga.id, request.id, 'approve')).json()).toMatchObject({ status: 'approved' });
      expect(await heldRoleKeys(graceUser.id)).toEqual(['db-admin']);
    });

    it('fulfils other kinds through a registered fulfiller, inside the approving command', async () => {
      const ctx = systemContext('test', 'elevation stand-in');
      const fileEligibility = () => s.rt.runner.run(ctx, (scope) => s.rt.approvals.fileInScope(scope, { type: 'system', id: 'test' }, c.orgId, { role: 'reports', principalType: 'user', principalId: bob.id, reason: 'on call', kind: 'eligibility' }, 'api'));
      // A service with no fulfiller for a kind refuses to file requests of that kind.
      const rt = s.rt;
      const bare = createApprovalService({ db: rt.database.db, runner: rt.runner, clock, newId: rt.newId, logger: rt.logger, ledger: rt.ledger, identity: rt.identity, access: rt.access, requests: rt.accessRequests });
      await expect(rt.runner.run(ctx, (scope) => bare.fileInScope(scope, { type: 'system', id: 'test' }, c.orgId, { role: 'reports', principalType: 'user', principalId: bob.id, reason: 'on call', kind: 'eligibility' }, 'api'))).rejects.toMatchObject({ code: 'access_request.kind_unsupported' });
      // The runtime's own fulfiller (elevation) is replaced here by a stand-in that records what it was given.
      const seen: Json[] = [];
      s.rt.approvals.registerFulfiller('eligibility', async (scope, request) => {
        seen.push(request);
        scope.record({ action: 'identity.user.updated', targets: [{ type: 'user', id: request.principal.id }], data: { before: {}, after: {} } });
        return { eligibilityId: 'eligibility-1' };
      });
      const { result: request } = await fileEligibility();
      const done = (await decide(olga.id, request.id, 'approve')).json();
      expect(done).toMatchObject({ status: 'approved', kind: 'eligibility', eligibilityId: 'eligibility-1', assignmentId: null });
      expect(seen).toEqual([expect.objectContaining({ id: request.id, kind: 'eligibility', status: 'approved' })]);
      expect(await heldRoleKeys(bob.id)).toEqual([]);
    });

    it('tells the approvers of a new request, and principal and requester of the outcome', async () => {
      const sent: Notification[] = [];
      const rt = s.rt;
      const notifying = createApprovalService({ db: rt.database.db, runner: rt.runner, clock, newId: rt.newId, logger: rt.logger, ledger: rt.ledger, identity: rt.identity, access: rt.access, requests: rt.accessRequests, notify: async (_scope, n) => void sent.push(n) });
      // The extra service's hook runs for every request opened, whichever service opened it.
      const own = (await asUser(bob.id, 'POST', '/api/v1/me/access-requests', { org: 'acme', role: 'wiki', reason: 'docs' })).json();
      expect(sent.map((n) => [n.type, n.recipients.map((r) => r.userId)])).toEqual([['access.request.pending', [olga.id]]]);
      expect(sent[0].data).toMatchObject({ requestId: own.id, roleKey: 'wiki' });
      const asOlga = { actor: { type: 'user' as const, id: olga.id, display: 'olga@acme.test' }, request: { requestId: 'notify-test', ip: null, userAgent: null } };
      await notifying.approve(asOlga, olga.id, own.id, null);
      expect(sent.slice(1).map((n) => [n.type, n.recipients.map((r) => r.userId)])).toEqual([['access.request.approved', [bob.id]]]);
    });

    it('reports grants no approval authorized, citing their grant events', async () => {
      const direct = await grantRole(s, 'acme', 'wiki', mia.id);
      await grantRole(s, 'acme', 'reports', mia.id, { approvalRef: 'CHG-1234' });
      const findings = await s.rt.approvals.listApprovalFindings(c.orgId);
      const subjects = findings.map((f) => f.subject.id);
      expect(subjects).toContain(direct.id);
      const finding = findings.find((f) => f.subject.id === direct.id)!;
      expect(finding).toMatchObject({ type: 'grant_without_approval', severity: 'medium', orgId: c.orgId });
      const [grantEvent] = await listEventsViaApi(s, `action=access.assignment.granted&target=${direct.id}`);
      expect(finding.eventIds).toEqual([grantEvent.id]);
      // Approved through a request or an approval reference: not findings.
      const approvedGrants = (await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments?active=true&limit=200`)).items.filter((a: Json) => a.requestId || a.approvalRef);
      expect(approvedGrants.length).toBeGreaterThanOrEqual(3);
      for (const a of approvedGrants) expect(subjects).not.toContain(a.id);
    });

    it('computes from the ledger alone how every grant was authorized and whether approval came first', async () => {
      const events: LedgerEvent[] = await listEventsViaApi(s);
      const evidence = computeApprovalEvidence(events, { from: START, to: '2027-01-01T00:00:00.000Z' });
      const assignments = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/role-assignments?limit=200')).items as Json[];
      expect(evidence.map((e) => e.assignmentId).sort()).toEqual(assignments.map((a) => a.id).sort());
      for (const a of assignments) {
        const e = evidence.find((x) => x.assignmentId === a.id)!;
        expect(e.authorization).toBe(a.requestId ? 'request' : a.approvalRef ? 'approval_reference' : 'none');
        expect(e.approvedBeforeGrant).toBe(a.requestId ? true : a.approvalRef ? null : false);
        expect(e.selfApproved).toBe(false);
      }
      const dbAdmin = evidence.find((e) => e.roleKey === 'db-admin' && e.principal.id === ada.id)!;
      expect(dbAdmin.approvals.map((x) => [x.approverId, x.at])).toEqual([[mia.id, START], [olga.id, '2026-03-02T09:05:00.000Z']]);
      expect(dbAdmin).toMatchObject({ approvalsRequired: 2, approvedAt: '2026-03-02T09:05:00.000Z', grantedAt: '2026-03-02T09:05:00.000Z', grantedBy: { type: 'user', id: olga.id }, requestedBy: { type: 'api_key' } });
      // A tampered order (the grant placed before its approval) is caught.
      const grant = events.find((e) => e.id === dbAdmin.grantEventId)!;
      const approvedEvent = events.find((e) => e.action === 'access.request.approved' && e.data.requestId === dbAdmin.requestId)!;
      const swapped = events.map((e) => (e === grant ? { ...e, seq: approvedEvent.seq - 1 } : e));
      expect(computeApprovalEvidence(swapped, { from: START, to: '2027-01-01T00:00:00.000Z' }).find((x) => x.grantEventId === grant.id)!.approvedBeforeGrant).toBe(false);
      // Outside the window: nothing.
      expect(computeApprovalEvidence(events, { from: '2020-01-01T00:00:00.000Z', to: START })).toEqual([]);

      // The API gives the auditor the same answer, computed from the organization's ledger events, as JSON or CSV.
      const window = `from=${encodeURIComponent(START)}&to=2027-01-01T00:00:00.000Z`;
      const viaApi = await ok(s, 200, 'GET', `/api/v1/organizations/acme/access-approval-evidence?${window}`);
      expect(viaApi.items).toEqual(evidence.filter((e) => e.orgId === viaApi.items[0]?.orgId));
      expect(viaApi.items.length).toBe(evidence.length);
      const csv = await s.request('GET', `/api/v1/organizations/acme/access-approval-evidence?${window}&format=csv`);
      expect(csv.headers['content-type']).toContain('text/csv');
      const lines = csv.body.trimEnd().split('\r\n');
      expect(lines).toHaveLength(evidence.length + 1);
      expect(lines.find((l) => l.includes(dbAdmin.grantEventId))).toContain(`${mia.id}@${START} ${olga.id}@2026-03-02T09:05:00.000Z`);
      expectError(await s.request('GET', `/api/v1/organizations/acme/access-approval-evidence?from=2027-01-01T00:00:00.000Z&to=${encodeURIComponent(START)}`), 400, 'request.invalid');
      expectError(await s.request('GET', `/api/v1/organizations/nope/access-approval-evidence?${window}`), 404, 'organization.not_found');
    });
  });
}
