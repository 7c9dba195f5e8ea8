import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, type HttpSuite } from '../support/http.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { actionEvents, countRows, orgWithDomain, postAcs, samlConnection, samlResponseFromIdp, sessionCookieOf, ssoAdmin } from '../support/sso.ts';
import type { Connection } from '../../src/sso/connection-settings.ts';

/**
 * Who a federated sign-in may land in, and what access it brings: verified
 * domains only, no takeover of accounts elsewhere, no reactivation, group
 * rules for roles with privileged roles filed for approval instead.
 */
describe.each(DIALECTS)('SSO accounts and group rules on %s', (dialect) => {
  let s: HttpSuite;
  let idp: SamlIdp;
  let conn: Connection;
  let engineerRoleId: string;
  const activeRoles = async (userId: string) => (await s.rt.access.listAssignments('acme', { principalId: userId, active: true }, { limit: 50 })).items.map((a) => a.roleId);
  const events = (action: string) => actionEvents(s.rt, action);
  const signIn = async (user: { nameId: string; email?: string; groups?: string[] }, connection = conn) => {
    const { samlResponse } = await samlResponseFromIdp(s, idp, connection.id, user);
    return postAcs(s, connection.id, samlResponse);
  };
  const refusedWith = async (user: { nameId: string; email?: string; groups?: string[] }, status: number, code: string) => {
    const users = await countRows(s.rt, 'users');
    const sessions = await countRows(s.rt, 'sessions');
    const res = await signIn(user);
    expect(res.statusCode).toBe(status);
    expect(res.body).toContain(code);
    expect(sessionCookieOf(res)).toBeNull();
    expect(await countRows(s.rt, 'users')).toBe(users);
    expect(await countRows(s.rt, 'sessions')).toBe(sessions);
    expect((await events('sso.login.failed')).at(-1)!.data).toMatchObject({ code, subject: user.nameId });
  };

  beforeAll(async () => {
    s = await startHttpSuite(dialect);
    idp = await startSamlIdp();
    await orgWithDomain(s.rt, 'acme', 'acme.test');
    // A claimed domain that nobody verified routes and provisions nobody.
    await s.rt.sso.domains.add(ssoAdmin, 'acme', 'unverified.test');
    conn = await samlConnection(s.rt, 'acme', idp);
    const engineer = await s.rt.access.createRole(ssoAdmin, 'acme', { key: 'engineer', name: 'Engineer', description: 'Builds the product', permissions: ['repo:write'] });
    engineerRoleId = engineer.id;
    await s.rt.access.createRole(ssoAdmin, 'acme', { key: 'admin', name: 'Administrator', description: 'Administers production', permissions: ['prod:admin'], privileged: true });
    await s.rt.sso.groupMappings.add(ssoAdmin, 'acme', conn.id, { group: 'Engineering', role: 'engineer' });
    await s.rt.sso.groupMappings.add(ssoAdmin, 'acme', conn.id, { group: 'IT Admins', role: 'admin' });
  });
  afterAll(async () => {
    await idp?.close();
    await s?.close();
  });

  it('groups grant their roles; a privileged role is requested for approval, never granted; a group no longer sent ends its role', async () => {
    const res = await signIn({ nameId: 'grace@acme.test', email: 'grace@acme.test', groups: ['Engineering', 'IT Admins', 'Unmapped'] });
    expect(res.statusCode).toBe(303);
    const grace = (await s.rt.identity.findUserByEmail('grace@acme.test'))!;
    expect(await activeRoles(grace.id)).toEqual([engineerRoleId]);
    const pending = await s.rt.accessRequests.listRequests('acme', { status: 'pending' }, { limit: 50 });
    expect(pending.items).toHaveLength(1);
    expect(pending.items[0]).toMatchObject({ principal: { type: 'user', id: grace.id }, source: 'sso_group', sourceRef: conn.id });
    const [assignment] = (await s.rt.access.listAssignments('acme', { principalId: grace.id, active: true }, { limit: 50 })).items;
    expect(assignment.grantedBy).toEqual({ type: 'sso_connection', id: conn.id });
    expect(assignment.reason).toBe('identity provider group Engineering');

    // Signing in again with the same groups changes nothing (no second grant, no second request).
    const before = (await events('access.assignment.granted')).length;
    expect((await signIn({ nameId: 'grace@acme.test', email: 'grace@acme.test', groups: ['Engineering', 'IT Admins'] })).statusCode).toBe(303);
    expect((await events('access.assignment.granted')).length).toBe(before);
    expect((await s.rt.accessRequests.listRequests('acme', { status: 'pending' }, { limit: 50 })).items).toHaveLength(1);

    // Leaving the groups at the IdP: the role this connection granted ends and the request is withdrawn.
    expect((await signIn({ nameId: 'grace@acme.test', email: 'grace@acme.test', groups: [] })).statusCode).toBe(303);
    expect(await activeRoles(grace.id)).toEqual([]);
    expect((await s.rt.accessRequests.listRequests('acme', { status: 'pending' }, { limit: 50 })).items).toHaveLength(0);
  });

  it('a role given by hand is not ended by a sign-in without the group', async () => {
    const grace = (await s.rt.identity.findUserByEmail('grace@acme.test'))!;
    await s.rt.access.grant(ssoAdmin, 'acme', { role: 'engineer', principalType: 'user', principalId: grace.id, approvalRef: 'TICKET-1' });
    expect((await signIn({ nameId: 'grace@acme.test', email: 'grace@acme.test', groups: [] })).statusCode).toBe(303);
    expect(await activeRoles(grace.id)).toEqual([engineerRoleId]);
  });

  it('an address outside the verified domains is refused, even in a domain only claimed', async () => {
    await refusedWith({ nameId: 'mallory@other.test', email: 'mallory@other.test' }, 403, 'sso.identity_outside_domains');
    await refusedWith({ nameId: 'mallory@unverified.test', email: 'mallory@unverified.test' }, 403, 'sso.identity_outside_domains');
  });

  it('an account of another organization is never taken over', async () => {
    await s.rt.identity.createOrganization(ssoAdmin, { slug: 'globex', name: 'Globex' });
    const victim = await s.rt.identity.createUser(ssoAdmin, { email: 'victor@acme.test', name: 'Victor' }, { orgRef: 'globex' });
    await refusedWith({ nameId: 'victor@acme.test', email: 'victor@acme.test' }, 409, 'sso.account_conflict');
    expect(await s.rt.identity.isMember((await s.rt.identity.requireOrg('acme')).id, victim.id)).toBe(false);
  });

  it('an existing member with the address is linked, not duplicated', async () => {
    const existing = await s.rt.identity.createUser(ssoAdmin, { email: 'linus@acme.test', name: 'Linus' }, { orgRef: 'acme' });
    const users = await countRows(s.rt, 'users');
    expect((await signIn({ nameId: 'linus@acme.test', email: 'linus@acme.test' })).statusCode).toBe(303);
    expect(await countRows(s.rt, 'users')).toBe(users);
    expect((await events('sso.identity.linked')).at(-1)!.data).toMatchObject({ userId: existing.id, provisioned: false });
  });

  it('a deprovisioned or suspended account stays out: SSO never reactivates', async () => {
    const leaver = await s.rt.identity.createUser(ssoAdmin, { email: 'leaver@acme.test', name: 'Leaver' }, { orgRef: 'acme' });
    expect((await signIn({ nameId: 'leaver@acme.test', email: 'leaver@acme.test' })).statusCode).toBe(303);
    await s.rt.identity.setUserStatus(ssoAdmin, leaver.id, 'suspended', 'left the company');
    await refusedWith({ nameId: 'leaver@acme.test', email: 'leaver@acme.test' }, 403, 'sso.account_inactive');
    expect((await s.rt.identity.requireUser(leaver.id)).status).toBe('suspended');
  });

  it('with just-in-time provisioning off, unknown people are refused; an email-less assertion is refused', async () => {
    await s.rt.sso.connections.update(ssoAdmin, 'acme', conn.id, { jitProvisioning: false });
    try {
      await refusedWith({ nameId: 'newhire@acme.test', email: 'newhire@acme.test' }, 403, 'sso.jit_disabled');
    } finally {
      await s.rt.sso.connections.update(ssoAdmin, 'acme', conn.id, { jitProvisioning: true });
    }
    await refusedWith({ nameId: 'opaque-subject-123' }, 422, 'sso.identity_incomplete');
  });

  it('an attribute mapping reads the email from another attribute', async () => {
    await s.rt.sso.connections.update(ssoAdmin, 'acme', conn.id, { attributeMapping: { email: 'workEmail' } });
    try {
      const { samlResponse } = await samlResponseFromIdp(s, idp, conn.id, { nameId: 'EMP-7' });
      // The IdP page was built from setNextUser; a mapped attribute needs a response of our own.
      expect(samlResponse).toBeTruthy();
      const requestId = idp.receivedRequests().at(-1)!.id;
      const mapped = await idp.loginResponse({ user: { nameId: 'EMP-7' }, requestId, attributes: { workEmail: ['Mapped.Person@acme.test'] } });
      const res = await postAcs(s, conn.id, mapped);
      expect(res.statusCode).toBe(303);
      expect(await s.rt.identity.findUserByEmail('mapped.person@acme.test')).toBeDefined();
    } finally {
      await s.rt.sso.connections.update(ssoAdmin, 'acme', conn.id, { attributeMapping: {} });
    }
  });
});
