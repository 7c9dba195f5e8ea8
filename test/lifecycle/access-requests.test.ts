import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createUser, eventsDuring, expectError, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { systemContext } from '../../src/audit/event.ts';
import type { PendingRequestInput } from '../../src/access/requests.ts';

/** Pending access requests: one per principal and role, cancelled one by one or all at once, listed by status. */
for (const dialect of DIALECTS) {
  describe(`pending access requests, on ${dialect}`, () => {
    let s: HttpSuite;
    let input: PendingRequestInput;
    let roleId: string;
    const ctx = systemContext('scim-test', 'directory sync');

    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      const org = await createOrg(s, 'acme');
      const user = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      roleId = (await createRole(s, 'acme', 'deployer')).id;
      input = { orgId: org.id, roleId, principalType: 'user', principalId: user.id, requestedBy: { type: 'scim_directory', id: 'dir-1' }, reason: 'member of group Deployers', source: 'scim_group', sourceRef: 'group-42' };
    });
    afterAll(async () => s?.close());

    /** A caller's command: it records an event of its own when the request existed already (here a stand-in for a directory sync's event). */
    const create = (i: PendingRequestInput) =>
      s.rt.runner.run(ctx, async (scope) => {
        const r = await s.rt.accessRequests.createPendingInScope(scope, i);
        if (!r.created) scope.record({ action: 'identity.user.updated', targets: [{ type: 'user', id: i.principalId }], data: { before: {}, after: {} } });
        return r;
      });

    it('opens one pending request per principal and role; asking again returns the first without recording', async () => {
      const first = await create(input);
      expect(first.result.created).toBe(true);
      expect(first.result.request).toMatchObject({ status: 'pending', roleId, principal: { type: 'user', id: input.principalId }, requestedBy: input.requestedBy, source: 'scim_group', sourceRef: 'group-42', decidedAt: null });
      expect(first.events.map((e) => [e.action, e.data])).toEqual([
        ['access.request.created', { requestId: first.result.request.id, roleId, roleKey: 'deployer', principalType: 'user', principalId: input.principalId, requestedBy: input.requestedBy, reason: 'member of group Deployers', source: 'scim_group', sourceRef: 'group-42', kind: 'grant', durationMinutes: null, eligibilityId: null, approvalsRequired: 1, expiresAt: expect.any(String) }],
      ]);
      // Only the caller's own event is recorded; the request itself is not duplicated.
      const again = await create(input);
      expect(again.result).toEqual({ request: first.result.request, created: false });
      expect(again.events.map((e) => e.action)).toEqual(['identity.user.updated']);
      const listed = await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-requests?status=pending');
      expect(listed.items.map((r: { id: string }) => r.id)).toEqual([first.result.request.id]);
      // A role of another organization is refused.
      await expect(create({ ...input, roleId: '00000000-0000-7000-8000-000000000000' })).rejects.toMatchObject({ code: 'role.not_found' });
    });

    it('cancels one request, refuses to cancel it twice, and a new request may follow', async () => {
      const pending = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-requests?status=pending')).items[0];
      const cancelled = await s.rt.runner.run(ctx, (scope) => s.rt.accessRequests.cancelPendingInScope(scope, pending.id, 'left the group'));
      expect(cancelled.result).toMatchObject({ id: pending.id, status: 'cancelled', decisionReason: 'left the group' });
      expect(cancelled.events.map((e) => [e.action, e.data])).toEqual([['access.request.cancelled', { requestId: pending.id, roleId, principalType: 'user', principalId: input.principalId, reason: 'left the group' }]]);
      await expect(s.rt.runner.run(ctx, (scope) => s.rt.accessRequests.cancelPendingInScope(scope, pending.id, 'again'))).rejects.toMatchObject({ code: 'access_request.not_pending' });
      await expect(s.rt.runner.run(ctx, (scope) => s.rt.accessRequests.cancelPendingInScope(scope, '00000000-0000-7000-8000-000000000000', 'x'))).rejects.toMatchObject({ code: 'access_request.not_found' });
      expect((await create(input)).result.created).toBe(true);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-requests')).items.map((r: { status: string }) => r.status)).toEqual(['cancelled', 'pending']);
    });

    it('two requests for the same principal and role at once leave one pending request', async () => {
      const other = await createRole(s, 'acme', 'auditor');
      const [a, b] = await Promise.all([create({ ...input, roleId: other.id }), create({ ...input, roleId: other.id })]);
      expect(a.result.request.id).toBe(b.result.request.id);
      expect([a.result.created, b.result.created].sort()).toEqual([false, true]);
    });

    it('cancels every pending request of a principal at once (deprovisioning)', async () => {
      const { res, events } = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${input.principalId}`, { body: { status: 'deprovisioned' } }));
      expect(res.statusCode).toBe(200);
      expect(events.filter((e) => e.action === 'access.request.cancelled')).toHaveLength(2);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-requests?status=pending')).items).toEqual([]);
      expectError(await s.request('GET', '/api/v1/organizations/acme/access-requests?status=open'), 400, 'request.invalid');
    });
  });
}
