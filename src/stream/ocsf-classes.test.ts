import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTION_CATALOGUE } from '../audit/actions.ts';
import type { LedgerEvent } from '../audit/event.ts';
import { findOcsfMapping, mappedActions, OCSF_CLASSES, OCSF_PREFIX_RULES } from './ocsf-classes.ts';
import { toOcsf } from './ocsf.ts';

function eventFor(action: string, data: Record<string, unknown> = {}): LedgerEvent {
  return {
    id: '0190f2a0-0000-7000-8000-000000000001',
    seq: 7,
    time: '2026-03-02T09:00:00.000Z',
    action,
    outcome: 'success',
    actor: { type: 'user', id: 'u-actor', display: 'actor@acme.test' },
    org: 'org-1',
    targets: [{ type: 'user', id: 'u-1', display: 'ada@acme.test' }],
    context: { requestId: 'req-1', ip: '192.0.2.7', userAgent: 'test' },
    data,
    v: 1,
  };
}
const ocsf = (e: LedgerEvent) => toOcsf({ kind: 'event', feed: { seq: e.seq, event: e, leafHash: 'ab'.repeat(32) } }) as Record<string, any>;

describe('OCSF class table', () => {
  it('gives every catalogued action a mapping of its own, never the Base Event', () => {
    const missing = Object.keys(ACTION_CATALOGUE).filter((a) => findOcsfMapping(a) === null);
    expect(missing).toEqual([]);
    // Catalogued actions are mapped by exact name: a prefix rule is for the monitoring and streaming families only.
    const byPrefixOnly = Object.keys(ACTION_CATALOGUE).filter((a) => !mappedActions().includes(a) && !OCSF_PREFIX_RULES.some((r) => a.startsWith(r.prefix)));
    expect(byPrefixOnly).toEqual([]);
    for (const action of Object.keys(ACTION_CATALOGUE)) {
      const o = ocsf(eventFor(action));
      expect(o.class_uid, action).not.toBe(0);
      expect(OCSF_CLASSES[o.class_uid].activities[o.activity_id], `${action} activity ${o.activity_id}`).toBeDefined();
      expect(o.type_uid).toBe(o.class_uid * 100 + o.activity_id);
      expect(o.category_uid).toBe(OCSF_CLASSES[o.class_uid].categoryUid);
    }
  });

  it('keeps no row for an action the catalogue does not have', () => {
    expect(mappedActions().filter((a) => !(a in ACTION_CATALOGUE))).toEqual([]);
  });

  it('maps nothing it was not told about', () => {
    expect(findOcsfMapping('made.up.action')).toBeNull();
    expect(findOcsfMapping('monitor.other.opened')).toBeNull();
    expect(findOcsfMapping('identity.user')).toBeNull();
  });

  it('covers the monitoring and streaming families by prefix, before their actions exist', () => {
    const cases: Array<[string, number, number]> = [
      ['monitor.finding.opened', 2003, 1],
      ['monitor.finding.acknowledged', 2003, 2],
      ['monitor.finding.resolved', 2003, 3],
      ['monitor.finding.reopened', 2003, 2],
      ['monitor.finding.closed', 2003, 3],
      ['monitor.alert.raised', 2004, 1],
      ['monitor.alert.acknowledged', 2004, 2],
      ['monitor.alert.closed', 2004, 3],
      ['monitor.incident.opened', 2005, 1],
      ['monitor.incident.updated', 2005, 2],
      ['monitor.incident.event_linked', 2005, 2],
      ['monitor.incident.note_added', 2005, 2],
      ['monitor.incident.resolved', 2005, 3],
      ['stream.destination.created', 3004, 1],
      ['stream.destination.updated', 3004, 3],
      ['stream.destination.deleted', 3004, 4],
      ['stream.destination.paused', 3004, 3],
      ['stream.destination.resumed', 3004, 3],
      ['stream.destination.rewound', 3004, 3],
      ['stream.destination.secret_rotated', 3004, 3],
      ['stream.destination.failing', 3004, 99],
      ['stream.destination.recovered', 3004, 99],
      ['monitor.alert.some_new_verb', 2004, 99],
    ];
    for (const [action, classUid, activityId] of cases) expect({ action, ...findOcsfMapping(action) }).toMatchObject({ action, classUid, activityId });
  });

  it('gives findings their finding state, info and severity', () => {
    const opened = ocsf(eventFor('monitor.finding.opened', { findingId: 'f-1', title: 'Admin without MFA', severity: 'high', control: 'CC6.1' }));
    expect(opened).toMatchObject({ class_uid: 2003, type_uid: 200301, status_id: 1, status: 'New', severity_id: 4, finding_info: { uid: 'f-1', title: 'Admin without MFA' }, compliance: { standards: ['SOC 2'], control: 'CC6.1' } });
    expect(ocsf(eventFor('monitor.finding.resolved', { findingId: 'f-1' }))).toMatchObject({ status_id: 4, activity_id: 3 });
    expect(ocsf(eventFor('monitor.alert.raised', { alertId: 'a-1', rule: 'brute_force', severity: 'critical' }))).toMatchObject({ class_uid: 2004, severity_id: 5, finding_info: { uid: 'a-1', title: 'brute_force' } });
    const closed = ocsf(eventFor('monitor.incident.closed', { incidentId: 'i-1', title: 'Takeover' }));
    expect(closed).toMatchObject({ class_uid: 2005, activity_id: 3, status_id: 5, finding_info_list: [{ uid: 'i-1', title: 'Takeover' }] });
  });

  it('lets the data decide where the table says so', () => {
    const status = (after: string) => ocsf(eventFor('identity.user.status_changed', { before: 'active', after })).activity_id;
    expect([status('suspended'), status('active'), status('deprovisioned')]).toEqual([5, 2, 6]);
    const members = (added: string[], removed: string[]) => ocsf(eventFor('scim.group.members_changed', { added, removed })).activity_id;
    expect([members(['x'], []), members([], ['x']), members(['x'], ['y'])]).toEqual([3, 4, 99]);
  });

  it('turns a failure into status 2 with its reason, at least Medium', () => {
    const e = { ...eventFor('authn.login.failed', { email: 'ada@acme.test', method: 'password' }), outcome: 'failure' as const, reason: 'wrong_password' };
    expect(ocsf(e)).toMatchObject({ status_id: 2, status_detail: 'wrong_password', severity_id: 3, src_endpoint: { ip: '192.0.2.7' } });
  });
});

describe('docs/siem-formats.md', () => {
  it('lists every catalogued action with the class and activity the code gives it', () => {
    const doc = readFileSync(new URL('../../docs/siem-formats.md', import.meta.url), 'utf8');
    const rows = new Map([...doc.matchAll(/^\| `([a-z_.]+)` \| (\d+) [^|]+ \| ([^|]+) \|$/gm)].map((m) => [m[1], { classUid: Number(m[2]), activity: m[3].trim() }]));
    const wrong: string[] = [];
    for (const action of Object.keys(ACTION_CATALOGUE)) {
      const m = findOcsfMapping(action)!;
      const activity = typeof m.activityId === 'function' ? 'from the data' : `${m.activityId} ${m.activityId === 99 && m.label ? `Other (${m.label})` : OCSF_CLASSES[m.classUid].activities[m.activityId]}`;
      const row = rows.get(action);
      if (!row || row.classUid !== m.classUid || row.activity !== activity) wrong.push(`${action}: documented ${JSON.stringify(row)}, code ${m.classUid} ${activity}`);
    }
    expect(wrong).toEqual([]);
    expect([...rows.keys()].filter((a) => !(a in ACTION_CATALOGUE))).toEqual([]);
  });
});

describe('an action outside the catalogue and the prefix rules', () => {
  it('goes out as a Base Event that names the action, never as a guessed class', () => {
    expect(ocsf(eventFor('made.up.action'))).toMatchObject({ class_uid: 0, category_uid: 0, activity_id: 99, type_uid: 99, type_name: 'Keyledger unmapped action: made.up.action', unmapped: { keyledger: { action: 'made.up.action' } } });
  });

  it('names a service account principal as such', () => {
    const e = { ...eventFor('access.assignment.granted', { roleKey: 'deployer', principalType: 'service_account', principalId: 'sa-1' }), targets: [{ type: 'service_account', id: 'sa-1', display: 'ci-bot' }] };
    expect(ocsf(e)).toMatchObject({ class_uid: 3005, user: { uid: 'sa-1', name: 'ci-bot', type: 'Service Account' }, privileges: ['deployer'] });
  });
});
