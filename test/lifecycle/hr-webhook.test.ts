import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createServiceAccount, createUser, eventsDuring, expectError, expectNothingChanged, grantRole, ledgerNextSeq, listEventsViaApi, ok, startHttpSuite, type HttpSuite, type Response } from '../support/http.ts';
import { refresh, signInToApplication, userinfoStatus } from '../support/oidc-tokens.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { signHrEvent } from '../../src/lifecycle/hr-signature.ts';
import { systemContext } from '../../src/audit/event.ts';

const CALLBACK = 'https://wiki.acme.test/cb';
const HOUR = 3_600_000;
const URL_PATH = '/api/v1/lifecycle/hr-events';

/** The HR webhook end to end: signed deliveries deprovision, schedule and reactivate; every forgery or replay is refused with nothing changed. */
for (const dialect of DIALECTS) {
  describe(`the signed HR webhook, on ${dialect}`, () => {
    const clock = new ManualClock(new Date());
    let s: HttpSuite;
    let acme: Record<string, any>;
    let source: { id: string; secret: string };
    let wiki: { clientId: string; clientSecret: string };
    let counter = 0;

    /** Posts `body` (an object, or raw text) signed with `secret` at time `t` (default now) as `sourceId`. */
    const deliver = (body: unknown, o: { secret?: string; sourceId?: string; t?: number; signedBody?: string; headers?: Record<string, string> } = {}): Promise<Response> => {
      const raw = typeof body === 'string' ? body : JSON.stringify(body);
      const t = o.t ?? Math.floor(clock.now().getTime() / 1000);
      const signature = `t=${t},v1=${signHrEvent(o.secret ?? source.secret, t, o.signedBody ?? raw)}`;
      return s.app.inject({ method: 'POST', url: URL_PATH, headers: { 'content-type': 'application/json', 'keyledger-source': o.sourceId ?? source.id, 'keyledger-signature': signature, ...o.headers }, payload: raw });
    };
    const event = (type: string, employeeId: string, effectiveAt: Date | string, id = `evt-${++counter}`) => ({ id, type, employeeId, effectiveAt: typeof effectiveAt === 'string' ? effectiveAt : effectiveAt.toISOString() });
    const ago = (ms: number) => new Date(clock.now().getTime() - ms);

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      acme = await createOrg(s, 'acme');
      await createOrg(s, 'globex');
      await createRole(s, 'acme', 'viewer');
      const created = await ok(s, 201, 'POST', '/api/v1/organizations/acme/applications', { name: 'Wiki', type: 'web', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'] });
      wiki = { clientId: created.application.clientId, clientSecret: created.clientSecret };
      const { res, events } = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/acme/hr-sources', { body: { name: 'Workday' } }));
      expect(res.statusCode).toBe(201);
      const body = res.json();
      source = { id: body.source.id, secret: body.secret };
      expect(body.secret).toMatch(/^kl_hr_[A-Za-z0-9_-]{43}$/);
      expect(body.url).toBe(`${s.rt.config.publicUrl}/api/v1/lifecycle/hr-events`);
      expect(body.source).toMatchObject({ orgId: acme.id, name: 'Workday', status: 'active', secretPrefix: body.secret.slice(0, 12), previousSecretExpiresAt: null });
      expect(events.map((e) => [e.action, e.data])).toEqual([['lifecycle.hr_source.created', { name: 'Workday', secretPrefix: body.secret.slice(0, 12) }]]);
      // The secret is usable for HMAC, so it is stored encrypted: never in clear, never in the ledger, never listed again.
      const stored = await s.rt.database.db.selectFrom('hr_sources').selectAll().where('id', '=', source.id).executeTakeFirstOrThrow();
      expect(stored.secret).not.toContain(body.secret.slice(6));
      expect(JSON.parse(stored.secret)).toMatchObject({ v: 1, kek: s.rt.master.id });
      expect(JSON.stringify(await listEventsViaApi(s))).not.toContain(body.secret.slice(6));
      expect((await s.request('GET', '/api/v1/organizations/acme/hr-sources')).body).not.toContain(body.secret.slice(6));
    }, 60_000);
    afterAll(async () => s?.close());

    it('a termination effective 30 hours ago deprovisions at once and shows as an SLA breach, with the HR source as actor', async () => {
      const user = await createUser(s, { email: 'ada@acme.test', org: 'acme', employeeNumber: 'E100' });
      const assignment = await grantRole(s, 'acme', 'viewer', user.id);
      const bot = await createServiceAccount(s, 'acme', 'ada-bot', user.id);
      const tokens = await signInToApplication(s.rt, s.app, { userId: user.id, orgId: acme.id, redirectUri: CALLBACK, ...wiki });
      const effectiveAt = ago(30 * HOUR).toISOString();
      const ev = event('employee.terminated', 'E100', effectiveAt);
      const { res, events } = await eventsDuring(s, () => deliver(ev));
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: 'deprovisioned', eventId: ev.id, userId: user.id, scheduledFor: null });
      // Every event of the delivery is the HR source's, in one transaction.
      expect(events.every((e) => e.actor.type === 'hr_source' && e.actor.id === source.id && e.actor.display === 'Workday')).toBe(true);
      expect(events.map((e) => e.action)).toEqual([
        'identity.user.status_changed',
        'identity.service_account.owner_removed',
        'sessions.session.revoked',
        'access.assignment.revoked',
        'lifecycle.user.deprovisioned',
        'lifecycle.sla.breached',
        'lifecycle.hr_event.received',
      ]);
      const now = clock.now().toISOString();
      const deprovisioned = events.find((e) => e.action === 'lifecycle.user.deprovisioned')!;
      expect(deprovisioned.data).toMatchObject({ source: 'hr', sourceRef: ev.id, terminatedAt: effectiveAt, accessRemovedAt: now, elapsedSeconds: 30 * 3600, slaHours: 24, withinSla: false, endedAssignments: [assignment.id] });
      expect(events.at(-1)!.data).toEqual({ eventId: ev.id, type: 'employee.terminated', employeeId: 'E100', effectiveAt, userId: user.id, result: 'deprovisioned', leaverId: deprovisioned.data.leaverId });
      expect(await refresh(s.app, wiki, tokens.refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
      expect(await userinfoStatus(s.app, tokens.accessToken)).toBe(401);
      expect((await s.rt.sessions.inspect(tokens.cookie.split('=')[1])).ok).toBe(false);
      expect((await ok(s, 200, 'GET', `/api/v1/organizations/acme/service-accounts/${bot.id}`)).ownerUserId).toBeNull();
      const leavers = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/leavers')).items.filter((l: { userId: string }) => l.userId === user.id);
      expect(leavers).toEqual([expect.objectContaining({ source: 'hr', sourceRef: ev.id, terminatedAt: effectiveAt, accessRemovedAt: now, verdict: 'breached', employeeNumber: 'E100' })]);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/hr-sources')).items[0].lastEventAt).toBe(now);

      // The same termination under a new event id: nothing more to remove, and it says so.
      const again = await eventsDuring(s, () => deliver(event('employee.terminated', 'E100', effectiveAt)));
      expect(again.res.json()).toMatchObject({ status: 'already_deprovisioned', userId: user.id });
      expect(again.events.map((e) => e.action)).toEqual(['lifecycle.hr_event.received']);
    });

    it('a termination effective a minute ago is within the SLA', async () => {
      const user = await createUser(s, { email: 'bob@acme.test', org: 'acme', employeeNumber: 'E200' });
      const { res, events } = await eventsDuring(s, () => deliver(event('employee.terminated', 'E200', ago(60_000))));
      expect(res.json().status).toBe('deprovisioned');
      expect(events.find((e) => e.action === 'lifecycle.user.deprovisioned')!.data).toMatchObject({ elapsedSeconds: 60, withinSla: true });
      expect(events.map((e) => e.action)).not.toContain('lifecycle.sla.breached');
      expect((await ok(s, 200, 'GET', `/api/v1/users/${user.id}`)).status).toBe('deprovisioned');
    });

    it('an unknown employee is recorded and answered 202 unmatched, changing nothing else', async () => {
      const before = await ledgerNextSeq(s.rt);
      const ev = event('employee.terminated', 'E-NOBODY', ago(1000));
      const { res, events } = await eventsDuring(s, () => deliver(ev));
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: 'unmatched', eventId: ev.id, userId: null, scheduledFor: null });
      expect(events.map((e) => [e.action, e.actor.type, e.data])).toEqual([['lifecycle.hr_event.unmatched', 'hr_source', { eventId: ev.id, type: 'employee.terminated', employeeId: 'E-NOBODY', effectiveAt: ev.effectiveAt, candidates: 0 }]]);
      expect(await ledgerNextSeq(s.rt)).toBe(before + 1);
      // An employee number of a member of another organization does not match here.
      await createUser(s, { email: 'elsewhere@globex.test', org: 'globex', employeeNumber: 'E900' });
      expect((await deliver(event('employee.terminated', 'E900', ago(1000)))).json().status).toBe('unmatched');
    });

    it('refuses forged, stale, replayed, malformed and tampered deliveries with their codes, changing nothing', async () => {
      const user = await createUser(s, { email: 'carol@acme.test', org: 'acme', employeeNumber: 'E300' });
      const accepted = event('employee.terminated', 'E-UNKNOWN', ago(1000));
      expect((await deliver(accepted)).statusCode).toBe(202);
      const other = await ok(s, 201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'Other HR' });
      const gone = await ok(s, 201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'Retired HR' });
      await ok(s, 204, 'DELETE', `/api/v1/organizations/acme/hr-sources/${gone.source.id}`);
      const good = event('employee.terminated', 'E300', ago(1000));
      const now = Math.floor(clock.now().getTime() / 1000);
      const cases: Array<[string, () => Promise<Response>, number, string]> = [
        ['signed with another source’s secret', () => deliver(good, { secret: other.secret }), 401, 'lifecycle.signature_invalid'],
        ['signed with a made-up secret', () => deliver(good, { secret: 'kl_hr_guess' }), 401, 'lifecycle.signature_invalid'],
        ['tampered body (signature of the original)', () => deliver({ ...good, employeeId: 'E100' }, { signedBody: JSON.stringify(good) }), 401, 'lifecycle.signature_invalid'],
        ['one byte appended', () => deliver(`${JSON.stringify(good)} `, { signedBody: JSON.stringify(good) }), 401, 'lifecycle.signature_invalid'],
        ['timestamp 10 minutes old', () => deliver(good, { t: now - 600 }), 401, 'lifecycle.timestamp_outside_window'],
        ['timestamp 10 minutes ahead', () => deliver(good, { t: now + 600 }), 401, 'lifecycle.timestamp_outside_window'],
        ['replayed event id', () => deliver({ ...good, id: accepted.id }), 409, 'lifecycle.event_replayed'],
        ['unknown source', () => deliver(good, { sourceId: '00000000-0000-7000-8000-000000000000' }), 401, 'lifecycle.source_unknown'],
        ['deleted source', () => deliver(good, { sourceId: gone.source.id, secret: gone.secret }), 401, 'lifecycle.source_unknown'],
        ['source that is not an id', () => deliver(good, { sourceId: 'workday' }), 401, 'lifecycle.source_unknown'],
        ['no signature', () => s.app.inject({ method: 'POST', url: URL_PATH, headers: { 'content-type': 'application/json', 'keyledger-source': source.id }, payload: JSON.stringify(good) }), 401, 'lifecycle.signature_invalid'],
        ['no source header', () => s.app.inject({ method: 'POST', url: URL_PATH, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(good) }), 401, 'lifecycle.source_unknown'],
        ['signature without v1', () => deliver(good, { headers: { 'keyledger-signature': `t=${now}` } }), 401, 'lifecycle.signature_invalid'],
        ['signature with a short v1', () => deliver(good, { headers: { 'keyledger-signature': `t=${now},v1=abcd` } }), 401, 'lifecycle.signature_invalid'],
        ['malformed JSON', () => deliver('{"id": "x",'), 400, 'lifecycle.event_invalid'],
        ['not an object', () => deliver('[1,2]'), 400, 'lifecycle.event_invalid'],
        ['unknown type', () => deliver({ ...good, type: 'employee.promoted' }), 400, 'lifecycle.event_invalid'],
        ['missing employeeId', () => deliver({ id: good.id, type: good.type, effectiveAt: good.effectiveAt }), 400, 'lifecycle.event_invalid'],
        ['effectiveAt without a zone', () => deliver({ ...good, effectiveAt: '2026-01-01T00:00:00' }), 400, 'lifecycle.event_invalid'],
        ['an extra field', () => deliver({ ...good, admin: true }), 400, 'lifecycle.event_invalid'],
        ['empty body', () => deliver(''), 400, 'lifecycle.event_invalid'],
        ['text/plain', () => deliver(good, { headers: { 'content-type': 'text/plain' } }), 415, 'request.unsupported_media_type'],
        ['oversize body', () => deliver({ ...good, id: 'x'.repeat(70 * 1024) }), 413, 'request.body_too_large'],
      ];
      const hrEvents = async () => s.rt.database.db.selectFrom('hr_events').select(['id']).execute();
      const recorded = await hrEvents();
      for (const [label, send, status, code] of cases) {
        await expectNothingChanged(s.rt, async () => {
          const res = await send();
          expect({ label, status: res.statusCode }).toEqual({ label, status });
          expectError(res, status, code);
        });
      }
      expect(await hrEvents()).toEqual(recorded);
      expect((await ok(s, 200, 'GET', `/api/v1/users/${user.id}`)).status).toBe('active');
      // The same delivery, properly signed, is accepted.
      expect((await deliver(good)).json()).toMatchObject({ status: 'deprovisioned', userId: user.id });
    });

    it('after a rotation both secrets work during the overlap; after it the old one is refused', async () => {
      const rotated = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/hr-sources/${source.id}/rotate-secret`, { body: { overlapSeconds: 3600 } }));
      expect(rotated.res.statusCode).toBe(200);
      const fresh = rotated.res.json().secret as string;
      const old = source.secret;
      const expiresAt = new Date(clock.now().getTime() + HOUR).toISOString();
      expect(rotated.res.json().source).toMatchObject({ secretPrefix: fresh.slice(0, 12), previousSecretExpiresAt: expiresAt });
      expect(rotated.events.map((e) => [e.action, e.data])).toEqual([['lifecycle.hr_source.secret_rotated', { secretPrefix: fresh.slice(0, 12), previousSecretPrefix: old.slice(0, 12), overlapSeconds: 3600, previousSecretExpiresAt: expiresAt }]]);
      expect(JSON.stringify(rotated.events)).not.toContain(fresh.slice(6));
      expect((await deliver(event('employee.terminated', 'E-NONE', ago(0)), { secret: old })).statusCode).toBe(202);
      expect((await deliver(event('employee.terminated', 'E-NONE', ago(0)), { secret: fresh })).statusCode).toBe(202);
      clock.advance(HOUR);
      await expectNothingChanged(s.rt, async () => expectError(await deliver(event('employee.terminated', 'E-NONE', ago(0)), { secret: old }), 401, 'lifecycle.signature_invalid'));
      expect((await deliver(event('employee.terminated', 'E-NONE', ago(0)), { secret: fresh })).statusCode).toBe(202);
      // The default overlap is a day; a sender may sign with both secrets while it switches.
      const third = (await ok(s, 200, 'POST', `/api/v1/organizations/acme/hr-sources/${source.id}/rotate-secret`)).secret as string;
      const raw = JSON.stringify(event('employee.terminated', 'E-NONE', ago(0)));
      const t = Math.floor(clock.now().getTime() / 1000);
      const both = `t=${t},v1=${signHrEvent('kl_hr_wrong', t, raw)},v1=${signHrEvent(third, t, raw)}`;
      expect((await s.app.inject({ method: 'POST', url: URL_PATH, headers: { 'content-type': 'application/json', 'keyledger-source': source.id, 'keyledger-signature': both }, payload: raw })).statusCode).toBe(202);
      clock.advance(24 * HOUR - 1000);
      expect((await deliver(event('employee.terminated', 'E-NONE', ago(0)), { secret: fresh })).statusCode).toBe(202);
      clock.advance(1000);
      expectError(await deliver(event('employee.terminated', 'E-NONE', ago(0)), { secret: fresh }), 401, 'lifecycle.signature_invalid');
      source.secret = third;
    });

    it('two rotations at once: each starts from the other’s result, so both new secrets work and the original ends', async () => {
      const temp = await ok(s, 201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'Rotating HR' });
      const rotate = () => s.rt.lifecycle.rotateHrSourceSecret(systemContext('test', 'concurrent rotation'), 'acme', temp.source.id, { overlapSeconds: 600 });
      const [a, b] = await Promise.all([rotate(), rotate()]);
      const status = async (secret: string) => (await deliver(event('employee.terminated', 'E-NONE', ago(0)), { sourceId: temp.source.id, secret })).statusCode;
      expect([await status(a.secret), await status(b.secret), await status(temp.secret)]).toEqual([202, 202, 401]);
    });

    it('a future termination is scheduled, then carried out exactly once by runDue even when two run at once', async () => {
      const user = await createUser(s, { email: 'dave@acme.test', org: 'acme', employeeNumber: 'E400' });
      const effectiveAt = new Date(clock.now().getTime() + 2 * HOUR).toISOString();
      const ev = event('employee.terminated', 'E400', effectiveAt);
      const { res, events } = await eventsDuring(s, () => deliver(ev));
      expect(res.json()).toEqual({ status: 'scheduled', eventId: ev.id, userId: user.id, scheduledFor: effectiveAt });
      expect(events.map((e) => e.action)).toEqual(['lifecycle.hr_event.received']);
      expect(events[0].data).toMatchObject({ result: 'scheduled', scheduledTerminationId: expect.any(String) });
      expect((await ok(s, 200, 'GET', `/api/v1/users/${user.id}`)).status).toBe('active');
      // Not due yet.
      expect(await s.rt.lifecycle.runDue()).toBe(0);
      clock.advance(2 * HOUR + 30_000);
      const before = await ledgerNextSeq(s.rt);
      const counts = await Promise.all([s.rt.lifecycle.runDue(), s.rt.lifecycle.runDue()]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
      const ran = (await listEventsViaApi(s)).filter((e) => e.seq >= before);
      expect(ran.filter((e) => e.action === 'lifecycle.user.deprovisioned')).toHaveLength(1);
      const carried = ran.filter((e) => e.action === 'lifecycle.termination.carried_out');
      expect(carried).toHaveLength(1);
      expect(carried[0]).toMatchObject({ actor: { type: 'system', id: 'lifecycle-ticker' }, data: { userId: user.id, eventId: ev.id, hrSourceId: source.id, terminatedAt: effectiveAt, result: 'deprovisioned' } });
      expect(ran.find((e) => e.action === 'lifecycle.user.deprovisioned')!.data).toMatchObject({ terminatedAt: effectiveAt, elapsedSeconds: 30, withinSla: true, source: 'hr', sourceRef: ev.id });
      expect(await s.rt.lifecycle.runDue()).toBe(0);
      expect((await ok(s, 200, 'GET', `/api/v1/users/${user.id}`)).status).toBe('deprovisioned');
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/leavers')).items.filter((l: { userId: string }) => l.userId === user.id)).toHaveLength(1);
    });

    it('a termination overdue past the SLA while the ticker is down is an open finding', async () => {
      const user = await createUser(s, { email: 'erin@acme.test', org: 'acme', employeeNumber: 'E500' });
      const effectiveAt = new Date(clock.now().getTime() + HOUR).toISOString();
      await deliver(event('employee.terminated', 'E500', effectiveAt));
      clock.advance(26 * HOUR);
      const findings = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/lifecycle/findings')).items.filter((f: { userId: string }) => f.userId === user.id);
      expect(findings).toEqual([expect.objectContaining({ kind: 'removal_overdue', terminatedAt: effectiveAt, accessRemovedAt: null, slaHours: 24, since: new Date(Date.parse(effectiveAt) + 24 * HOUR).toISOString() })]);
      expect(await s.rt.lifecycle.runDue()).toBe(1);
      const after = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/lifecycle/findings')).items.filter((f: { userId: string }) => f.userId === user.id);
      expect(after.map((f: { kind: string }) => f.kind)).toEqual(['removal_late']);
    });

    it('a rehire reactivates a deprovisioned employee and cancels a termination still waiting', async () => {
      const user = await createUser(s, { email: 'frank@acme.test', org: 'acme', employeeNumber: 'E600' });
      await deliver(event('employee.terminated', 'E600', ago(1000)));
      const back = await eventsDuring(s, () => deliver(event('employee.rehired', 'E600', ago(0))));
      expect(back.res.json()).toMatchObject({ status: 'reactivated', userId: user.id });
      expect(back.events.map((e) => e.action)).toEqual(['identity.user.status_changed', 'lifecycle.user.reactivated', 'lifecycle.hr_event.received']);
      expect(back.events[1].data).toMatchObject({ source: 'hr', reason: 'HR rehire' });
      expect((await ok(s, 200, 'GET', `/api/v1/users/${user.id}`)).status).toBe('active');
      // A future termination, then a rehire before its date: it never runs.
      const scheduled = await deliver(event('employee.terminated', 'E600', new Date(clock.now().getTime() + HOUR)));
      expect(scheduled.json().status).toBe('scheduled');
      const kept = await eventsDuring(s, () => deliver(event('employee.rehired', 'E600', ago(0))));
      expect(kept.res.json().status).toBe('not_deprovisioned');
      expect(kept.events[0].data.cancelledTerminations).toHaveLength(1);
      clock.advance(2 * HOUR);
      expect(await s.rt.lifecycle.runDue()).toBe(0);
      expect((await ok(s, 200, 'GET', `/api/v1/users/${user.id}`)).status).toBe('active');
    });

    it('deleting a source refuses its events from then on', async () => {
      const temp = await ok(s, 201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'Temp HR' });
      expect((await deliver(event('employee.terminated', 'E-NONE', ago(0)), { sourceId: temp.source.id, secret: temp.secret })).statusCode).toBe(202);
      const { events } = await eventsDuring(s, () => s.request('DELETE', `/api/v1/organizations/acme/hr-sources/${temp.source.id}`));
      expect(events.map((e) => [e.action, e.data])).toEqual([['lifecycle.hr_source.deleted', { name: 'Temp HR' }]]);
      await expectNothingChanged(s.rt, async () => expectError(await deliver(event('employee.terminated', 'E-NONE', ago(0)), { sourceId: temp.source.id, secret: temp.secret }), 401, 'lifecycle.source_unknown'));
      const listed = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/hr-sources')).items.find((x: { id: string }) => x.id === temp.source.id);
      expect(listed).toMatchObject({ status: 'deleted', deletedAt: clock.now().toISOString() });
    });
  });
}
