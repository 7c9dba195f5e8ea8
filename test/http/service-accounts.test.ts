import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createServiceAccount, createUser, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { createCredential, publicJwk, saUrl } from '../support/service-accounts.ts';
import { ManualClock } from '../../src/platform/clock.ts';

for (const dialect of DIALECTS) {
  describe(`service accounts as principals over HTTP on ${dialect}`, () => {
    const clock = new ManualClock('2026-02-01T00:00:00.000Z');
    let s: HttpSuite;
    let org: Record<string, any>;
    let ada: Record<string, any>;
    let bob: Record<string, any>;
    let outsider: Record<string, any>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      org = await createOrg(s, 'acme');
      await createOrg(s, 'globex');
      ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      bob = await createUser(s, { email: 'bob@acme.test', org: 'acme' });
      outsider = await createUser(s, { email: 'outsider@globex.test', org: 'globex' });
      await createRole(s, 'acme', 'deployer');
    });
    afterAll(async () => s?.close());

    it('is created with exactly one owner, an active member of its organization', async () => {
      const { res, events } = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/acme/service-accounts', { body: { name: 'ci', description: 'Deploys', ownerUserId: ada.id } }));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ id: expect.any(String), orgId: org.id, name: 'ci', description: 'Deploys', ownerUserId: ada.id, status: 'active', createdAt: clock.now().toISOString(), updatedAt: clock.now().toISOString(), deletedAt: null, ownerMissingSince: null });
      expect(events.map((e) => [e.action, e.data])).toEqual([['identity.service_account.created', { name: 'ci', description: 'Deploys', ownerUserId: ada.id }]]);

      const url = '/api/v1/organizations/acme/service-accounts';
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', url, { body: { name: 'ownerless', description: 'd' } }), 400, 'request.invalid');
        expectError(await s.request('POST', url, { body: { name: 'ownerless', description: 'd', ownerUserId: null } }), 400, 'request.invalid');
        expectError(await s.request('POST', url, { body: { name: 'foreign', description: 'd', ownerUserId: outsider.id } }), 422, 'service_account.owner_invalid');
        expectError(await s.request('POST', url, { body: { name: 'ghost', description: 'd', ownerUserId: '00000000-0000-7000-8000-000000000000' } }), 422, 'service_account.owner_invalid');
      });
      const suspended = await createUser(s, { email: 'suspended@acme.test', org: 'acme' });
      await ok(s, 200, 'PATCH', `/api/v1/users/${suspended.id}`, { status: 'suspended' });
      await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', url, { body: { name: 'x', description: 'd', ownerUserId: suspended.id } }), 422, 'service_account.owner_invalid'));
    });

    it('is reassigned with an owner_changed event carrying from and to; never to nobody or an outsider', async () => {
      const bot = await createServiceAccount(s, 'acme', 'reassigned', ada.id);
      clock.advance(1000);
      const { res, events } = await eventsDuring(s, () => s.request('PATCH', saUrl('acme', bot.id), { body: { ownerUserId: bob.id } }));
      expect(res.json()).toMatchObject({ ownerUserId: bob.id, updatedAt: clock.now().toISOString() });
      expect(events.map((e) => [e.action, e.data, e.targets.map((t) => t.id)])).toEqual([['identity.service_account.owner_changed', { fromUserId: ada.id, toUserId: bob.id }, [bot.id, bob.id]]]);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('PATCH', saUrl('acme', bot.id), { body: { ownerUserId: null } }), 400, 'request.invalid');
        expectError(await s.request('PATCH', saUrl('acme', bot.id), { body: { ownerUserId: outsider.id } }), 422, 'service_account.owner_invalid');
      });
    });

    it('loses its owner when the owner leaves the organization, in the same command; it keeps working and shows as a finding until reassigned', async () => {
      const leaver = await createUser(s, { email: 'leaver@acme.test', org: 'acme' });
      const bot = await createServiceAccount(s, 'acme', 'orphan', leaver.id);
      const kept = await createServiceAccount(s, 'acme', 'kept', ada.id);
      const cred = await createCredential(s, 'acme', bot.id);
      clock.advance(60_000);
      const { res, events } = await eventsDuring(s, () => s.request('DELETE', `/api/v1/organizations/acme/members/${leaver.id}`));
      expect(res.statusCode).toBe(204);
      expect(events.map((e) => [e.action, e.data])).toEqual([
        ['identity.service_account.owner_removed', { ownerUserId: leaver.id, reason: 'membership ended' }],
        ['identity.membership.deleted', { userId: leaver.id, endedAssignments: [] }],
      ]);
      // One command: one transaction, one time.
      expect(new Set(events.map((e) => e.time)).size).toBe(1);
      const orphan = await ok(s, 200, 'GET', saUrl('acme', bot.id));
      expect(orphan).toMatchObject({ ownerUserId: null, ownerMissingSince: clock.now().toISOString(), status: 'active' });
      expect((await ok(s, 200, 'GET', saUrl('acme', kept.id))).ownerUserId).toBe(ada.id);
      // Not disabled: production integrations keep running.
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, cred.secret)).toEqual({ credentialId: cred.credential.id });
      const findings = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/service-accounts/findings')).items;
      expect(findings.filter((f: { serviceAccountId: string }) => f.serviceAccountId === bot.id)).toEqual([{ kind: 'owner_missing', serviceAccountId: bot.id, since: clock.now().toISOString(), detail: expect.stringContaining('no owner') }]);

      // A PATCH that leaves the owner out does not bring one back; reassigning does, and the finding goes.
      await ok(s, 200, 'PATCH', saUrl('acme', bot.id), { description: 'still orphaned' });
      const reassigned = await eventsDuring(s, () => s.request('PATCH', saUrl('acme', bot.id), { body: { ownerUserId: ada.id } }));
      expect(reassigned.events.map((e) => [e.action, e.data])).toEqual([['identity.service_account.owner_changed', { fromUserId: null, toUserId: ada.id }]]);
      expect(reassigned.res.json()).toMatchObject({ ownerUserId: ada.id, ownerMissingSince: null });
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/service-accounts/findings')).items.filter((f: { serviceAccountId: string }) => f.serviceAccountId === bot.id)).toEqual([]);
    });

    it('loses its owner, in every organization, when the owner is suspended or deprovisioned', async () => {
      const carol = await createUser(s, { email: 'carol@acme.test', org: 'acme' });
      await ok(s, 201, 'POST', '/api/v1/organizations/globex/members', { userId: carol.id });
      const here = await createServiceAccount(s, 'acme', 'carol-acme', carol.id);
      const there = await createServiceAccount(s, 'globex', 'carol-globex', carol.id);
      const { events } = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${carol.id}`, { body: { status: 'deprovisioned', statusReason: 'left the company' } }));
      const removed = events.filter((e) => e.action === 'identity.service_account.owner_removed');
      expect(removed.map((e) => [e.targets[0].id, e.data])).toEqual([
        [here.id, { ownerUserId: carol.id, reason: 'user deprovisioned' }],
        [there.id, { ownerUserId: carol.id, reason: 'user deprovisioned' }],
      ]);
      expect(removed.map((e) => e.org)).toEqual([here.orgId, there.orgId]);
      expect((await ok(s, 200, 'GET', saUrl('globex', there.id))).ownerUserId).toBeNull();
      // Reactivating the user does not hand the accounts back: someone must decide.
      await ok(s, 200, 'PATCH', `/api/v1/users/${carol.id}`, { status: 'active' });
      expect((await ok(s, 200, 'GET', saUrl('acme', here.id))).ownerUserId).toBeNull();
    });

    it('is disabled and enabled with their own events naming the credentials affected', async () => {
      const bot = await createServiceAccount(s, 'acme', 'toggled', ada.id);
      const cred = await createCredential(s, 'acme', bot.id);
      const off = await eventsDuring(s, () => s.request('PATCH', saUrl('acme', bot.id), { body: { status: 'disabled' } }));
      expect(off.events.map((e) => [e.action, e.data])).toEqual([['identity.service_account.disabled', { credentials: [cred.credential.id] }]]);
      const on = await eventsDuring(s, () => s.request('PATCH', saUrl('acme', bot.id), { body: { status: 'active', name: 'toggled-2' } }));
      expect(on.events.map((e) => [e.action, e.data])).toEqual([
        ['identity.service_account.updated', { before: { name: 'toggled' }, after: { name: 'toggled-2' } }],
        ['identity.service_account.enabled', { credentials: [cred.credential.id] }],
      ]);
    });

    it('is deleted in one command: credentials revoked, role assignments ended, the record kept; after that nothing changes it', async () => {
      const bot = await createServiceAccount(s, 'acme', 'doomed', ada.id);
      const secret = await createCredential(s, 'acme', bot.id);
      const key = await createCredential(s, 'acme', bot.id, { kind: 'public_key', jwk: publicJwk() });
      const grant = await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: 'deployer', principalType: 'service_account', principalId: bot.id });
      clock.advance(5000);
      const { res, events } = await eventsDuring(s, () => s.request('DELETE', saUrl('acme', bot.id)));
      expect(res.statusCode).toBe(200);
      const time = clock.now().toISOString();
      expect(res.json()).toMatchObject({ id: bot.id, status: 'deleted', deletedAt: time, ownerUserId: ada.id });
      expect(events.map((e) => [e.action, e.data])).toEqual([
        ['identity.service_account.credential_revoked', { credentialId: secret.credential.id, kind: 'secret', reason: 'service account deleted' }],
        ['identity.service_account.credential_revoked', { credentialId: key.credential.id, kind: 'public_key', reason: 'service account deleted' }],
        ['access.assignment.revoked', { roleId: grant.roleId, roleKey: 'deployer', principalType: 'service_account', principalId: bot.id, reason: 'service account deleted' }],
        ['identity.service_account.deleted', { name: 'doomed', revokedCredentials: [secret.credential.id, key.credential.id], endedAssignments: [grant.id] }],
      ]);
      expect(new Set(events.map((e) => e.time))).toEqual(new Set([time]));
      expect((await ok(s, 200, 'GET', saUrl('acme', bot.id, '/credentials'))).items.map((c: { status: string; revokedAt: string }) => [c.status, c.revokedAt])).toEqual([
        ['revoked', time],
        ['revoked', time],
      ]);
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments/${grant.id}`)).toMatchObject({ active: false, endedAt: time });
      // Kept in the list for the record.
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/service-accounts?limit=200')).items.map((a: { id: string }) => a.id)).toContain(bot.id);

      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('PATCH', saUrl('acme', bot.id), { body: { status: 'active' } }), 409, 'service_account.deleted');
        expectError(await s.request('PATCH', saUrl('acme', bot.id), { body: { name: 'revived' } }), 409, 'service_account.deleted');
        expectError(await s.request('DELETE', saUrl('acme', bot.id)), 409, 'service_account.deleted');
        expectError(await s.request('POST', saUrl('acme', bot.id, '/credentials'), { body: { kind: 'secret' } }), 409, 'service_account.deleted');
        expectError(await s.request('POST', saUrl('acme', bot.id, `/credentials/${secret.credential.id}/rotate`), { body: {} }), 409, 'service_account.deleted');
        expectError(await s.request('POST', '/api/v1/organizations/acme/role-assignments', { body: { role: 'deployer', principalType: 'service_account', principalId: bot.id } }), 422, 'assignment.principal_invalid');
      });
      // A deleted account's former owner leaving records nothing about it.
      const removed = await eventsDuring(s, () => s.request('DELETE', `/api/v1/organizations/acme/members/${ada.id}`));
      expect(removed.events.filter((e) => e.action === 'identity.service_account.owner_removed').map((e) => e.targets[0].id)).not.toContain(bot.id);
    });

    it('is found only under its own organization', async () => {
      const bot = await createServiceAccount(s, 'acme', 'local', bob.id);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('DELETE', saUrl('globex', bot.id)), 404, 'service_account.not_found');
        expectError(await s.request('POST', saUrl('globex', bot.id, '/credentials'), { body: { kind: 'secret' } }), 404, 'service_account.not_found');
        expectError(await s.request('GET', saUrl('globex', bot.id, '/credentials')), 404, 'service_account.not_found');
      });
    });
  });
}
