import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createServiceAccount, createUser, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, walkPages, type HttpSuite } from '../support/http.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const dialect of DIALECTS) {
  describe(`organizations, users, memberships and service accounts over HTTP on ${dialect}`, () => {
    let s: HttpSuite;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
    });
    afterAll(async () => s?.close());

    it('creates an organization, reads it by id and by slug, and renames it with a before/after event', async () => {
      const org = await createOrg(s, 'acme', 'Acme Corp');
      expect(org).toMatchObject({ slug: 'acme', name: 'Acme Corp', settings: {} });
      expect(org.id).toMatch(UUID);
      expect(org.createdAt).toBe(org.updatedAt);
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/${org.id}`)).toEqual(org);
      expect(await ok(s, 200, 'GET', '/api/v1/organizations/acme')).toEqual(org);

      const { res, events } = await eventsDuring(s, () => s.request('PATCH', '/api/v1/organizations/acme', { body: { name: 'Acme Inc', settings: { region: 'eu' } } }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: org.id, slug: 'acme', name: 'Acme Inc', settings: { region: 'eu' } });
      expect(events.map((e) => [e.action, e.org, e.data])).toEqual([
        ['identity.organization.updated', org.id, { before: { name: 'Acme Corp', settings: {} }, after: { name: 'Acme Inc', settings: { region: 'eu' } } }],
      ]);
    });

    it('lists organizations page by page: every one once, in id order, nextCursor null at the end', async () => {
      for (let i = 0; i < 7; i++) await createOrg(s, `paged-${i}`);
      const all = (await ok(s, 200, 'GET', '/api/v1/organizations?limit=200')).items.map((o: { id: string }) => o.id);
      expect(all.length).toBeGreaterThanOrEqual(8);
      const { ids, pages } = await walkPages(s, '/api/v1/organizations', 3);
      expect(ids).toEqual(all);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort());
      expect(pages).toBe(Math.ceil(all.length / 3));
    });

    it('creates a user with org, which also makes the membership', async () => {
      const { res, events } = await eventsDuring(s, () =>
        s.request('POST', '/api/v1/users', { body: { email: 'Ada@Example.com', name: 'Ada', org: 'acme', department: 'Engineering', title: 'CTO', employeeNumber: 'E-1' } }),
      );
      expect(res.statusCode).toBe(201);
      const ada = res.json();
      expect(ada).toMatchObject({ email: 'ada@example.com', name: 'Ada', status: 'active', managerId: null, department: 'Engineering', title: 'CTO', employeeNumber: 'E-1' });
      expect(events.map((e) => e.action)).toEqual(['identity.user.created', 'identity.membership.created']);
      expect(events[1].data).toEqual({ userId: ada.id, email: 'ada@example.com' });
      const members = await ok(s, 200, 'GET', '/api/v1/organizations/acme/members');
      expect(members.items.map((u: { id: string }) => u.id)).toEqual([ada.id]);
      expect(await ok(s, 200, 'GET', `/api/v1/users/${ada.id}`)).toEqual(ada);
    });

    it('filters users by organization, status and department', async () => {
      await createOrg(s, 'globex');
      const a = await createUser(s, { email: 'f-a@globex.test', org: 'globex', department: 'Sales' });
      const b = await createUser(s, { email: 'f-b@globex.test', org: 'globex', department: 'Support' });
      const c = await createUser(s, { email: 'f-c@globex.test', org: 'globex', department: 'Sales' });
      const outsider = await createUser(s, { email: 'f-d@elsewhere.test', department: 'Sales' });
      await ok(s, 200, 'PATCH', `/api/v1/users/${c.id}`, { status: 'suspended' });
      const ids = async (query: string) => (await ok(s, 200, 'GET', `/api/v1/users?${query}`)).items.map((u: { id: string }) => u.id);

      expect(await ids('org=globex')).toEqual([a.id, b.id, c.id]);
      expect(await ids(`org=${(await ok(s, 200, 'GET', '/api/v1/organizations/globex')).id}`)).toEqual([a.id, b.id, c.id]);
      expect(await ids('org=globex&status=active')).toEqual([a.id, b.id]);
      expect(await ids('status=suspended')).toEqual([c.id]);
      expect(await ids('org=globex&department=Sales')).toEqual([a.id, c.id]);
      expect(await ids('department=Sales')).toEqual([a.id, c.id, outsider.id]);
      expect(await ids('email=F-B%40GLOBEX.test')).toEqual([b.id]);
      expectError(await s.request('GET', '/api/v1/users?org=no-such-org'), 404, 'organization.not_found');
    });

    it('walks the users of an organization page by page', async () => {
      await createOrg(s, 'initech');
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await createUser(s, { email: `page-${i}@initech.test`, org: 'initech' })).id);
      const { ids, pages } = await walkPages(s, '/api/v1/users?org=initech', 2);
      expect(ids).toEqual(created);
      expect(pages).toBe(3);
      const members = await walkPages(s, '/api/v1/organizations/initech/members', 4);
      expect(members.ids).toEqual(created);
    });

    it('PATCH of a profile records identity.user.updated with only the changed fields', async () => {
      const u = await createUser(s, { email: 'grace@acme.test', name: 'Grace', org: 'acme', department: 'Research', title: 'Engineer' });
      const { res, events } = await eventsDuring(s, () =>
        s.request('PATCH', `/api/v1/users/${u.id}`, { body: { name: 'Grace Hopper', department: 'Research', title: 'Rear Admiral' } }),
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: u.id, name: 'Grace Hopper', department: 'Research', title: 'Rear Admiral', status: 'active' });
      // A new title makes Grace a mover too (she holds no role, so there is no access to review).
      expect(events.map((e) => e.action)).toEqual(['identity.user.updated', 'lifecycle.user.moved']);
      expect(events[0]).toMatchObject({ action: 'identity.user.updated', targets: [{ type: 'user', id: u.id }] });
      expect(events[0].data).toEqual({ before: { name: 'Grace', title: 'Engineer' }, after: { name: 'Grace Hopper', title: 'Rear Admiral' } });
      expect(events[1].data).toEqual({ userId: u.id, source: 'admin', before: { department: 'Research', title: 'Engineer', managerId: null }, after: { department: 'Research', title: 'Rear Admiral', managerId: null } });
      expect((await ok(s, 200, 'GET', `/api/v1/users/${u.id}`)).title).toBe('Rear Admiral');
    });

    it('PATCH of status records identity.user.status_changed, and the same status again records nothing', async () => {
      const u = await createUser(s, { email: 'linus@acme.test', org: 'acme' });
      const { res, events } = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${u.id}`, { body: { status: 'suspended', statusReason: 'on leave' } }));
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe('suspended');
      expect(events.map((e) => [e.action, e.data])).toEqual([['identity.user.status_changed', { before: 'active', after: 'suspended', reason: 'on leave' }]]);
      await expectNothingChanged(s.rt, async () => {
        const again = await s.request('PATCH', `/api/v1/users/${u.id}`, { body: { status: 'suspended' } });
        expect(again.statusCode).toBe(200);
        expect(again.json().status).toBe('suspended');
      });
      const both = await eventsDuring(s, () => s.request('PATCH', `/api/v1/users/${u.id}`, { body: { title: 'Kernel', status: 'active' } }));
      expect(both.events.map((e) => [e.action, e.data])).toEqual([
        ['identity.user.updated', { before: { title: null }, after: { title: 'Kernel' } }],
        ['lifecycle.user.moved', { userId: u.id, source: 'admin', before: { department: null, title: null, managerId: null }, after: { department: null, title: 'Kernel', managerId: null } }],
        ['identity.user.status_changed', { before: 'suspended', after: 'active', reason: null }],
      ]);
    });

    it('adds and removes members, refusing a duplicate and a second removal', async () => {
      const u = await createUser(s, { email: 'member@hooli.test' });
      const org = await createOrg(s, 'hooli');
      const { res, events } = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/hooli/members', { body: { userId: u.id } }));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ orgId: org.id, userId: u.id });
      expect(events.map((e) => e.action)).toEqual(['identity.membership.created']);
      expectError(await s.request('POST', '/api/v1/organizations/hooli/members', { body: { userId: u.id } }), 409, 'membership.exists');
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/hooli/members')).items.map((m: { id: string }) => m.id)).toEqual([u.id]);

      const removed = await eventsDuring(s, () => s.request('DELETE', `/api/v1/organizations/hooli/members/${u.id}`));
      expect(removed.res.statusCode).toBe(204);
      expect(removed.res.body).toBe('');
      expect(removed.events.map((e) => [e.action, e.data])).toEqual([['identity.membership.deleted', { userId: u.id, endedAssignments: [] }]]);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/hooli/members')).items).toEqual([]);
      expectError(await s.request('DELETE', `/api/v1/organizations/hooli/members/${u.id}`), 404, 'membership.not_found');
    });

    it('creates, lists, reads and changes service accounts', async () => {
      const owner = await createUser(s, { email: 'owner@acme.test', org: 'acme' });
      const acme = await ok(s, 200, 'GET', '/api/v1/organizations/acme');
      const { res, events } = await eventsDuring(s, () =>
        s.request('POST', '/api/v1/organizations/acme/service-accounts', { body: { name: 'ci-bot', description: 'Deploys from CI', ownerUserId: owner.id } }),
      );
      expect(res.statusCode).toBe(201);
      const bot = res.json();
      expect(bot).toMatchObject({ orgId: acme.id, name: 'ci-bot', description: 'Deploys from CI', ownerUserId: owner.id, status: 'active' });
      expect(events.map((e) => [e.action, e.org, e.data])).toEqual([['identity.service_account.created', acme.id, { name: 'ci-bot', description: 'Deploys from CI', ownerUserId: owner.id }]]);
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/acme/service-accounts/${bot.id}`)).toEqual(bot);

      const more = [bot.id];
      for (let i = 0; i < 4; i++) more.push((await createServiceAccount(s, 'acme', `bot-${i}`, owner.id)).id);
      const walked = await walkPages(s, '/api/v1/organizations/acme/service-accounts', 2);
      expect(walked.ids).toEqual(more);
      expect(walked.pages).toBe(3);

      const changed = await eventsDuring(s, () => s.request('PATCH', `/api/v1/organizations/acme/service-accounts/${bot.id}`, { body: { status: 'disabled', description: 'Deploys' } }));
      expect(changed.res.statusCode).toBe(200);
      expect(changed.res.json()).toMatchObject({ status: 'disabled', ownerUserId: owner.id, name: 'ci-bot', description: 'Deploys' });
      expect(changed.events.map((e) => [e.action, e.data])).toEqual([
        ['identity.service_account.updated', { before: { description: 'Deploys from CI' }, after: { description: 'Deploys' } }],
        ['identity.service_account.disabled', { credentials: [] }],
      ]);
      // Exactly one owner: it can be changed, never taken away.
      expectError(await s.request('PATCH', `/api/v1/organizations/acme/service-accounts/${bot.id}`, { body: { ownerUserId: null } }), 400, 'request.invalid');
      // A service account is found only under its own organization.
      expectError(await s.request('GET', `/api/v1/organizations/globex/service-accounts/${bot.id}`), 404, 'service_account.not_found');
    });
  });
}
