import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createRole, grantRole, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { createDetectionService } from '../../src/monitor/detections/service.ts';
import { PASSWORD, WRONG, alertsFor, allEvents, browser, enrollTotp, makeUser, signIn, submitCode, wrongCode } from './detection-fixtures.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

for (const dialect of DIALECTS) {
  describe(`security detections on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let s: HttpSuite;
    const users: Record<string, string> = {};
    const secrets: Record<string, Buffer> = {};
    const scan = () => s.rt.detections.scan();
    const raisedFor = async (alertId: string) => (await allEvents(s)).filter((e) => e.action.startsWith('monitor.alert.') && e.data.alertId === alertId);

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock, env: { KEYLEDGER_TRUST_PROXY: 'true', KEYLEDGER_GEOIP: 'bundled' } });
      await s.rt.identity.createOrganization({ actor: { type: 'system', id: 'test', display: 'test' }, request: { requestId: 'setup', ip: null, userAgent: null } }, { slug: 'acme', name: 'Acme' });
      for (const name of ['ada', 'bob', 'grace', 'henry', 'ivy', 'jack', 'kate', 'leo', 'sp1', 'sp2', 'sp3', 'sp4', 'sp5', 'of1', 'of2', 'of3', 'of4', 'of5', 'of6']) users[name] = await makeUser(s, name);
      secrets.grace = await enrollTotp(s, clock, users.grace);
      secrets.henry = await enrollTotp(s, clock, users.henry);
      await scan();
    });
    afterAll(async () => s.close());

    it('lists every rule with the thresholds in force; impossible travel is on because GeoIP is configured', async () => {
      const res = await s.request('GET', '/api/v1/detection-rules');
      expect(res.statusCode).toBe(200);
      const rules = res.json().items as Array<{ name: string; enabled: boolean; thresholds: Record<string, unknown> | null }>;
      expect(rules.map((r) => r.name)).toEqual(['brute_force', 'credential_stuffing', 'password_spraying', 'mfa_fatigue', 'account_takeover_sequence', 'impossible_travel', 'privilege_outside_approval']);
      expect(rules.every((r) => r.enabled)).toBe(true);
      expect(rules.find((r) => r.name === 'brute_force')!.thresholds).toEqual({ threshold: 8, windowMinutes: 15 });
      expect(rules.find((r) => r.name === 'impossible_travel')!.thresholds).toMatchObject({ speedKmh: 900, geoip: 'bundled' });
      const auditor = await s.issueKey('auditor', ['audit:read']);
      expect((await s.request('GET', '/api/v1/detection-rules', { key: auditor.key })).statusCode).toBe(200);
      const other = await s.issueKey('keys only', ['api_keys:manage']);
      expect((await s.request('GET', '/api/v1/alerts', { key: other.key })).statusCode).toBe(403);
    });

    it('brute force: eight wrong passwords against one account from rotating addresses raise one alert; the continuing attack extends it', async () => {
      clock.advance(HOUR);
      for (let i = 0; i < 8; i++) {
        expect(await signIn(browser(s, `203.0.113.${10 + i}`), 'ada@acme.test', WRONG)).toBe(401);
        clock.advance(30_000);
      }
      await scan();
      let [alert] = await alertsFor(s, 'brute_force', users.ada);
      expect(alert).toMatchObject({ severity: 'high', status: 'open', subjectType: 'account', eventCount: 8, orgId: expect.any(String) });
      expect(alert.details.sourceIps).toHaveLength(8);
      const detail = (await s.request('GET', `/api/v1/alerts/${alert.id}`)).json();
      expect(detail.events.map((e: { action: string }) => e.action)).toEqual(Array(8).fill('authn.login.failed'));
      expect(detail.events.every((e: { targets: Array<{ id: string }> }) => e.targets.some((t) => t.id === users.ada))).toBe(true);
      // The attack goes on: three more tries, two scans.
      for (let i = 0; i < 3; i++) {
        await signIn(browser(s, `203.0.113.${30 + i}`), 'ada@acme.test', WRONG);
        clock.advance(20_000);
        if (i === 1) await scan();
      }
      await scan();
      const again = await alertsFor(s, 'brute_force', users.ada);
      expect(again).toHaveLength(1);
      alert = again[0];
      expect(alert.eventCount).toBe(11);
      expect((await raisedFor(alert.id)).map((e) => e.action)).toEqual(['monitor.alert.raised', 'monitor.alert.updated', 'monitor.alert.updated']);
      const raised = (await raisedFor(alert.id))[0];
      expect(raised).toMatchObject({ actor: { type: 'system', id: 'detections' }, data: { rule: 'brute_force', subject: users.ada, eventCount: 8 } });
      expect(raised.data.eventIds).toEqual(detail.events.map((e: { id: string }) => e.id));
      // /metrics counts the open alert by rule and severity.
      const metrics = (await s.request('GET', '/metrics', { key: null })).body;
      expect(Number(/^keyledger_alerts_open\{rule="brute_force",severity="high"\} (\d+)$/m.exec(metrics)?.[1] ?? 0)).toBeGreaterThanOrEqual(1);
    });

    it('brute force stays quiet on a user who mistypes twice and then signs in', async () => {
      const c = browser(s, '192.0.2.44');
      expect(await signIn(c, 'bob@acme.test', WRONG)).toBe(401);
      expect(await signIn(c, 'bob@acme.test', WRONG + 'x')).toBe(401);
      expect(await signIn(c, 'bob@acme.test', PASSWORD)).toBe(303);
      await scan();
      expect(await alertsFor(s, 'brute_force', users.bob)).toEqual([]);
    });

    it('credential stuffing: one address failing against ten accounts (most of them unknown) within minutes', async () => {
      clock.advance(HOUR);
      const ip = '203.0.113.50';
      const emails = ['sp1@acme.test', 'sp2@acme.test', 'sp3@acme.test', ...Array.from({ length: 7 }, (_, i) => `leaked${i}@elsewhere.test`)];
      for (const email of emails) {
        expect(await signIn(browser(s, ip), email, 'Summer2024!leaked')).toBe(401);
        clock.advance(15_000);
      }
      await scan();
      const [alert] = await alertsFor(s, 'credential_stuffing', ip);
      expect(alert).toMatchObject({ severity: 'high', subjectType: 'ip', eventCount: 10, details: { accounts: 10, unknownAccounts: 7 } });
      // The unknown addresses are accounts too (as email:<address>), so the failures against them count; no spraying alert on top.
      expect(await alertsFor(s, 'password_spraying', ip)).toEqual([]);
    });

    it('password spraying: one address trying one password on five real accounts, slowly, and not stuffing', async () => {
      clock.advance(HOUR);
      const ip = '203.0.113.60';
      for (const name of ['sp1', 'sp2', 'sp3', 'sp4', 'sp5']) {
        expect(await signIn(browser(s, ip), `${name}@acme.test`, 'Winter2026!')).toBe(401);
        clock.advance(4 * MIN);
      }
      await scan();
      const [alert] = await alertsFor(s, 'password_spraying', ip);
      expect(alert).toMatchObject({ severity: 'medium', subjectType: 'ip', eventCount: 5, details: { accounts: 5, failures: 5 } });
      expect(await alertsFor(s, 'credential_stuffing', ip)).toEqual([]);
    });

    it('stuffing and spraying stay quiet on an office address where several users fail once each over hours', async () => {
      clock.advance(HOUR);
      const office = '198.51.100.7';
      for (const name of ['of1', 'of2', 'of3', 'of4', 'of5', 'of6']) {
        const c = browser(s, office);
        expect(await signIn(c, `${name}@acme.test`, WRONG)).toBe(401);
        expect(await signIn(c, `${name}@acme.test`, PASSWORD)).toBe(303);
        clock.advance(80 * MIN);
      }
      await scan();
      expect(await alertsFor(s, 'credential_stuffing', office)).toEqual([]);
      expect(await alertsFor(s, 'password_spraying', office)).toEqual([]);
    });

    it('MFA fatigue: five refused codes after a correct password; a single typo before the right code stays quiet', async () => {
      clock.advance(HOUR);
      const attacker = browser(s, '203.0.113.90');
      expect(await signIn(attacker, 'grace@acme.test', PASSWORD)).toBe(303);
      for (let i = 0; i < 5; i++) {
        expect(await submitCode(attacker, wrongCode(secrets.grace, clock.now()))).toBe(401);
        clock.advance(10_000);
      }
      const benign = browser(s, '192.0.2.55');
      expect(await signIn(benign, 'henry@acme.test', PASSWORD)).toBe(303);
      expect(await submitCode(benign, wrongCode(secrets.henry, clock.now()))).toBe(401);
      expect(await submitCode(benign, generateTotpCode({ secret: secrets.henry, now: clock.now() }))).toBe(303);
      await scan();
      const [alert] = await alertsFor(s, 'mfa_fatigue', users.grace);
      expect(alert).toMatchObject({ severity: 'high', subjectType: 'account', eventCount: 5, details: { failures: 5, sourceIps: ['203.0.113.90'] } });
      expect(await alertsFor(s, 'mfa_fatigue', users.henry)).toEqual([]);
    });

    it('account takeover: factors reset, then a new authenticator, then a sign-in from a new address and device', async () => {
      // Ivy and Jack sign in from their usual laptops.
      expect(await signIn(browser(s, '192.0.2.10', 'Laptop/ivy'), 'ivy@acme.test', PASSWORD)).toBe(303);
      expect(await signIn(browser(s, '192.0.2.20', 'Laptop/jack'), 'jack@acme.test', PASSWORD)).toBe(303);
      clock.advance(3 * DAY);
      // Ivy: recovery (an administrator resets her factors), an authenticator enrolled, a sign-in from elsewhere.
      expect((await s.request('POST', `/api/v1/users/${users.ivy}/factors/reset`, { body: { reason: 'caller said the phone was lost' } })).statusCode).toBe(200);
      clock.advance(20 * MIN);
      const secret = await enrollTotp(s, clock, users.ivy);
      clock.advance(20 * MIN);
      const attacker = browser(s, '203.0.113.77', 'curl-ish/1.0');
      expect(await signIn(attacker, 'ivy@acme.test', PASSWORD)).toBe(303);
      expect(await submitCode(attacker, generateTotpCode({ secret, now: clock.now() }))).toBe(303);
      // Jack: a legitimate reset with no change of factors, then signs in (even from a new address).
      expect((await s.request('POST', `/api/v1/users/${users.jack}/factors/reset`, { body: { reason: 'new phone' } })).statusCode).toBe(200);
      clock.advance(10 * MIN);
      expect(await signIn(browser(s, '192.0.2.21', 'Laptop/jack'), 'jack@acme.test', PASSWORD)).toBe(303);
      await scan();
      const [alert] = await alertsFor(s, 'account_takeover_sequence', users.ivy);
      expect(alert).toMatchObject({ severity: 'critical', subjectType: 'user', eventCount: 3, details: { newIp: true, newDevice: true, ip: '203.0.113.77' } });
      const detail = (await s.request('GET', `/api/v1/alerts/${alert.id}`)).json();
      expect(detail.events.map((e: { action: string }) => e.action)).toEqual(['authn.factors.reset', 'authn.totp.enrolled', 'authn.login.succeeded']);
      expect(await alertsFor(s, 'account_takeover_sequence', users.jack)).toEqual([]);
    });

    it('impossible travel: Great Britain then the United States half an hour apart; two British cities hours apart stay quiet', async () => {
      clock.advance(HOUR);
      expect(await signIn(browser(s, '81.2.69.142'), 'kate@acme.test', PASSWORD)).toBe(303);
      expect(await signIn(browser(s, '81.2.69.142'), 'leo@acme.test', PASSWORD)).toBe(303);
      clock.advance(30 * MIN);
      expect(await signIn(browser(s, '8.8.8.8'), 'kate@acme.test', PASSWORD)).toBe(303);
      clock.advance(90 * MIN);
      expect(await signIn(browser(s, '2.125.160.216'), 'leo@acme.test', PASSWORD)).toBe(303);
      await scan();
      const [alert] = await alertsFor(s, 'impossible_travel', users.kate);
      expect(alert).toMatchObject({ severity: 'high', subjectType: 'user', eventCount: 2, details: { from: { ip: '81.2.69.142', country: 'GB' }, to: { ip: '8.8.8.8', country: 'US' } } });
      expect(alert.details.distanceKm).toBeGreaterThan(6000);
      expect(alert.details.speedKmh).toBeGreaterThan(900);
      expect(await alertsFor(s, 'impossible_travel', users.leo)).toEqual([]);
    });

    it('privilege outside approval: a privileged grant with no request and no approval reference; an approved one stays quiet', async () => {
      await createRole(s, 'acme', 'dba', { privileged: true });
      await grantRole(s, 'acme', 'dba', users.bob, { reason: 'needed it' });
      await grantRole(s, 'acme', 'dba', users.leo, { reason: 'on-call', approvalRef: 'CHG-4711' });
      await scan();
      const [alert] = await alertsFor(s, 'privilege_outside_approval', `user:${users.bob}`);
      expect(alert).toMatchObject({ severity: 'high', subjectType: 'principal', eventCount: 1, details: { kind: 'grant_without_approval', roleKey: 'dba' } });
      expect(await alertsFor(s, 'privilege_outside_approval', `user:${users.leo}`)).toEqual([]);
    });

    it('privilege outside approval: an activation whose eligibility the ledger never granted (written around the elevation checks)', async () => {
      const ctx = { actor: { type: 'system' as const, id: 'rogue-script', display: 'rogue script' }, request: { requestId: 'rogue', ip: null, userAgent: null } };
      const eligibilityId = '0190a000-0000-7000-8000-00000000e11e';
      await s.rt.runner.run(ctx, async ({ record }) => {
        record({ action: 'access.elevation.activated', targets: [{ type: 'user', id: users.kate }], data: { eligibilityId, assignmentId: 'a', roleId: 'r', roleKey: 'dba', privileged: true, principalId: users.kate, justification: 'x', durationMinutes: 60, expiresAt: null, approvalRef: null, sessionId: null, sessionAmr: null } });
      });
      await scan();
      const [alert] = await alertsFor(s, 'privilege_outside_approval', `user:${users.kate}`);
      expect(alert).toMatchObject({ eventCount: 1, details: { kind: 'elevation_without_eligibility', eligibilityId } });
    });

    it('two scans at once (two nodes on one database) raise each alert once', async () => {
      clock.advance(HOUR);
      for (let i = 0; i < 9; i++) {
        await signIn(browser(s, `203.0.113.${120 + i}`), 'of1@acme.test', WRONG);
        clock.advance(10_000);
      }
      const other = createDetectionService({ db: s.rt.database.db, runner: s.rt.runner, newId: s.rt.newId, ledger: s.rt.ledger, identity: s.rt.identity, settings: s.rt.config.detections });
      const [a, b] = await Promise.all([scan(), other.scan()]);
      expect(a + b).toBeGreaterThan(0);
      const alerts = await alertsFor(s, 'brute_force', users.of1);
      expect(alerts).toHaveLength(1);
      expect(alerts[0].eventCount).toBe(9);
      expect((await raisedFor(alerts[0].id)).map((e) => e.action)).toEqual(['monitor.alert.raised']);
      // Nothing left for either.
      expect(await Promise.all([scan(), other.scan()])).toEqual([expect.any(Number), expect.any(Number)]);
      expect(await alertsFor(s, 'brute_force', users.of1)).toHaveLength(1);
    });

    it('acknowledging and closing are ledger events; a closed alert cannot be closed again, and a later attack raises a new alert', async () => {
      const [alert] = await alertsFor(s, 'brute_force', users.of1);
      const ack = await s.request('POST', `/api/v1/alerts/${alert.id}/acknowledge`, { body: { note: 'looking' } });
      expect(ack.statusCode).toBe(200);
      expect(ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: `api_key:${s.adminKeyId}`, note: 'looking' });
      const again = await s.request('POST', `/api/v1/alerts/${alert.id}/acknowledge`, { body: {} });
      expect({ status: again.statusCode, code: again.json().error.code }).toEqual({ status: 409, code: 'alert.state_invalid' });
      const closed = await s.request('POST', `/api/v1/alerts/${alert.id}/close`, { body: { disposition: 'true_positive', note: 'blocked at the edge' } });
      expect(closed.json()).toMatchObject({ status: 'closed', disposition: 'true_positive' });
      const twice = await s.request('POST', `/api/v1/alerts/${alert.id}/close`, { body: { disposition: 'benign' } });
      expect({ status: twice.statusCode, code: twice.json().error.code }).toEqual({ status: 409, code: 'alert.state_invalid' });
      expect((await raisedFor(alert.id)).map((e) => [e.action, e.data.disposition ?? null])).toEqual([['monitor.alert.raised', null], ['monitor.alert.acknowledged', null], ['monitor.alert.closed', 'true_positive']]);
      for (let i = 0; i < 8; i++) await signIn(browser(s, `203.0.113.${140 + i}`), 'of1@acme.test', WRONG);
      await scan();
      const all = await alertsFor(s, 'brute_force', users.of1);
      expect(all.map((a) => a.status)).toEqual(['open', 'closed']);
      const list = await s.request('GET', '/api/v1/alerts?status=closed&rule=brute_force');
      expect(list.json().items.map((a: { id: string }) => a.id)).toEqual([alert.id]);
    });

    it('pages alerts on the server and filters by organization', async () => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await s.request('GET', `/api/v1/alerts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        ids.push(...res.json().items.map((a: { id: string }) => a.id));
        cursor = res.json().nextCursor;
      } while (cursor);
      expect(ids.length).toBeGreaterThanOrEqual(9);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort().reverse()).toEqual(ids);
      const acme = await s.request('GET', '/api/v1/alerts?org=acme&limit=200');
      expect(acme.json().items.length).toBeGreaterThan(0);
      expect(acme.json().items.every((a: { orgId: string }) => a.orgId === acme.json().items[0].orgId)).toBe(true);
      // The severity filter returns exactly the alerts of that severity.
      const all = (await s.request('GET', '/api/v1/alerts?limit=200')).json().items as Array<{ id: string; severity: string }>;
      for (const severity of ['low', 'medium', 'high', 'critical']) {
        const res = await s.request('GET', `/api/v1/alerts?severity=${severity}&limit=200`);
        expect(res.json().items.map((a: { id: string }) => a.id)).toEqual(all.filter((a) => a.severity === severity).map((a) => a.id));
      }
      expect(new Set(all.map((a) => a.severity)).size).toBeGreaterThan(1);
      const missing = await s.request('GET', '/api/v1/alerts?org=no-such-org');
      expect(missing.json().error.code).toBe('organization.not_found');
      const unknown = await s.request('GET', '/api/v1/alerts/0190a000-0000-7000-8000-000000000000');
      expect(unknown.json().error.code).toBe('alert.not_found');
    });
  });
}
