import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS } from '../support/databases.ts';
import { createRole, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { WRONG, browser, makeUser, signIn } from '../monitor/detection-fixtures.ts';
import { collectMonitoring } from '../../src/evidence/criteria/cc7-monitoring.ts';
import type { CriterionSection } from '../../src/evidence/model.ts';
import { rowsNotRecomputable, sectionFor, table } from './sections.ts';
import { createEvidenceContext } from '../../src/evidence/collect.ts';
import { renderReport } from '../../src/evidence/report/render-report.ts';

const W1 = { org: 'acme', from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' };
const W2 = { org: 'acme', from: '2026-03-02T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' };

const fact = (section: CriterionSection, label: string) => section.facts.find((f) => f.label === label);

for (const dialect of DIALECTS) {
  describe(`evidence CC7.2/CC7.3 on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-01T08:00:00.000Z');
    let s: HttpSuite;
    let dir: string;
    const ids: Record<string, string> = {};
    const times: Record<string, string> = {};
    const now = () => clock.now().toISOString();

    /** Eight wrong passwords against one account, then a detection scan: returns the brute-force alert. */
    async function bruteForce(email: string, subject: string): Promise<string> {
      for (let i = 0; i < 8; i++) {
        await signIn(browser(s, `203.0.113.${i + 1}`), email, WRONG);
        clock.advance(20_000);
      }
      await s.rt.detections.scan();
      const items = (await ok(s, 200, 'GET', '/api/v1/alerts?rule=brute_force')).items as Array<{ id: string; subject: string; status: string }>;
      return items.find((a) => a.subject === subject && a.status === 'open')!.id;
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'keyledger-cc7-'));
      writeFileSync(join(dir, 'not-a-directory'), 'x');
      s = await startHttpSuite(dialect, { clock, env: { KEYLEDGER_TRUST_PROXY: 'true' } });
      await ok(s, 201, 'POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme' });
      ids.ada = await makeUser(s, 'ada');
      ids.bob = await makeUser(s, 'bob');
      ids.responder = await makeUser(s, 'responder');

      // Window 1: an alert raised, acknowledged after 16 minutes and closed; an incident opened and resolved; one SIEM outage that recovers.
      clock.set('2026-03-01T08:10:00.000Z');
      ids.alert1 = await bruteForce('ada@acme.test', ids.ada);
      clock.set('2026-03-01T08:30:00.000Z');
      await ok(s, 200, 'POST', `/api/v1/alerts/${ids.alert1}/acknowledge`, { note: 'looking' });
      clock.set('2026-03-01T09:00:00.000Z');
      await ok(s, 200, 'POST', `/api/v1/alerts/${ids.alert1}/close`, { disposition: 'true_positive', note: 'blocked' });
      clock.set('2026-03-01T09:10:00.000Z');
      ids.incident = (await ok(s, 201, 'POST', '/api/v1/incidents', { title: 'Guessing <Ada>', severity: 'high', orgId: 'acme', ownerId: ids.responder, alertIds: [ids.alert1], summary: 'Eight failures.' })).id;
      clock.set('2026-03-01T10:00:00.000Z');
      await ok(s, 200, 'POST', `/api/v1/incidents/${ids.incident}/resolve`, { resolution: 'Password rotated.', rootCause: 'Reused password.' });
      clock.set('2026-03-01T10:30:00.000Z');
      const created = await ok(s, 201, 'POST', '/api/v1/siem-destinations', { name: 'archive', kind: 'jsonl_file', orgId: 'acme', config: { directory: join(dir, 'not-a-directory', 'sub') } });
      ids.destination = created.destination.id;
      await s.rt.streamDelivery.deliverOnce();
      times.failing1 = now();
      clock.set('2026-03-01T11:00:00.000Z');
      await ok(s, 200, 'PATCH', `/api/v1/siem-destinations/${ids.destination}`, { config: { directory: join(dir, 'ok') } });
      clock.set('2026-03-01T12:00:00.000Z');
      await s.rt.streamDelivery.deliverOnce();
      times.recovered1 = now();

      // Window 2: an alert nobody acknowledges, two high findings (one acknowledged), and a SIEM outage still going at the window end.
      clock.set('2026-03-02T09:00:00.000Z');
      ids.alert2 = await bruteForce('bob@acme.test', ids.bob);
      await createRole(s, 'acme', 'db-admin', { permissions: ['db:*'], privileged: true });
      ids.grant = (await grantRole(s, 'acme', 'db-admin', ids.bob)).id;
      await s.rt.findings.evaluateChanged();
      const findings = (await ok(s, 200, 'GET', '/api/v1/findings?limit=200')).items as Array<{ id: string; type: string; subject: { id: string } }>;
      ids.unapproved = findings.find((f) => f.type === 'grant_without_approval' && f.subject.id === ids.grant)!.id;
      clock.set('2026-03-02T10:00:00.000Z');
      await ok(s, 200, 'POST', `/api/v1/findings/${ids.unapproved}/acknowledge`, { note: 'asking for the ticket' });
      clock.set('2026-03-03T06:00:00.000Z');
      await ok(s, 200, 'PATCH', `/api/v1/siem-destinations/${ids.destination}`, { config: { directory: join(dir, 'not-a-directory', 'again') } });
      await ok(s, 201, 'POST', '/api/v1/users', { email: 'carol@acme.test', org: 'acme' });
      await s.rt.streamDelivery.deliverOnce();
      times.failing2 = now();
      clock.set('2026-03-04T01:00:00.000Z');
    });
    afterAll(async () => {
      await s?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a window where alerts were answered, the incident resolved and the SIEM recovered passes', async () => {
      const section = await sectionFor(s.rt, collectMonitoring, W1);
      expect(section).toMatchObject({ id: 'CC7.2-CC7.3', status: 'pass' });
      const alerts = table(section, 'alerts').rows;
      expect(alerts.map((r) => r.row)).toEqual([
        expect.objectContaining({ alert_id: ids.alert1, rule: 'brute_force', severity: 'high', subject_type: 'account', subject: ids.ada, occurrences: 8, acknowledged_at: '2026-03-01T08:30:00.000Z', acknowledged_by: `api_key:${s.adminKeyId}`, closed_at: '2026-03-01T09:00:00.000Z', disposition: 'true_positive', unacknowledged_over_24h: false }),
      ]);
      const a = alerts[0].row;
      expect(a.seconds_to_acknowledge).toBe((Date.parse('2026-03-01T08:30:00.000Z') - Date.parse(a.raised_at as string)) / 1000);
      expect(alerts[0].cites).toHaveLength(3); // raised, acknowledged, closed
      expect(fact(section, 'Alerts raised in the window')?.value).toBe(1);
      expect(fact(section, 'Alerts closed in the window')?.value).toBe(1);
      expect(fact(section, 'Median time to acknowledge')?.value).toBe(`${Math.round((a.seconds_to_acknowledge as number) / 60)} min`);
      expect(fact(section, 'Alerts unacknowledged for more than 24 hours')).toMatchObject({ value: 0, attention: false });

      expect(table(section, 'incidents').rows.map((r) => r.row)).toEqual([
        { incident_id: ids.incident, title: 'Guessing <Ada>', severity: 'high', owner_id: ids.responder, status_at_window_end: 'resolved', opened_at: '2026-03-01T09:10:00.000Z', opened_by: `api_key:${s.adminKeyId}`, resolved_at: '2026-03-01T10:00:00.000Z', seconds_to_resolve: 3000, linked_alerts: 1, resolution: 'Password rotated.', root_cause: 'Reused password.' },
      ]);
      expect(table(section, 'findings').rows).toEqual([]);

      const episodes = table(section, 'siem-failure-episodes').rows.map((r) => r.row);
      expect(episodes).toEqual([
        expect.objectContaining({ destination_id: ids.destination, destination: 'archive', kind: 'jsonl_file', failed_at: times.failing1, ended_at: times.recovered1, ended_by: 'recovered', duration_seconds: 5400, failing_at_window_end: false }),
      ]);
      expect(table(section, 'siem-destinations').rows.map((r) => r.row)).toEqual([
        { destination_id: ids.destination, name: 'archive', kind: 'jsonl_file', scope: 'organization', created_at: '2026-03-01T10:30:00.000Z', deleted_at: null, status_at_window_end: 'active', pauses_in_window: 0, failure_episodes_in_window: 1, failing_seconds_in_window: 5400 },
      ]);
      expect(table(section, 'detection-rules').rows.map((r) => r.row.rule)).toContain('brute_force');
      expect(table(section, 'detection-rules').recompute).toBeUndefined();
      expect(table(section, 'siem-delivery-health').rows.map((r) => r.row)).toEqual([expect.objectContaining({ destination_id: ids.destination, status: 'failing' })]);
      for (const t of section.tables.filter((x) => x.recompute)) expect({ table: t.name, bad: await rowsNotRecomputable(s.rt, t, W1) }).toEqual({ table: t.name, bad: [] });
      const chart = section.charts[0];
      expect(chart.buckets.map((b) => [b.label, b.count])).toEqual([['< 1 h', 1], ['1–4 h', 0], ['4–24 h', 0], ['> 24 h', 0], ['awaiting (< 24 h)', 0]]);
      // The report shows the section with the incident's title escaped.
      const html = renderReport({ ctx: await createEvidenceContext(s.rt, W1), sections: [section] });
      expect(html).toContain('Guessing &lt;Ada&gt;');
      expect(html).not.toContain('<Ada>');
      expect(html).toContain('<span class="status status-pass">✓ Pass</span>');
    });

    it('a window with an unanswered alert, open high findings and a failing SIEM needs attention', async () => {
      const section = await sectionFor(s.rt, collectMonitoring, W2);
      expect(section.status).toBe('attention');
      // The first alert was closed before this window: it is not in it.
      const alerts = table(section, 'alerts').rows.map((r) => r.row);
      expect(alerts.map((r) => r.alert_id)).toEqual([ids.alert2]);
      expect(alerts[0]).toMatchObject({ subject: ids.bob, acknowledged_at: null, closed_at: null, seconds_to_acknowledge: null, unacknowledged_over_24h: true });
      expect(fact(section, 'Alerts unacknowledged for more than 24 hours')).toMatchObject({ value: 1, attention: true });
      expect(fact(section, 'Median time to acknowledge')?.value).toBe('no acknowledgements');

      const findings = table(section, 'findings').rows.map((r) => r.row);
      const unapproved = findings.find((r) => r.finding_id === ids.unapproved)!;
      expect(unapproved).toMatchObject({ type: 'grant_without_approval', severity: 'high', subject_id: ids.grant, status_at_window_end: 'acknowledged', closed_at: null });
      expect(unapproved.timeline).toBe(`opened ${unapproved.opened_at}; acknowledged 2026-03-02T10:00:00.000Z`);
      expect(findings.map((r) => r.type)).toContain('standing_privileged_assignment');
      expect(fact(section, 'High-severity findings open at the window end')).toMatchObject({ value: findings.length, attention: true });

      // The resolved incident is not carried into a window that starts after it.
      expect(table(section, 'incidents').rows).toEqual([]);
      const episodes = table(section, 'siem-failure-episodes').rows.map((r) => r.row);
      expect(episodes).toEqual([expect.objectContaining({ failed_at: times.failing2, ended_at: null, ended_by: null, failing_at_window_end: true, duration_seconds: (Date.parse(W2.to) - Date.parse(times.failing2)) / 1000 })]);
      expect(table(section, 'siem-destinations').rows[0].row).toMatchObject({ status_at_window_end: 'failing', failure_episodes_in_window: 1, failing_seconds_in_window: (Date.parse(W2.to) - Date.parse(times.failing2)) / 1000 });
      expect(fact(section, 'SIEM destinations failing at the window end')).toMatchObject({ value: 1, attention: true });
      expect(section.headline).toMatch(/^1 alert was raised and 0 closed in the window; \d+ findings open at the window end; 0 incidents; 1 alert was not acknowledged within 24 hours; \d+ high-severity findings were open at the window end; 1 SIEM destination was failing at the window end\.$/);
      for (const t of section.tables.filter((x) => x.recompute)) expect({ table: t.name, bad: await rowsNotRecomputable(s.rt, t, W2) }).toEqual({ table: t.name, bad: [] });
      expect(section.charts[0].buckets.find((b) => b.label === '> 24 h')).toMatchObject({ count: 1, attention: true });
    });

    it('an alert open at the window start is carried into the window, measured from when it was raised', async () => {
      const later = { org: 'acme', from: '2026-03-03T00:00:00.000Z', to: '2026-03-03T12:00:00.000Z' };
      const section = await sectionFor(s.rt, collectMonitoring, later);
      const rows = table(section, 'alerts').rows;
      expect(rows.map((r) => r.row.alert_id)).toEqual([ids.alert2]);
      expect(fact(section, 'Alerts raised in the window')?.value).toBe(0);
      expect(rows[0].row.unacknowledged_over_24h).toBe(true);
      expect(await rowsNotRecomputable(s.rt, table(section, 'alerts'), later)).toEqual([]);
    });
  });
}
