import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createServiceAccount, createUser, expectError, expectNothingChanged, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { expectDocumentedStatus, findRoute } from './api-routes.ts';

type Doc = Parameters<typeof expectDocumentedStatus>[0];

for (const dialect of DIALECTS) {
  describe(`domain rules refuse a request and change nothing, on ${dialect}`, () => {
    let s: HttpSuite;
    let doc: Doc;
    let ada: Record<string, any>;
    let bob: Record<string, any>;
    let outsider: Record<string, any>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      await createOrg(s, 'acme');
      await createOrg(s, 'globex');
      ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      bob = await createUser(s, { email: 'bob@acme.test', org: 'acme', managerId: ada.id });
      outsider = await createUser(s, { email: 'outsider@globex.test', org: 'globex' });
      await createRole(s, 'acme', 'viewer');
      doc = (await s.request('GET', '/api/v1/openapi.json')).json();
    });
    afterAll(async () => s?.close());

    /** Sends a request as `route` would be called, asserting the refusal, its documentation and that nothing changed. */
    const refuse = (routeName: string, url: string, body: unknown, status: number, code: string) =>
      expectNothingChanged(s.rt, async () => {
        const route = findRoute(routeName);
        const res = await s.request(route.method, url, { body });
        expectError(res, status, code);
        expectDocumentedStatus(doc, route, res);
        return res.json().error.message as string;
      });

    it('a slug is unique: 409 organization.slug_taken', async () => {
      const message = await refuse('POST /api/v1/organizations', '/api/v1/organizations', { slug: 'acme', name: 'Another Acme' }, 409, 'organization.slug_taken');
      expect(message).toContain('"acme"');
    });

    it('an email is unique regardless of case: 409 user.email_taken, on create and on change', async () => {
      await refuse('POST /api/v1/users', '/api/v1/users', { email: 'ADA@acme.test', org: 'globex' }, 409, 'user.email_taken');
      await refuse('PATCH /api/v1/users/{id}', `/api/v1/users/${bob.id}`, { email: 'Ada@Acme.Test' }, 409, 'user.email_taken');
    });

    it('a manager must exist and must not close a cycle: 422 user.manager_invalid', async () => {
      const carol = await createUser(s, { email: 'carol@acme.test', org: 'acme', managerId: bob.id });
      // ada → bob → carol; making carol (or bob) ada's manager would close the loop.
      const cycle = await refuse('PATCH /api/v1/users/{id}', `/api/v1/users/${ada.id}`, { managerId: carol.id }, 422, 'user.manager_invalid');
      expect(cycle).toContain('cycle');
      await refuse('PATCH /api/v1/users/{id}', `/api/v1/users/${ada.id}`, { managerId: bob.id }, 422, 'user.manager_invalid');
      await refuse('PATCH /api/v1/users/{id}', `/api/v1/users/${ada.id}`, { managerId: ada.id }, 422, 'user.manager_invalid');
      await refuse('PATCH /api/v1/users/{id}', `/api/v1/users/${ada.id}`, { managerId: '00000000-0000-7000-8000-000000000000' }, 422, 'user.manager_invalid');
      await refuse('POST /api/v1/users', '/api/v1/users', { email: 'new@acme.test', managerId: '00000000-0000-7000-8000-000000000000' }, 422, 'user.manager_invalid');
      // The rule is about cycles, not about managers in general.
      expect((await ok(s, 200, 'PATCH', `/api/v1/users/${carol.id}`, { managerId: ada.id })).managerId).toBe(ada.id);
    });

    it('a role goes only to active members of the organization: 422 assignment.principal_invalid', async () => {
      const url = '/api/v1/organizations/acme/role-assignments';
      await refuse('POST /api/v1/organizations/{org}/role-assignments', url, { role: 'viewer', principalType: 'user', principalId: outsider.id }, 422, 'assignment.principal_invalid');
      await refuse('POST /api/v1/organizations/{org}/role-assignments', url, { role: 'viewer', principalType: 'user', principalId: '00000000-0000-7000-8000-000000000000' }, 422, 'assignment.principal_invalid');
      const suspended = await createUser(s, { email: 'suspended@acme.test', org: 'acme' });
      await ok(s, 200, 'PATCH', `/api/v1/users/${suspended.id}`, { status: 'suspended' });
      await refuse('POST /api/v1/organizations/{org}/role-assignments', url, { role: 'viewer', principalType: 'user', principalId: suspended.id }, 422, 'assignment.principal_invalid');
      const foreignBot = await createServiceAccount(s, 'globex', 'globex-bot', outsider.id);
      await refuse('POST /api/v1/organizations/{org}/role-assignments', url, { role: 'viewer', principalType: 'service_account', principalId: foreignBot.id }, 422, 'assignment.principal_invalid');
      // A user id presented as a service account is not one.
      await refuse('POST /api/v1/organizations/{org}/role-assignments', url, { role: 'viewer', principalType: 'service_account', principalId: ada.id }, 422, 'assignment.principal_invalid');
    });

    it('an expiry must be in the future: 422 assignment.expiry_invalid', async () => {
      const url = '/api/v1/organizations/acme/role-assignments';
      for (const expiresAt of [new Date(Date.now() - 60_000).toISOString(), '2020-01-01T00:00:00Z']) {
        await refuse('POST /api/v1/organizations/{org}/role-assignments', url, { role: 'viewer', principalType: 'user', principalId: ada.id, expiresAt }, 422, 'assignment.expiry_invalid');
      }
    });

    it('a role is held once: 409 assignment.exists', async () => {
      await grantRole(s, 'acme', 'viewer', bob.id);
      const message = await refuse(
        'POST /api/v1/organizations/{org}/role-assignments',
        '/api/v1/organizations/acme/role-assignments',
        { role: 'viewer', principalType: 'user', principalId: bob.id, reason: 'again' },
        409,
        'assignment.exists',
      );
      expect(message).toContain('viewer');
    });

    it('a role key is unique within its organization only: 409 role.key_taken', async () => {
      await refuse('POST /api/v1/organizations/{org}/roles', '/api/v1/organizations/acme/roles', { key: 'viewer', name: 'V', description: 'd', permissions: [] }, 409, 'role.key_taken');
      await createRole(s, 'globex', 'viewer');
    });

    it('a service account owner must be an active member: 422 service_account.owner_invalid', async () => {
      await refuse('POST /api/v1/organizations/{org}/service-accounts', '/api/v1/organizations/acme/service-accounts', { name: 'b', description: 'd', ownerUserId: outsider.id }, 422, 'service_account.owner_invalid');
      const bot = await createServiceAccount(s, 'acme', 'acme-bot', ada.id);
      await refuse('PATCH /api/v1/organizations/{org}/service-accounts/{id}', `/api/v1/organizations/acme/service-accounts/${bot.id}`, { ownerUserId: outsider.id }, 422, 'service_account.owner_invalid');
    });

    it('an API key expiry must be in the future: 422 api_key.expiry_invalid', async () => {
      await refuse('POST /api/v1/api-keys', '/api/v1/api-keys', { name: 'late', scopes: ['admin:read'], expiresAt: '2020-01-01T00:00:00Z' }, 422, 'api_key.expiry_invalid');
    });
  });
}
