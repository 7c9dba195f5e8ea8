import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createUser, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { openUserSession } from '../support/user-session.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { signHrEvent } from '../../src/lifecycle/hr-signature.ts';
import { cc65Leavers } from '../../src/evidence/criteria/cc6-5-leavers.ts';
import { rowsNotRecomputable, sectionFor, table } from './sections.ts';

const HOUR = 3_600_000;
const START = '2026-03-01T00:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(START) + hours * HOUR).toISOString();

/**
 * CC6.5 from the ledger: leavers terminated in the window, each with its removal
 * time and SLA verdict, from admin removals, signed HR events (at once and
 * scheduled) and a termination nobody carried out.
 */
describe.each(DIALECTS)('CC6.5 leavers evidence, on %s', (dialect) => {
  const clock = new ManualClock(START);
  let s: HttpSuite;
  let source: { id: string; secret: string };
  let n = 0;
  const users: Record<string, string> = {};
  const window = { org: 'acme', from: at(1), to: at(24 * 10) };

  const deliver = async (type: string, employeeId: string, effectiveAt: string) => {
    const raw = JSON.stringify({ id: `evt-${++n}`, type, employeeId, effectiveAt });
    const t = Math.floor(clock.now().getTime() / 1000);
    const res = await s.app.inject({ method: 'POST', url: '/api/v1/lifecycle/hr-events', headers: { 'content-type': 'application/json', 'keyledger-source': source.id, 'keyledger-signature': `t=${t},v1=${signHrEvent(source.secret, t, raw)}` }, payload: raw });
    expect(res.statusCode).toBe(202);
    return res.json();
  };

  beforeAll(async () => {
    s = await startHttpSuite(dialect, { clock });
    await createOrg(s, 'acme');
    await createOrg(s, 'globex');
    await createRole(s, 'acme', 'viewer');
    const created = await ok(s, 201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'Workday' });
    source = { id: created.source.id, secret: created.secret };
    for (const [name, org] of [['old', 'acme'], ['ada', 'acme'], ['bob', 'acme'], ['cat', 'acme'], ['dan', 'acme'], ['eve', 'globex'], ['fay', 'acme'], ['gus', 'acme']] as const) {
      users[name] = (await createUser(s, { email: `${name}@${org}.test`, org, employeeNumber: `E-${name}` })).id;
    }
    await grantRole(s, 'acme', 'viewer', users.ada);
    await ok(s, 201, 'POST', '/api/v1/organizations/globex/members', { userId: users.gus });
    await grantRole(s, 'acme', 'viewer', users.bob);

    // Before the window: a leaver removed at once (not in the population).
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${users.old}/deprovision`, { reason: 'left before the audit period' });
    // In the window: an administrator removes ada 2 hours after she left.
    clock.set(at(5));
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${users.ada}/deprovision`, { reason: 'resigned', terminatedAt: at(3) });
    // gus belongs to two organizations and an administrator sets his status: the removal counts against none, so it is each organization's.
    clock.set(at(6));
    await ok(s, 200, 'PATCH', `/api/v1/users/${users.gus}`, { status: 'deprovisioned' });
    // HR reports bob 30 hours late: removed at once, outside the 24 h SLA.
    clock.set(at(40));
    await openUserSession(s.rt, users.bob);
    expect(await deliver('employee.terminated', 'E-bob', at(10))).toMatchObject({ status: 'deprovisioned' });
    // dan's termination is announced for later and the ticker carries it out in time.
    expect(await deliver('employee.terminated', 'E-dan', at(50))).toMatchObject({ status: 'scheduled' });
    // cat's is announced too, but no ticker runs afterwards: not removed by the window end.
    expect(await deliver('employee.terminated', 'E-cat', at(60))).toMatchObject({ status: 'scheduled' });
    clock.set(at(51));
    expect(await s.rt.lifecycle.runDue()).toBe(1);
    // A leaver of another organization is not acme's.
    await ok(s, 200, 'POST', `/api/v1/organizations/globex/users/${users.eve}/deprovision`, { reason: 'resigned' });
    // fay's termination is announced for a time after the window: not in this window's population.
    expect(await deliver('employee.terminated', 'E-fay', at(24 * 11))).toMatchObject({ status: 'scheduled' });
    clock.set(at(24 * 12));
  }, 60_000);
  afterAll(async () => s?.close());

  it('lists every leaver terminated in the window with removal time and SLA verdict, and flags the late and the missing', async () => {
    const section = await sectionFor(s.rt, cc65Leavers, window);
    const leavers = table(section, 'leavers');
    expect(leavers.rows.map((r) => r.row.user_id)).toEqual([users.ada, users.gus, users.bob, users.dan, users.cat]);
    const [ada, gus, bob, dan, cat] = leavers.rows;
    expect(gus.row).toMatchObject({ email: 'gus@acme.test', source: 'admin', terminated_at: at(6), access_removed_at: at(6), elapsed_seconds: 0, within_sla: true });
    expect(ada.row).toEqual({
      user_id: users.ada,
      email: 'ada@acme.test',
      source: 'admin',
      source_ref: null,
      terminated_at: at(3),
      access_removed_at: at(5),
      elapsed_seconds: 7200,
      elapsed_hours: 2,
      sla_hours: 24,
      sla_deadline: at(27),
      within_sla: true,
      removed_by: `api_key:${s.adminKeyId} (test admin)`,
      sessions_revoked: 0,
      grants_removed: 1,
      requests_cancelled: 0,
    });
    expect(bob.row).toMatchObject({ source: 'hr', source_ref: expect.stringMatching(/^evt-/), terminated_at: at(10), access_removed_at: at(40), elapsed_seconds: 30 * 3600, elapsed_hours: 30, within_sla: false, removed_by: `hr_source:${source.id} (Workday)`, sessions_revoked: 1, grants_removed: 1 });
    expect(dan.row).toMatchObject({ source: 'hr', terminated_at: at(50), access_removed_at: at(51), elapsed_seconds: 3600, within_sla: true, removed_by: expect.stringMatching(/^system:/) });
    expect(cat.row).toMatchObject({ email: 'cat@acme.test', source: 'hr', terminated_at: at(60), access_removed_at: null, elapsed_seconds: null, within_sla: null, sla_deadline: at(84) });

    // The citations: bob's row cites the HR event, the revocation, the removal and the SLA breach.
    const bobCited = await Promise.all(bob.cites.map((id) => s.rt.ledger.getEvent(id)));
    expect(bobCited.map((e) => e.action)).toEqual(['sessions.session.revoked', 'lifecycle.user.deprovisioned', 'lifecycle.sla.breached', 'lifecycle.hr_event.received']);
    const danCited = await Promise.all(dan.cites.map((id) => s.rt.ledger.getEvent(id)));
    expect(danCited.map((e) => e.action)).toEqual(['lifecycle.user.deprovisioned', 'lifecycle.termination.carried_out']);
    const catCited = await Promise.all(cat.cites.map((id) => s.rt.ledger.getEvent(id)));
    expect(catCited.map((e) => [e.action, e.data.result])).toEqual([['lifecycle.hr_event.received', 'scheduled']]);

    expect(section.status).toBe('attention');
    expect(section.facts).toEqual([
      { label: 'Leavers', value: 5 },
      { label: 'Within SLA', value: 3 },
      { label: 'Outside SLA', value: 1, attention: true },
      { label: 'Not removed by window end', value: 1, attention: true },
      { label: 'Median latency (hours)', value: 1 },
      { label: '95th percentile latency (hours)', value: 30 },
      { label: 'Deprovisioning SLA at export (hours)', value: 24 },
    ]);
    expect(section.charts[0].buckets).toEqual([
      { label: '< 1 h', count: 1 },
      { label: '1–4 h', count: 2 },
      { label: '4–8 h', count: 0 },
      { label: '8–24 h', count: 0 },
      { label: '24–48 h', count: 1, attention: true },
      { label: '> 48 h', count: 0, attention: true },
      { label: 'not removed', count: 1, attention: true },
    ]);
    expect(await rowsNotRecomputable(s.rt, leavers, window)).toEqual([]);
  });

  it('passes when every leaver of the window lost access within the SLA', async () => {
    const w = { org: 'acme', from: at(1), to: at(9) };
    const section = await sectionFor(s.rt, cc65Leavers, w);
    expect(table(section, 'leavers').rows.map((r) => r.row.user_id)).toEqual([users.ada, users.gus]);
    expect(section.status).toBe('pass');
    expect(section.headline).toBe('All 2 leavers lost access within the SLA (median 0 h).');
    // The removal counted against no organization is globex's too.
    const globex = await sectionFor(s.rt, cc65Leavers, { ...w, org: 'globex' });
    expect(table(globex, 'leavers').rows.map((r) => r.row.user_id)).toEqual([users.gus]);
    expect(await rowsNotRecomputable(s.rt, table(section, 'leavers'), w)).toEqual([]);
  });

  it('a tampered row no longer matches its cited events', async () => {
    const section = await sectionFor(s.rt, cc65Leavers, window);
    const leavers = table(section, 'leavers');
    leavers.rows[2].row.within_sla = true;
    expect((await rowsNotRecomputable(s.rt, leavers, window)).map((x) => x.index)).toEqual([2]);
  });
});
