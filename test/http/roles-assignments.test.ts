import { systemContext } from '../../src/audit/event.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import {
  createOrg,
  createRole,
  createServiceAccount,
  createUser,
  eventsDuring,
  expectError,
  expectNothingChanged,
  grantRole,
  ok,
  startHttpSuite,
  walkPages,
  type HttpSuite,
} from '../support/http.ts';

type Row = { id: string };
const idsOf = (page: { items: Row[] }) => page.items.map((i) => i.id);

for (const dialect of DIALECTS) {
  describe(`roles and role assignments over HTTP on ${dialect}`, () => {
    let s: HttpSuite;
    let org: Record<string, any>;
    let alice: Record<string, any>;
    let bob: Record<string, any>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      org = await createOrg(s, 'acme');
      alice = await createUser(s, { email: 'alice@acme.test', org: 'acme' });
      bob = await createUser(s, { email: 'bob@acme.test', org: 'acme' });
    });
    afterAll(async () => s?.close());

    it('defines a role, reads it by key and by id, and changes it with a before/after event', async () => {
      const { res, events } = await eventsDuring(s, () =>
        s.request('POST', '/api/v1/organizations/acme/roles', {
          body: { key: 'billing-admin', name: 'Billing admin', description: 'Manages invoices', permissions: ['invoice:write', 'invoice:read', 'invoice:read'], privileged: true },
        }),
      );
      expect(res.statusCode).toBe(201);
      const role = res.json();
      expect(role).toMatchObject({ orgId: org.id, key: 'billing-admin', permissions: ['invoice:read', 'invoice:write'], privileged: true, mfaPolicy: null });
      expect(events.map((e) => [e.action, e.data])).toEqual([
        [
          'access.role.created',
          {
            key: 'billing-admin',
            name: 'Billing admin',
            description: 'Manages invoices',
            permissions: ['invoice:read', 'invoice:write'],
            privileged: true,
            mfaPolicy: null,
            ownerId: null,
            approvers: ['manager', 'owner', 'named'],
            namedApprovers: [],
            approvalsRequired: null,
            maxActivationMinutes: 60,
            activationRequiresApproval: false,
            allowStanding: false,
          },
        ],
      ]);
      // A privileged role needs two approvals unless it says otherwise.
      expect(role.approval).toEqual({ approvers: ['manager', 'owner', 'named'], namedApprovers: [], approvalsRequired: 2, approvalsRequiredDefault: true });
      expect(await ok(s, 200, 'GET', '/api/v1/organizations/acme/roles/billing-admin')).toEqual(role);
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/${org.id}/roles/${role.id}`)).toEqual(role);

      const changed = await eventsDuring(s, () => s.request('PATCH', '/api/v1/organizations/acme/roles/billing-admin', { body: { privileged: false, name: 'Billing admin' } }));
      expect(changed.res.statusCode).toBe(200);
      expect(changed.res.json()).toMatchObject({ id: role.id, privileged: false });
      expect(changed.events.map((e) => [e.action, e.data])).toEqual([['access.role.updated', { before: { privileged: true }, after: { privileged: false } }]]);
    });

    it('a role carries its governance: owner, approvers, approvals required, elevation limits; members only, bounds checked', async () => {
      const created = await ok(s, 201, 'POST', '/api/v1/organizations/acme/roles', {
        key: 'ops-admin',
        name: 'Ops admin',
        description: 'Operates infrastructure',
        permissions: ['ops:*'],
        privileged: true,
        ownerId: alice.id,
        approval: { approvers: ['owner', 'named'], namedApprovers: [bob.id], approvalsRequired: 1 },
        elevation: { maxActivationMinutes: 120, activationRequiresApproval: true },
      });
      expect(created).toMatchObject({ ownerId: alice.id, approval: { approvers: ['owner', 'named'], namedApprovers: [bob.id], approvalsRequired: 1, approvalsRequiredDefault: false }, elevation: { maxActivationMinutes: 120, activationRequiresApproval: true }, allowStanding: false });
      const changed = await eventsDuring(s, () => s.request('PATCH', '/api/v1/organizations/acme/roles/ops-admin', { body: { approval: { approvalsRequired: null }, allowStanding: true } }));
      expect(changed.res.json()).toMatchObject({ approval: { approvers: ['owner', 'named'], approvalsRequired: 2, approvalsRequiredDefault: true }, allowStanding: true });
      expect(changed.events.map((e) => [e.action, e.data])).toEqual([['access.role.updated', { before: { approvalsRequired: 1, allowStanding: false }, after: { approvalsRequired: null, allowStanding: true } }]]);

      const outsider = await createUser(s, { email: 'mallory@elsewhere.test' });
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('PATCH', '/api/v1/organizations/acme/roles/ops-admin', { body: { ownerId: outsider.id } }), 422, 'role.governance_invalid');
        expectError(await s.request('PATCH', '/api/v1/organizations/acme/roles/ops-admin', { body: { approval: { namedApprovers: [outsider.id] } } }), 422, 'role.governance_invalid');
        expectError(await s.request('POST', '/api/v1/organizations/acme/roles', { body: { key: 'x', name: 'X', description: 'd', permissions: [], ownerId: outsider.id } }), 422, 'role.governance_invalid');
        for (const bad of [{ approval: { approvers: [] } }, { approval: { approvers: ['boss'] } }, { approval: { approvalsRequired: 0 } }, { approval: { approvalsRequired: 6 } }, { elevation: { maxActivationMinutes: 1 } }, { elevation: { maxActivationMinutes: 2000 } }, { approval: { extra: 1 } }]) {
          expectError(await s.request('PATCH', '/api/v1/organizations/acme/roles/ops-admin', { body: bad }), 400, 'request.invalid');
        }
      });
      // Callers past the HTTP schema are checked by the service too.
      await expect(s.rt.access.updateRole(systemContext('test', 'direct'), 'acme', 'ops-admin', { approval: { approvalsRequired: 9 } })).rejects.toMatchObject({ code: 'role.governance_invalid' });
      await expect(s.rt.access.updateRole(systemContext('test', 'direct'), 'acme', 'ops-admin', { approval: { approvers: ['boss' as never] } })).rejects.toMatchObject({ code: 'role.governance_invalid' });
    });

    it('a role carries its own MFA policy: recorded when defined, changed with before/after, cleared with null, refused when unknown', async () => {
      const created = await eventsDuring(s, () =>
        s.request('POST', '/api/v1/organizations/acme/roles', { body: { key: 'prod-admin', name: 'Production admin', description: 'Operates production', permissions: ['prod:*'], privileged: true, mfaPolicy: 'phishing_resistant' } }),
      );
      expect(created.res.statusCode).toBe(201);
      expect(created.res.json()).toMatchObject({ key: 'prod-admin', mfaPolicy: 'phishing_resistant' });
      expect(created.events.map((e) => [e.action, e.data.mfaPolicy])).toEqual([['access.role.created', 'phishing_resistant']]);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/roles/prod-admin')).mfaPolicy).toBe('phishing_resistant');

      const lowered = await eventsDuring(s, () => s.request('PATCH', '/api/v1/organizations/acme/roles/prod-admin', { body: { mfaPolicy: 'required' } }));
      expect(lowered.res.json().mfaPolicy).toBe('required');
      expect(lowered.events.map((e) => [e.action, e.data])).toEqual([['access.role.updated', { before: { mfaPolicy: 'phishing_resistant' }, after: { mfaPolicy: 'required' } }]]);
      const cleared = await eventsDuring(s, () => s.request('PATCH', '/api/v1/organizations/acme/roles/prod-admin', { body: { mfaPolicy: null } }));
      expect(cleared.events.map((e) => [e.action, e.data])).toEqual([['access.role.updated', { before: { mfaPolicy: 'required' }, after: { mfaPolicy: null } }]]);
      // Leaving the field out keeps the policy as it is.
      await ok(s, 200, 'PATCH', '/api/v1/organizations/acme/roles/prod-admin', { mfaPolicy: 'required' });
      expect((await ok(s, 200, 'PATCH', '/api/v1/organizations/acme/roles/prod-admin', { name: 'Prod admin' })).mfaPolicy).toBe('required');

      for (const mfaPolicy of ['sometimes', 'REQUIRED', 1, true]) {
        await expectNothingChanged(s.rt, async () => {
          expectError(await s.request('PATCH', '/api/v1/organizations/acme/roles/prod-admin', { body: { mfaPolicy } }), 400, 'request.invalid');
          expectError(await s.request('POST', '/api/v1/organizations/acme/roles', { body: { key: 'weak', name: 'W', description: 'd', permissions: [], mfaPolicy } }), 400, 'request.invalid');
        });
      }
      // Callers past the HTTP schema (CLI, other services) are checked by the service too; the column's check is the last backstop.
      await expectNothingChanged(s.rt, async () => {
        await expect(s.rt.access.updateRole({ actor: { type: 'system', id: 't', display: 't' }, request: { requestId: 'r', ip: null, userAgent: null } }, 'acme', 'prod-admin', { mfaPolicy: 'sometimes' as never })).rejects.toMatchObject({ code: 'request.invalid' });
        await expect(s.rt.database.db.updateTable('roles').set({ mfa_policy: 'sometimes' as never }).where('key', '=', 'prod-admin').execute()).rejects.toThrow(/check/i);
      });
    });

    it('lists roles page by page', async () => {
      const all = idsOf(await ok(s, 200, 'GET', '/api/v1/organizations/acme/roles'));
      for (let i = 0; i < 5; i++) all.push((await createRole(s, 'acme', `paged-${i}`)).id);
      const { ids, pages } = await walkPages(s, '/api/v1/organizations/acme/roles', 2);
      expect(ids).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / 2));
    });

    it('grants a role to a user and to a service account, recording who granted it', async () => {
      await createRole(s, 'acme', 'viewer');
      const { res, events } = await eventsDuring(s, () =>
        s.request('POST', '/api/v1/organizations/acme/role-assignments', { body: { role: 'viewer', principalType: 'user', principalId: alice.id, reason: 'onboarding', approvalRef: 'TICKET-1' } }),
      );
      expect(res.statusCode).toBe(201);
      const grant = res.json();
      expect(grant).toMatchObject({
        orgId: org.id,
        principal: { type: 'user', id: alice.id },
        grantedBy: { type: 'api_key', id: s.adminKeyId },
        reason: 'onboarding',
        approvalRef: 'TICKET-1',
        expiresAt: null,
        endedAt: null,
        active: true,
      });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: 'access.assignment.granted', org: org.id, actor: { type: 'api_key', id: s.adminKeyId } });
      expect(events[0].data).toEqual({ roleId: grant.roleId, roleKey: 'viewer', privileged: false, principalType: 'user', principalId: alice.id, approvalRef: 'TICKET-1', requestId: null, reason: 'onboarding', expiresAt: null });
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments/${grant.id}`)).toEqual(grant);

      const bot = await createServiceAccount(s, 'acme', 'deployer', alice.id);
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const saGrant = await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: grant.roleId, principalType: 'service_account', principalId: bot.id, expiresAt });
      expect(saGrant).toMatchObject({ principal: { type: 'service_account', id: bot.id }, expiresAt, active: true });
    });

    it('filters assignments by role, principal and activity', async () => {
      await createRole(s, 'acme', 'auditor');
      await createRole(s, 'acme', 'support');
      const a1 = await grantRole(s, 'acme', 'auditor', alice.id);
      const a2 = await grantRole(s, 'acme', 'auditor', bob.id);
      const a3 = await grantRole(s, 'acme', 'support', bob.id);
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/role-assignments/${a2.id}/revoke`, { reason: 'moved team' });
      const ids = async (query: string) => idsOf(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments?limit=200&${query}`));
      const auditorId = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/roles/auditor')).id;

      expect(await ids('role=auditor')).toEqual([a1.id, a2.id]);
      expect(await ids(`role=${auditorId}`)).toEqual([a1.id, a2.id]);
      expect(await ids(`role=auditor&principalId=${bob.id}`)).toEqual([a2.id]);
      expect(await ids(`principalId=${bob.id}`)).toEqual([a2.id, a3.id]);
      expect(await ids(`principalId=${bob.id}&active=true`)).toEqual([a3.id]);
      expect(await ids('role=auditor&active=true')).toEqual([a1.id]);
      // active=false asks for the assignments that are no longer active, not for all of them.
      expect(await ids('role=auditor&active=false')).toEqual([a2.id]);
      const all = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/role-assignments?limit=200')).items as Array<{ id: string; active: boolean }>;
      expect(all.filter((a) => !a.active).map((a) => a.id)).toEqual(await ids('active=false'));
      expectError(await s.request('GET', '/api/v1/organizations/acme/role-assignments?role=no-such-role'), 404, 'role.not_found');
    });

    it('walks assignments page by page', async () => {
      const all = idsOf(await ok(s, 200, 'GET', '/api/v1/organizations/acme/role-assignments?limit=200'));
      expect(all.length).toBeGreaterThanOrEqual(5);
      const { ids, pages } = await walkPages(s, '/api/v1/organizations/acme/role-assignments', 2);
      expect(ids).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / 2));
    });

    it('revokes an assignment once, recording access.assignment.revoked', async () => {
      await createRole(s, 'acme', 'oncall');
      const grant = await grantRole(s, 'acme', 'oncall', alice.id);
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/role-assignments/${grant.id}/revoke`, { body: { reason: 'rotation over' } }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: grant.id, active: false, endReason: 'rotation over' });
      expect(res.json().endedAt).toEqual(expect.any(String));
      expect(events.map((e) => [e.action, e.data])).toEqual([
        ['access.assignment.revoked', { roleId: grant.roleId, roleKey: 'oncall', principalType: 'user', principalId: alice.id, reason: 'rotation over' }],
      ]);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', `/api/v1/organizations/acme/role-assignments/${grant.id}/revoke`, { body: {} }), 409, 'assignment.already_ended');
      });
      // After the revocation the same role can be granted again.
      await grantRole(s, 'acme', 'oncall', alice.id);
    });

    it('refuses to delete a role while it is assigned, and deletes a role never assigned', async () => {
      await createRole(s, 'acme', 'busy');
      await grantRole(s, 'acme', 'busy', alice.id);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('DELETE', '/api/v1/organizations/acme/roles/busy'), 409, 'role.in_use');
      });
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/roles/busy')).key).toBe('busy');

      const idle = await createRole(s, 'acme', 'idle');
      const { res, events } = await eventsDuring(s, () => s.request('DELETE', '/api/v1/organizations/acme/roles/idle'));
      expect(res.statusCode).toBe(204);
      expect(events.map((e) => [e.action, e.targets[0].id, e.data])).toEqual([['access.role.deleted', idle.id, { key: 'idle' }]]);
      expectError(await s.request('GET', '/api/v1/organizations/acme/roles/idle'), 404, 'role.not_found');
    });

    it('removing a member ends their role assignments in that organization, in the same command', async () => {
      const carol = await createUser(s, { email: 'carol@acme.test', org: 'acme' });
      await createRole(s, 'acme', 'ops');
      const g1 = await grantRole(s, 'acme', 'viewer', carol.id);
      const g2 = await grantRole(s, 'acme', 'ops', carol.id);
      const other = await createOrg(s, 'other');
      await ok(s, 201, 'POST', '/api/v1/organizations/other/members', { userId: carol.id });
      await createRole(s, 'other', 'viewer');
      const elsewhere = await grantRole(s, 'other', 'viewer', carol.id);

      const { res, events } = await eventsDuring(s, () => s.request('DELETE', `/api/v1/organizations/acme/members/${carol.id}`));
      expect(res.statusCode).toBe(204);
      expect(events.map((e) => [e.action, e.org])).toEqual([
        ['access.assignment.revoked', org.id],
        ['access.assignment.revoked', org.id],
        ['identity.membership.deleted', org.id],
      ]);
      expect(events.slice(0, 2).map((e) => [e.targets.find((t) => t.type === 'role_assignment')?.id, e.data.reason])).toEqual([
        [g1.id, 'membership ended'],
        [g2.id, 'membership ended'],
      ]);
      expect(events[2].data).toEqual({ userId: carol.id, endedAssignments: [g1.id, g2.id] });
      expect(new Set(events.map((e) => e.time)).size).toBe(1);
      for (const g of [g1, g2]) {
        expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments/${g.id}`)).toMatchObject({ active: false, endReason: 'membership ended' });
      }
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/${other.id}/role-assignments/${elsewhere.id}`)).toMatchObject({ active: true, endedAt: null });
      expectError(await s.request('GET', `/api/v1/organizations/other/role-assignments/${g1.id}`), 404, 'assignment.not_found');
    });
  });
}
