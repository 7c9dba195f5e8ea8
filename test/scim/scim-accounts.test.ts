import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createRole, createUser, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { systemContext } from '../../src/audit/event.ts';
import { DEFAULT_SESSION_POLICY } from '../../src/sessions/session-policy.ts';
import { CORE_GROUP, CORE_USER, ENTERPRISE_USER, PATCH_OP, connectDirectory, oktaUser, type ScimClient } from '../support/scim.ts';

type Json = Record<string, any>;

for (const dialect of DIALECTS) {
  describe(`SCIM users become Keyledger accounts, and groups grant roles, on ${dialect}`, () => {
    let s: HttpSuite;
    let c: ScimClient;
    const patch = (ops: unknown[]) => ({ schemas: [PATCH_OP], Operations: ops });
    const accountOf = async (email: string): Promise<Json | undefined> => {
      const res = await s.request('GET', `/api/v1/users?email=${encodeURIComponent(email)}`);
      return (res.json() as { items: Json[] }).items[0];
    };
    const activeRoles = async (userId: string): Promise<string[]> => {
      const page = await ok<{ items: { roleId: string; active: boolean }[] }>(s, 200, 'GET', `/api/v1/organizations/acme/role-assignments?principalId=${userId}&active=true`);
      const roles = await ok<{ items: { id: string; key: string }[] }>(s, 200, 'GET', '/api/v1/organizations/acme/roles?limit=100');
      return page.items.map((a) => roles.items.find((r) => r.id === a.roleId)!.key).sort();
    };
    const eventsSince = async (seq: number) => (await s.rt.ledger.listEvents({ afterSeq: seq - 1 }, { limit: 200 })).events;
    const nextSeq = async () => Number((await s.rt.database.db.selectFrom('ledger_head').select('next_seq').executeTakeFirstOrThrow()).next_seq);

    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      c = await connectDirectory(s);
      await createRole(s, 'acme', 'engineer');
      await createRole(s, 'acme', 'wiki-reader');
      await createRole(s, 'acme', 'prod-admin', { privileged: true });
    });
    afterAll(() => s?.close());

    it('an active directory user gets an account and a membership, with no access beyond its groups', async () => {
      const res = await c.scim('POST', '/Users', { ...oktaUser('ada@acme.test'), schemas: [CORE_USER, ENTERPRISE_USER], title: 'Engineer', [ENTERPRISE_USER]: { department: 'R&D', employeeNumber: 'E-1' } });
      expect(res.statusCode).toBe(201);
      const account = await accountOf('ada@acme.test');
      expect(account).toMatchObject({ email: 'ada@acme.test', status: 'active', title: 'Engineer', department: 'R&D', employeeNumber: 'E-1' });
      expect(account!.emailVerifiedAt).not.toBeNull();
      const members = await ok<{ items: Json[] }>(s, 200, 'GET', '/api/v1/organizations/acme/members');
      expect(members.items.map((m) => m.email)).toContain('ada@acme.test');
      expect(await activeRoles(account!.id)).toEqual([]);
    });

    it('an inactive directory user gets no account; an address whose account is outside the organization stays unlinked; a member is linked', async () => {
      expect((await c.scim('POST', '/Users', { ...oktaUser('dormant@acme.test'), active: false })).statusCode).toBe(201);
      expect(await accountOf('dormant@acme.test')).toBeUndefined();
      await ok(s, 201, 'POST', '/api/v1/organizations', { slug: 'other', name: 'Other' });
      await createUser(s, { email: 'shared@acme.test', org: 'other' });
      const seq = await nextSeq();
      expect((await c.scim('POST', '/Users', oktaUser('shared@acme.test'))).statusCode).toBe(201);
      const conflict = (await eventsSince(seq)).find((e) => e.action === 'scim.user.link_conflict');
      expect(conflict?.data).toMatchObject({ conflict: 'account_outside_organization', email: 'shared@acme.test' });
      // An account that belongs to no organization is not the directory's to take either.
      await createUser(s, { email: 'loner@acme.test' });
      expect((await c.scim('POST', '/Users', oktaUser('loner@acme.test'))).statusCode).toBe(201);
      const members = await ok<{ items: Json[] }>(s, 200, 'GET', '/api/v1/organizations/acme/members?limit=200');
      expect(members.items.map((m) => m.email)).not.toContain('loner@acme.test');
      // A member of this organization (and no other) is linked, not duplicated.
      const existing = await createUser(s, { email: 'member@acme.test', org: 'acme' });
      const seq2 = await nextSeq();
      expect((await c.scim('POST', '/Users', oktaUser('member@acme.test'))).statusCode).toBe(201);
      expect((await eventsSince(seq2)).find((e) => e.action === 'scim.user.linked')?.data).toMatchObject({ userId: existing.id, existing: true });
      // The account of the other organization is untouched.
      expect(await accountOf('shared@acme.test')).toMatchObject({ status: 'active' });
    });

    it('group membership grants mapped roles; a privileged role becomes a pending request instead', async () => {
      const grace = (await c.scim('POST', '/Users', oktaUser('grace@acme.test'))).json() as Json;
      const group = await c.scim('POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Engineering', members: [] });
      expect(group.statusCode).toBe(201);
      const groupId = (group.json() as Json).id;
      const mapped = await s.request('POST', `/api/v1/organizations/acme/scim-directories/${c.directoryId}/group-mappings`, { body: { group: 'engineering', role: 'engineer' } });
      expect(mapped.statusCode).toBe(201);
      expect(mapped.json()).toMatchObject({ groupDisplayName: 'Engineering', roleKey: 'engineer', privileged: false });
      await ok(s, 201, 'POST', `/api/v1/organizations/acme/scim-directories/${c.directoryId}/group-mappings`, { group: groupId, role: 'prod-admin' });

      const account = (await accountOf('grace@acme.test'))!;
      const seq = await nextSeq();
      const add = await c.scim('PATCH', `/Groups/${groupId}`, patch([{ op: 'add', path: 'members', value: [{ value: grace.id }] }]));
      expect(add.statusCode).toBe(200);
      expect(await activeRoles(account.id)).toEqual(['engineer']);
      const events = await eventsSince(seq);
      expect(events.find((e) => e.action === 'scim.group.members_changed')?.data).toMatchObject({ added: [grace.id], removed: [] });
      expect(events.find((e) => e.action === 'access.assignment.granted')).toMatchObject({ actor: { type: 'scim_directory', id: c.directoryId }, data: { roleKey: 'engineer' } });
      expect(events.some((e) => e.action === 'access.assignment.granted' && e.data.roleKey === 'prod-admin')).toBe(false);
      const requests = await ok<{ items: Json[] }>(s, 200, 'GET', '/api/v1/organizations/acme/access-requests?status=pending');
      expect(requests.items).toEqual([expect.objectContaining({ principal: { type: 'user', id: account.id }, status: 'pending', source: 'scim_group', requestedBy: { type: 'scim_directory', id: c.directoryId } })]);

      // The same push again changes nothing and files no second request.
      await c.scim('PATCH', `/Groups/${groupId}`, patch([{ op: 'add', path: 'members', value: [{ value: grace.id }] }]));
      expect((await ok<{ items: Json[] }>(s, 200, 'GET', '/api/v1/organizations/acme/access-requests?status=pending')).items).toHaveLength(1);

      // Leaving the group ends the role and withdraws the request; a role granted by hand is not the directory's to end.
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: 'wiki-reader', principalType: 'user', principalId: account.id });
      const remove = await c.scim('PATCH', `/Groups/${groupId}`, patch([{ op: 'remove', path: `members[value eq "${grace.id}"]` }]));
      expect(remove.statusCode).toBe(200);
      expect(await activeRoles(account.id)).toEqual(['wiki-reader']);
      expect((await ok<{ items: Json[] }>(s, 200, 'GET', '/api/v1/organizations/acme/access-requests?status=pending')).items).toHaveLength(0);
    });

    it('a department or manager change is a mover event', async () => {
      const boss = (await c.scim('POST', '/Users', oktaUser('boss@acme.test'))).json() as Json;
      const emp = (await c.scim('POST', '/Users', { ...oktaUser('emp@acme.test'), schemas: [CORE_USER, ENTERPRISE_USER], [ENTERPRISE_USER]: { department: 'Sales' } })).json() as Json;
      const seq = await nextSeq();
      const moved = await c.scim('PATCH', `/Users/${emp.id}`, patch([{ op: 'replace', path: `${ENTERPRISE_USER}:department`, value: 'Finance' }, { op: 'replace', path: `${ENTERPRISE_USER}:manager`, value: { value: boss.id } }]));
      expect(moved.statusCode).toBe(200);
      expect((moved.json() as Json)[ENTERPRISE_USER]).toMatchObject({ department: 'Finance', manager: { value: boss.id } });
      const bossAccount = (await accountOf('boss@acme.test'))!;
      const empAccount = (await accountOf('emp@acme.test'))!;
      expect(empAccount).toMatchObject({ department: 'Finance', managerId: bossAccount.id });
      const event = (await eventsSince(seq)).find((e) => e.action === 'lifecycle.user.moved');
      expect(event?.data).toEqual({ userId: empAccount.id, source: 'scim', before: { department: 'Sales', title: empAccount.title, managerId: null }, after: { department: 'Finance', title: empAccount.title, managerId: bossAccount.id } });
    });

    it('active=false deprovisions the account at once; turning it back on reactivates it; DELETE deprovisions', async () => {
      const u = (await c.scim('POST', '/Users', oktaUser('leaver@acme.test'))).json() as Json;
      const account = (await accountOf('leaver@acme.test'))!;
      const { token } = await s.rt.sessions.create(systemContext('test', 'setup'), { userId: account.id, orgId: null, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd', ip: null, userAgent: null, policy: DEFAULT_SESSION_POLICY });
      expect((await s.rt.sessions.inspect(token)).ok).toBe(true);
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: 'engineer', principalType: 'user', principalId: account.id });

      const seq = await nextSeq();
      // Okta's deactivation: a replace without a path.
      const off = await c.scim('PATCH', `/Users/${u.id}`, patch([{ op: 'replace', value: { active: false } }]));
      expect(off.statusCode).toBe(200);
      expect((off.json() as Json).active).toBe(false);
      expect(await accountOf('leaver@acme.test')).toMatchObject({ status: 'deprovisioned' });
      expect((await s.rt.sessions.inspect(token)).ok).toBe(false);
      expect(await activeRoles(account.id)).toEqual([]);
      const deprovisioned = (await eventsSince(seq)).find((e) => e.action === 'lifecycle.user.deprovisioned');
      expect(deprovisioned).toMatchObject({ actor: { type: 'scim_directory' }, data: { source: 'scim', sourceRef: u.id } });
      expect(typeof deprovisioned!.data.accessRemovedAt).toBe('string');

      // An unrelated update while inactive does not reactivate; turning active on does.
      await c.scim('PATCH', `/Users/${u.id}`, patch([{ op: 'replace', path: 'title', value: 'Gone' }]));
      expect(await accountOf('leaver@acme.test')).toMatchObject({ status: 'deprovisioned' });
      // A replacement that leaves `active` out keeps it false (read as the default, true, it would reactivate).
      const { active: _omitted, ...withoutActive } = oktaUser('leaver@acme.test');
      const put = await c.scim('PUT', `/Users/${u.id}`, withoutActive);
      expect(put.statusCode).toBe(200);
      expect((put.json() as Json).active).toBe(false);
      expect(await accountOf('leaver@acme.test')).toMatchObject({ status: 'deprovisioned' });
      // Entra's form: capitalised op and a string boolean.
      const on = await c.scim('PATCH', `/Users/${u.id}`, patch([{ op: 'Replace', path: 'active', value: 'True' }]));
      expect(on.statusCode).toBe(200);
      expect(await accountOf('leaver@acme.test')).toMatchObject({ status: 'active' });

      expect((await c.scim('DELETE', `/Users/${u.id}`)).statusCode).toBe(204);
      expect(await accountOf('leaver@acme.test')).toMatchObject({ status: 'deprovisioned' });
      // Provisioned again later: the same account comes back, reactivated.
      expect((await c.scim('POST', '/Users', oktaUser('leaver@acme.test'))).statusCode).toBe(201);
      expect(await accountOf('leaver@acme.test')).toMatchObject({ id: account.id, status: 'active' });
    });

    it('an account an administrator took out of the organization is let go, not deprovisioned, by the directory', async () => {
      const u = (await c.scim('POST', '/Users', oktaUser('moved.on@acme.test'))).json() as Json;
      const account = (await accountOf('moved.on@acme.test'))!;
      expect((await s.request('DELETE', `/api/v1/organizations/acme/members/${account.id}`)).statusCode).toBe(204);
      const seq = await nextSeq();
      const off = await c.scim('PATCH', `/Users/${u.id}`, patch([{ op: 'replace', value: { active: false } }]));
      expect(off.statusCode).toBe(200);
      expect(await accountOf('moved.on@acme.test')).toMatchObject({ status: 'active' });
      const events = await eventsSince(seq);
      expect(events.find((e) => e.action === 'scim.user.link_conflict')?.data).toMatchObject({ conflict: 'account_outside_organization' });
      expect(events.some((e) => e.action === 'lifecycle.user.deprovisioned')).toBe(false);
      expect((await c.scim('DELETE', `/Users/${u.id}`)).statusCode).toBe(204);
      expect(await accountOf('moved.on@acme.test')).toMatchObject({ status: 'active' });
    });
  });
}
