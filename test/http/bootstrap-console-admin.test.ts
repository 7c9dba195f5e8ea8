import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { expectNothingChanged, ledgerNextSeq, listEventsViaApi, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ADMINISTRATOR_ROLE_KEY, ALL_CONSOLE_PERMISSIONS } from '../../src/console/operator.ts';

const ctx = systemContext('start', 'keyledger start');
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const PASSWORD = 'quartz-lantern-orbit-meadow-42';

describe.each(DIALECTS)('the bootstrap link also creates the first console administrator (%s)', (dialect) => {
  let s: HttpSuite;
  let token: string;
  beforeAll(async () => {
    s = await startHttpSuite(dialect, { adminKey: false });
    token = new URL((await s.rt.bootstrap.issueLinkIfNeeded(ctx))!.url).searchParams.get('token')!;
  });
  afterAll(async () => s?.close());

  const post = (fields: Record<string, string>) => s.app.inject({ method: 'POST', url: '/bootstrap', headers: form, payload: new URLSearchParams({ token, name: 'first admin', ...fields }).toString() });

  it('the form asks for the administrator’s email, name and password', async () => {
    const res = await s.app.inject({ method: 'GET', url: `/bootstrap?token=${encodeURIComponent(token)}` });
    expect(res.statusCode).toBe(200);
    for (const field of ['adminEmail', 'adminName', 'adminPassword']) expect(res.body).toContain(`name="${field}"`);
  });

  it('a partial administrator, a bad address or a weak password is refused with the form again, and the link is not spent', async () => {
    for (const [fields, status, text] of [
      [{ adminEmail: 'root@operator.test', adminName: 'Root' }, 400, 'leave all three empty'],
      [{ adminEmail: 'not-an-address', adminName: 'Root', adminPassword: PASSWORD }, 400, 'not an email address'],
      [{ adminEmail: 'root@operator.test', adminName: 'Root', adminPassword: 'password' }, 422, 'authn.password_'],
    ] as const) {
      await expectNothingChanged(s.rt, async () => {
        const res = await post(fields);
        expect(res.statusCode).toBe(status);
        expect(res.body).toContain(text);
        expect(res.body).toContain('<form method="post" action="/bootstrap">');
        expect(res.body).not.toContain('kl_key_');
      });
      expect(await s.rt.bootstrap.isUsable(token)).toBe(true);
    }
  });

  it('with all three, the link creates the key and an administrator of the operator organization holding every console permission', async () => {
    const seqBefore = await ledgerNextSeq(s.rt);
    const res = await post({ adminEmail: 'root@operator.test', adminName: 'Root Operator', adminPassword: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/console/"');
    const key = /kl_key_[A-Za-z0-9_-]{43}/.exec(res.body)![0];
    const orgs = (await s.request('GET', '/api/v1/organizations', { key })).json().items;
    expect(orgs.map((o: { slug: string }) => o.slug)).toEqual(['keyledger']);
    const role = (await s.request('GET', `/api/v1/organizations/keyledger/roles/${ADMINISTRATOR_ROLE_KEY}`, { key })).json();
    expect(role).toMatchObject({ privileged: true });
    expect([...role.permissions].sort()).toEqual([...ALL_CONSOLE_PERMISSIONS].sort());
    const user = (await s.request('GET', '/api/v1/users?email=root%40operator.test', { key })).json().items[0];
    expect(user).toMatchObject({ email: 'root@operator.test', name: 'Root Operator' });
    const assignments = (await s.request('GET', `/api/v1/organizations/keyledger/role-assignments?principalId=${user.id}`, { key })).json().items;
    expect(assignments).toHaveLength(1);
    expect(assignments[0]).toMatchObject({ principal: { type: 'user', id: user.id } });
    const events = (await listEventsViaApi(s, '', key)).filter((e) => e.seq >= seqBefore);
    const actions = events.map((e) => e.action);
    expect(actions).toEqual(['platform.api_key.created', 'platform.bootstrap.completed', 'identity.organization.created', 'access.role.created', 'identity.user.created', 'identity.membership.created', 'authn.password.changed', 'access.assignment.granted']);
    for (const e of events) {
      expect(e.actor).toMatchObject({ type: 'system', id: 'bootstrap' });
      expect(JSON.stringify(e)).not.toContain(PASSWORD);
    }
    expect(await s.rt.bootstrap.isUsable(token)).toBe(false);
  });
});
