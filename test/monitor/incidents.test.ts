import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { WRONG, allEvents, browser, makeUser, signIn } from './detection-fixtures.ts';

const MIN = 60_000;

for (const dialect of DIALECTS) {
  describe(`incidents on ${dialect}`, () => {
    const clock = new ManualClock('2026-04-01T08:00:00.000Z');
    let s: HttpSuite;
    let ada: string;
    let responder: string;
    let alertId: string;
    let incidentId: string;
    let failedIds: string[];

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock, env: { KEYLEDGER_TRUST_PROXY: 'true' } });
      await ok(s, 201, 'POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme' });
      ada = await makeUser(s, 'ada');
      responder = await makeUser(s, 'responder');
      for (let i = 0; i < 8; i++) {
        await signIn(browser(s, `203.0.113.${i + 1}`), 'ada@acme.test', WRONG);
        clock.advance(30_000);
      }
      await s.rt.detections.scan();
      alertId = (await ok(s, 200, 'GET', '/api/v1/alerts?rule=brute_force')).items[0].id;
      failedIds = (await allEvents(s)).filter((e) => e.action === 'authn.login.failed').map((e) => e.id);
    });
    afterAll(async () => s.close());

    it('opens an incident from an alert: the alert is linked and the opening is a ledger event', async () => {
      clock.advance(5 * MIN);
      const incident = await ok(s, 201, 'POST', '/api/v1/incidents', { title: 'Password guessing against Ada', severity: 'high', orgId: 'acme', ownerId: responder, alertIds: [alertId], summary: 'Eight failures from eight addresses.' });
      incidentId = incident.id;
      expect(incident).toMatchObject({ status: 'open', severity: 'high', ownerId: responder, orgId: expect.any(String), openedBy: { type: 'api_key', id: s.adminKeyId } });
      const opened = (await allEvents(s)).filter((e) => e.action === 'monitor.incident.opened');
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({ org: incident.orgId, data: { incidentId, alertIds: [alertId], ownerId: responder, severity: 'high' } });
      const detail = await ok(s, 200, 'GET', `/api/v1/incidents/${incidentId}`);
      expect(detail.alerts.map((a: { id: string }) => a.id)).toEqual([alertId]);
    });

    it('links ledger events, takes notes, changes status and owner, resolves — and the timeline is in time order', async () => {
      clock.advance(5 * MIN);
      await ok(s, 200, 'PATCH', `/api/v1/incidents/${incidentId}`, { status: 'investigating' });
      clock.advance(5 * MIN);
      const linked = await ok(s, 200, 'POST', `/api/v1/incidents/${incidentId}/events`, { eventIds: failedIds.slice(0, 3) });
      expect(linked.status).toBe('investigating');
      clock.advance(5 * MIN);
      const note = await ok(s, 201, 'POST', `/api/v1/incidents/${incidentId}/notes`, { text: 'Addresses belong to a known botnet; blocked at the edge.' });
      expect(note).toMatchObject({ text: 'Addresses belong to a known botnet; blocked at the edge.', author: { type: 'api_key' } });
      clock.advance(5 * MIN);
      await ok(s, 200, 'PATCH', `/api/v1/incidents/${incidentId}`, { status: 'contained', severity: 'medium', ownerId: ada });
      clock.advance(5 * MIN);
      const resolved = await ok(s, 200, 'POST', `/api/v1/incidents/${incidentId}/resolve`, { resolution: 'Password rotated, MFA enrolled.', rootCause: 'Reused password from a third-party breach.' });
      expect(resolved).toMatchObject({ status: 'resolved', resolution: 'Password rotated, MFA enrolled.', rootCause: 'Reused password from a third-party breach.', resolvedAt: clock.now().toISOString() });

      const detail = await ok(s, 200, 'GET', `/api/v1/incidents/${incidentId}`);
      expect(detail.events.map((e: { id: string }) => e.id)).toEqual(failedIds.slice(0, 3));
      expect(detail.notes).toHaveLength(1);
      const timeline = detail.timeline as Array<{ type: string; time: string; action?: string; summary: string }>;
      const times = timeline.map((t) => t.time);
      expect([...times].sort()).toEqual(times);
      expect(timeline.map((t) => (t.type === 'change' ? t.action : t.type))).toEqual([
        'alert', 'event', 'event', 'event', 'monitor.incident.opened', 'monitor.incident.updated', 'note', 'monitor.incident.updated', 'monitor.incident.resolved',
      ]);
      expect(timeline[7].summary).toContain('status → contained');

      const actions = (await allEvents(s)).filter((e) => e.action.startsWith('monitor.incident.')).map((e) => e.action);
      expect(actions).toEqual(['monitor.incident.opened', 'monitor.incident.updated', 'monitor.incident.event_linked', 'monitor.incident.note_added', 'monitor.incident.updated', 'monitor.incident.resolved']);
      const update = (await allEvents(s)).filter((e) => e.action === 'monitor.incident.updated')[1];
      expect(update.data).toEqual({ incidentId, before: { status: 'investigating', severity: 'high', ownerId: responder }, after: { status: 'contained', severity: 'medium', ownerId: ada } });
    });

    it('a resolved incident takes no more changes, and the refusal records nothing', async () => {
      for (const [method, url, body] of [
        ['PATCH', `/api/v1/incidents/${incidentId}`, { status: 'open' }],
        ['POST', `/api/v1/incidents/${incidentId}/notes`, { text: 'late note' }],
        ['POST', `/api/v1/incidents/${incidentId}/events`, { eventIds: [failedIds[4]] }],
        ['POST', `/api/v1/incidents/${incidentId}/alerts`, { alertIds: [alertId] }],
        ['POST', `/api/v1/incidents/${incidentId}/resolve`, { resolution: 'again', rootCause: 'again' }],
      ] as const) {
        const res = await expectNothingChanged(s.rt, () => s.request(method, url, { body }));
        expect({ url, status: res.statusCode, code: res.json().error.code }).toEqual({ url, status: 409, code: 'incident.resolved' });
      }
    });

    it('invalid input changes nothing: unknown owner, alert or event, blank text, unknown organization, bad status', async () => {
      const open = await ok(s, 201, 'POST', '/api/v1/incidents', { title: 'Second', severity: 'low', ownerId: responder, summary: 'Watching.' });
      const cases: Array<[string, string, unknown, number, string]> = [
        ['POST', '/api/v1/incidents', { title: 'x', severity: 'low', ownerId: '0190a000-0000-7000-8000-000000000001', summary: 's' }, 422, 'incident.owner_invalid'],
        ['POST', '/api/v1/incidents', { title: 'x', severity: 'low', ownerId: responder, alertIds: ['0190a000-0000-7000-8000-000000000002'], summary: 's' }, 422, 'incident.link_invalid'],
        ['POST', '/api/v1/incidents', { title: 'x', severity: 'low', orgId: 'no-such-org', ownerId: responder, summary: 's' }, 404, 'organization.not_found'],
        ['POST', '/api/v1/incidents', { title: '   ', severity: 'low', ownerId: responder, summary: 's' }, 400, 'request.invalid'],
        ['POST', '/api/v1/incidents', { title: 'x', severity: 'severe', ownerId: responder, summary: 's' }, 400, 'request.invalid'],
        ['PATCH', `/api/v1/incidents/${open.id}`, { status: 'resolved' }, 400, 'request.invalid'],
        ['PATCH', `/api/v1/incidents/${open.id}`, {}, 400, 'request.invalid'],
        ['PATCH', `/api/v1/incidents/${open.id}`, { ownerId: '0190a000-0000-7000-8000-000000000003' }, 422, 'incident.owner_invalid'],
        ['POST', `/api/v1/incidents/${open.id}/events`, { eventIds: [failedIds[0], '0190a000-0000-7000-8000-000000000004'] }, 422, 'incident.link_invalid'],
        ['POST', `/api/v1/incidents/${open.id}/events`, { eventIds: [] }, 400, 'request.invalid'],
        ['POST', `/api/v1/incidents/${open.id}/alerts`, { alertIds: [alertId, '0190a000-0000-7000-8000-000000000006'] }, 422, 'incident.link_invalid'],
        ['POST', `/api/v1/incidents/${open.id}/alerts`, { alertIds: [] }, 400, 'request.invalid'],
        ['POST', `/api/v1/incidents/${open.id}/notes`, { text: '' }, 400, 'request.invalid'],
        ['POST', '/api/v1/incidents/0190a000-0000-7000-8000-000000000005/notes', { text: 'hello' }, 404, 'incident.not_found'],
      ];
      for (const [method, url, body, status, code] of cases) {
        const res = await expectNothingChanged(s.rt, () => s.request(method as 'POST', url, { body }));
        expect({ url, body, status: res.statusCode, code: res.json().error.code }).toEqual({ url, body, status, code });
      }
      // A change to what it already is changes nothing and records nothing.
      const same = await expectNothingChanged(s.rt, () => s.request('PATCH', `/api/v1/incidents/${open.id}`, { body: { severity: 'low', status: 'open' } }));
      expect(same.statusCode).toBe(200);
      const list = await ok(s, 200, 'GET', '/api/v1/incidents?status=open');
      expect(list.items.map((i: { id: string }) => i.id)).toEqual([open.id]);
      // An alert linked after opening: on the incident, on its timeline, and a ledger event naming it; linking it again adds nothing.
      const withAlert = await ok(s, 200, 'POST', `/api/v1/incidents/${open.id}/alerts`, { alertIds: [alertId] });
      expect(withAlert.id).toBe(open.id);
      const detail = await ok(s, 200, 'GET', `/api/v1/incidents/${open.id}`);
      expect(detail.alerts.map((a: { id: string }) => a.id)).toEqual([alertId]);
      expect(detail.timeline.filter((t: { type: string }) => t.type === 'alert').map((t: { alertId: string }) => t.alertId)).toEqual([alertId]);
      await ok(s, 200, 'POST', `/api/v1/incidents/${open.id}/alerts`, { alertIds: [alertId] });
      expect((await ok(s, 200, 'GET', `/api/v1/incidents/${open.id}`)).alerts).toHaveLength(1);
      const linkedEvents = (await allEvents(s)).filter((e) => e.action === 'monitor.incident.alert_linked');
      expect(linkedEvents.map((e) => e.data)).toEqual([{ incidentId: open.id, alertIds: [alertId] }, { incidentId: open.id, alertIds: [] }]);
      expect(linkedEvents[0].targets).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'alert', id: alertId })]));
      const auditor = await s.issueKey('auditor', ['audit:read']);
      expect((await s.request('GET', `/api/v1/incidents/${incidentId}`, { key: auditor.key })).statusCode).toBe(200);
      expect((await s.request('POST', `/api/v1/incidents/${open.id}/notes`, { key: auditor.key, body: { text: 'no' } })).statusCode).toBe(403);
    });
  });
}
