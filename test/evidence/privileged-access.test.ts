import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createUser, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { openUserSession, sessionHeaders } from '../support/user-session.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { privilegedAccess } from '../../src/evidence/criteria/privileged-access.ts';
import { rowsNotRecomputable, sectionFor, table } from './sections.ts';

const HOUR = 3_600_000;
const START = '2026-03-02T09:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(START) + hours * HOUR).toISOString();

/**
 * Privileged access from the ledger: standing, time-bound and just-in-time
 * holders of privileged roles, a role made privileged while held, and
 * activations ended early and by expiry.
 */
describe.each(DIALECTS)('privileged access evidence, on %s', (dialect) => {
  const clock = new ManualClock(START);
  let s: HttpSuite;
  const u: Record<string, string> = {};
  const a: Record<string, string> = {};

  async function activate(userId: string, minutes: number): Promise<string> {
    const [eligibility] = (await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities?principalId=${userId}&active=true`)).items;
    const { cookie } = await openUserSession(s.rt, userId);
    const res = await s.request('POST', '/api/v1/me/elevations', { key: null, body: { eligibilityId: eligibility.id, justification: `INC-${minutes}: failover drill`, durationMinutes: minutes }, headers: sessionHeaders(cookie) });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  beforeAll(async () => {
    s = await startHttpSuite(dialect, { clock });
    await createOrg(s, 'acme');
    await createRole(s, 'acme', 'db-admin', { privileged: true, elevation: { maxActivationMinutes: 60 } });
    await createRole(s, 'acme', 'viewer');
    for (const name of ['ada', 'bob', 'cat', 'dan', 'eve', 'fay']) u[name] = (await createUser(s, { email: `${name}@acme.test`, org: 'acme' })).id;
    // Before the window: ada holds db-admin standing; fay's time-bound grant ends before the window.
    a.ada = (await grantRole(s, 'acme', 'db-admin', u.ada, { reason: 'legacy DBA' })).id;
    a.fay = (await grantRole(s, 'acme', 'db-admin', u.fay, { expiresAt: at(0.5) })).id;
    await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-eligibilities', { role: 'db-admin', principalId: u.cat, reason: 'on call', approvalRef: 'CHG-1' });
    await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-eligibilities', { role: 'db-admin', principalId: u.dan, reason: 'on call', approvalRef: 'CHG-2' });
    a.eve = (await grantRole(s, 'acme', 'viewer', u.eve)).id;
    // In the window: bob gets a time-bound grant, cat activates and ends early, dan's activation runs out.
    clock.set(at(2));
    a.bob = (await grantRole(s, 'acme', 'db-admin', u.bob, { expiresAt: at(5), approvalRef: 'CHG-7' })).id;
    clock.set(at(3));
    a.cat = await activate(u.cat, 20);
    clock.advance(5 * 60_000);
    const { cookie } = await openUserSession(s.rt, u.cat);
    const ended = await s.request('POST', `/api/v1/me/elevations/${a.cat}/deactivate`, { key: null, body: { reason: 'done' }, headers: sessionHeaders(cookie) });
    expect(ended.statusCode).toBe(200);
    clock.set(at(4));
    a.dan = await activate(u.dan, 10);
    clock.set(at(5));
    await s.rt.elevation.endExpired();
    // The viewer role becomes privileged while eve holds it.
    clock.set(at(6));
    await ok(s, 200, 'PATCH', '/api/v1/organizations/acme/roles/viewer', { privileged: true });
    clock.set(at(7));
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/role-assignments/${a.ada}/revoke`, { reason: 'moved to JIT' });
    clock.set(at(8));
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/role-assignments/${a.eve}/revoke`, { reason: 'not needed' });
    clock.set(at(48));
  }, 60_000);
  afterAll(async () => s?.close());

  it('lists every privileged holder and activation of the window and flags a standing assignment held at its end', async () => {
    const w = { org: 'acme', from: at(1), to: at(6.5) };
    const section = await sectionFor(s.rt, privilegedAccess, w);
    const principals = table(section, 'privileged-principals');
    expect(principals.rows.map((r) => [r.row.principal_id, r.row.kind, r.row.ended_how, r.row.held_at_window_end])).toEqual([
      [u.ada, 'standing', null, true],
      [u.eve, 'standing', null, true],
      [u.bob, 'time_bound', 'expired', false],
      [u.cat, 'jit', 'deactivated', false],
      [u.dan, 'jit', 'expired', false],
    ]);
    expect(principals.rows[2].row).toMatchObject({ assignment_id: a.bob, role_key: 'db-admin', granted_at: at(2), granted_by: `api_key:${s.adminKeyId} (test admin)`, approval_ref: 'CHG-7', expires_at: at(5), ended_at: at(5) });
    // eve's row cites the role update that made viewer privileged.
    const eveCited = await Promise.all(principals.rows[1].cites.map((id) => s.rt.ledger.getEvent(id)));
    expect(eveCited.map((e) => e.action)).toEqual(['access.assignment.granted', 'access.role.updated']);

    const activations = table(section, 'jit-activations');
    expect(activations.rows.map((r) => r.row)).toEqual([
      {
        assignment_id: a.cat,
        user_id: u.cat,
        email: 'cat@acme.test',
        role_key: 'db-admin',
        privileged: true,
        justification: 'INC-20: failover drill',
        requested_minutes: 20,
        activated_at: at(3),
        expires_at: new Date(Date.parse(at(3)) + 20 * 60_000).toISOString(),
        ended_at: new Date(Date.parse(at(3)) + 5 * 60_000).toISOString(),
        actual_seconds: 300,
        ended_how: 'early',
        exceeded_requested: false,
        approval_ref: null,
        session_amr: 'hwk user',
      },
      expect.objectContaining({ assignment_id: a.dan, requested_minutes: 10, actual_seconds: 600, ended_how: 'expired', exceeded_requested: false }),
    ]);
    expect(section.status).toBe('attention');
    expect(section.facts).toEqual([
      { label: 'Principals holding a privileged role in the window', value: 5 },
      { label: 'Privileged assignments in the window', value: 5 },
      { label: 'Standing privileged assignments at window end', value: 2, attention: true },
      { label: 'Just-in-time activations', value: 2 },
      { label: 'Activations longer than requested', value: 0 },
      { label: 'Median activation duration (seconds)', value: 300 },
    ]);
    expect(await rowsNotRecomputable(s.rt, principals, w)).toEqual([]);
    expect(await rowsNotRecomputable(s.rt, activations, w)).toEqual([]);
  });

  it('passes once every standing privileged assignment has ended by the window end', async () => {
    const w = { org: 'acme', from: at(1), to: at(24) };
    const section = await sectionFor(s.rt, privilegedAccess, w);
    const principals = table(section, 'privileged-principals');
    expect(principals.rows.map((r) => [r.row.principal_id, r.row.ended_how, r.row.ended_at])).toEqual([
      [u.ada, 'revoked', at(7)],
      [u.eve, 'revoked', at(8)],
      [u.bob, 'expired', at(5)],
      [u.cat, 'deactivated', new Date(Date.parse(at(3)) + 5 * 60_000).toISOString()],
      [u.dan, 'expired', new Date(Date.parse(at(4)) + 10 * 60_000).toISOString()],
    ]);
    expect(section.status).toBe('pass');
    expect(await rowsNotRecomputable(s.rt, principals, w)).toEqual([]);
  });

  it('a window after everything ended has no holders and no activations', async () => {
    const section = await sectionFor(s.rt, privilegedAccess, { org: 'acme', from: at(24), to: at(30) });
    expect(section.tables.map((t) => t.rows.length)).toEqual([0, 0]);
    expect(section.status).toBe('pass');
  });
});
