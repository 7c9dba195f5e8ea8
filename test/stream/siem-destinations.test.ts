import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, eventsDuring, expectError, expectNothingChanged, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { createTestPki } from '../support/tls-receiver.ts';
import { systemContext } from '../../src/audit/event.ts';

const base = '/api/v1/siem-destinations';

/** Every line of every JSONL file in `dir` (closed files and the open one), parsed. */
function jsonlLines(dir: string): Array<Record<string, any>> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>));
}

for (const dialect of DIALECTS) {
  describe(`SIEM destinations: admin API, secrets, filters, on ${dialect}`, () => {
    let s: HttpSuite;
    let acme: Record<string, any>;
    let globex: Record<string, any>;
    const dirs: string[] = [];
    const pki = createTestPki();
    const tempDir = () => {
      const d = mkdtempSync(join(tmpdir(), 'keyledger-jsonl-'));
      dirs.push(d);
      return d;
    };

    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      acme = await createOrg(s, 'acme');
      globex = await createOrg(s, 'globex');
    });
    afterAll(async () => {
      await s?.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('creates a webhook destination: the signing secret is shown once, stored encrypted, never in a read or the ledger', async () => {
      const { res, events } = await eventsDuring(s, () => s.request('POST', base, { body: { name: 'SOC webhook', kind: 'webhook', config: { url: 'https://siem.acme.test/ingest?team=7', caCertificate: pki.caPem, batchSize: 100 }, filter: { actionPrefixes: ['authn.'] } } }));
      expect(res.statusCode).toBe(201);
      const { destination, secret } = res.json();
      expect(secret).toMatch(/^kl_whsec_[A-Za-z0-9_-]{43}$/);
      expect(destination).toMatchObject({
        orgId: null,
        name: 'SOC webhook',
        kind: 'webhook',
        status: 'active',
        secretPrefix: secret.slice(0, 16),
        filter: { actionPrefixes: ['authn.'], orgIds: [] },
        config: { url: 'https://siem.acme.test/ingest', batchSize: 100, caCertificate: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
        health: { status: 'healthy', consecutiveFailures: 0, lastError: null, lastDeliveredAt: null },
      });
      expect(events.map((e) => e.action)).toEqual(['stream.destination.created']);
      expect(events[0]).toMatchObject({ org: null, targets: [{ type: 'siem_destination', id: destination.id, display: 'SOC webhook' }], data: { name: 'SOC webhook', kind: 'webhook', secretPrefix: secret.slice(0, 16), cursorSeq: events[0].seq - 1 } });
      // The new destination starts at the head: its own creation is the first event it receives.
      expect(destination.health.cursorSeq).toBe(events[0].seq - 1);

      const tail = secret.slice(9);
      const row = await s.rt.database.db.selectFrom('siem_destinations').selectAll().where('id', '=', destination.id).executeTakeFirstOrThrow();
      expect(row.secret).not.toContain(tail);
      expect(JSON.parse(row.secret!)).toMatchObject({ v: 1, kek: s.rt.master.id });
      expect(s.rt.streamDestinations.unseal(row.secret!)).toBe(secret);
      for (const url of [base, `${base}/${destination.id}`, `${base}/${destination.id}/health`]) {
        const read = await s.request('GET', url);
        expect(read.statusCode).toBe(200);
        expect(read.body).not.toContain(tail);
      }
      expect((await ok(s, 200, 'GET', `${base}/${destination.id}`)).secret).toBeUndefined();

      // Rotation shows the new secret once; the event carries prefixes only.
      const rotated = await eventsDuring(s, () => s.request('POST', `${base}/${destination.id}/rotate-secret`));
      const next = rotated.res.json();
      expect(next.secret).toMatch(/^kl_whsec_/);
      expect(next.secret).not.toBe(secret);
      expect(rotated.events.map((e) => [e.action, e.data])).toEqual([['stream.destination.secret_rotated', { secretPrefix: next.secret.slice(0, 16), previousSecretPrefix: secret.slice(0, 16) }]]);
      const ledger = JSON.stringify(await listEventsViaApi(s));
      expect(ledger).not.toContain(tail);
      expect(ledger).not.toContain(next.secret.slice(9));
    });

    it('keeps a Splunk HEC token encrypted: never returned, never recorded, replaced by PATCH', async () => {
      const token = '3f1c6a52-9a55-4a57-9a9f-6c0d1f5e0b11';
      const created = await ok(s, 201, 'POST', base, { name: 'Splunk', kind: 'splunk_hec', orgId: 'acme', config: { url: 'https://splunk.acme.test:8088', token, index: 'keyledger' } });
      expect(created.secret).toBeNull();
      expect(created.destination).toMatchObject({ orgId: acme.id, kind: 'splunk_hec', secretPrefix: null, config: { url: 'https://splunk.acme.test:8088/', index: 'keyledger', sourcetype: 'ocsf:keyledger' } });
      expect(JSON.stringify(created)).not.toContain(token);
      const row = await s.rt.database.db.selectFrom('siem_destinations').selectAll().where('id', '=', created.destination.id).executeTakeFirstOrThrow();
      expect(row.secret).not.toContain(token);
      expect(row.config).not.toContain(token);
      expect(s.rt.streamDestinations.unseal(row.secret!)).toBe(token);

      const newToken = 'b7b1f2a4-0000-4a57-9a9f-6c0d1f5e0b22';
      const { res, events } = await eventsDuring(s, () => s.request('PATCH', `${base}/${created.destination.id}`, { body: { name: 'Splunk prod', config: { token: newToken } } }));
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(newToken);
      expect(events.map((e) => e.action)).toEqual(['stream.destination.updated']);
      expect(events[0].data).toMatchObject({ before: { name: 'Splunk' }, after: { name: 'Splunk prod', tokenReplaced: true } });
      expect(JSON.stringify(events)).not.toContain(newToken);
      const updated = await s.rt.database.db.selectFrom('siem_destinations').select('secret').where('id', '=', created.destination.id).executeTakeFirstOrThrow();
      expect(s.rt.streamDestinations.unseal(updated.secret!)).toBe(newToken);
      expect(JSON.stringify(await listEventsViaApi(s))).not.toContain(token);

      // A HEC token has nothing to rotate here.
      const refused = await expectNothingChanged(s.rt, () => s.request('POST', `${base}/${created.destination.id}/rotate-secret`));
      expectError(refused, 409, 'stream.secret_not_rotatable');
    });

    it('refuses bad settings with stream.destination_invalid (details.field) and stores nothing', async () => {
      const cases: Array<[Record<string, unknown>, number, string, string | null]> = [
        [{ name: 'x', kind: 'webhook', config: { url: 'http://siem.acme.test/ingest' } }, 422, 'stream.destination_invalid', 'config.url'],
        [{ name: 'x', kind: 'webhook', config: { url: 'https://user:pw@siem.acme.test/' } }, 422, 'stream.destination_invalid', 'config.url'],
        [{ name: 'x', kind: 'webhook', config: { url: 'not a url' } }, 422, 'stream.destination_invalid', 'config.url'],
        [{ name: 'x', kind: 'webhook', config: {} }, 422, 'stream.destination_invalid', 'config.url'],
        [{ name: 'x', kind: 'webhook', config: { url: 'https://siem.acme.test/', token: 't' } }, 422, 'stream.destination_invalid', 'config.token'],
        [{ name: 'x', kind: 'webhook', config: { url: 'https://siem.acme.test/', caCertificate: 'not a certificate' } }, 422, 'stream.destination_invalid', 'config.caCertificate'],
        [{ name: 'x', kind: 'splunk_hec', config: { url: 'https://splunk.acme.test:8088' } }, 422, 'stream.destination_invalid', 'config.token'],
        [{ name: 'x', kind: 'jsonl_file', config: { directory: 'relative/dir' } }, 422, 'stream.destination_invalid', 'config.directory'],
        [{ name: 'x', kind: 'syslog_tls', config: { host: 'siem.acme.test' } }, 422, 'stream.destination_invalid', 'config.port'],
        [{ name: 'x', kind: 'syslog_tls', config: { host: 'bad host!', port: 6514 } }, 422, 'stream.destination_invalid', 'config.host'],
        [{ name: 'x', kind: 'webhook', orgId: 'acme', config: { url: 'https://siem.acme.test/' }, filter: { orgIds: ['globex'] } }, 422, 'stream.destination_invalid', 'filter.orgIds'],
        [{ name: 'x', kind: 'webhook', config: { url: 'https://siem.acme.test/' }, filter: { orgIds: ['no-such-org'] } }, 422, 'stream.destination_invalid', 'filter.orgIds'],
        [{ name: 'x', kind: 'webhook', orgId: 'no-such-org', config: { url: 'https://siem.acme.test/' } }, 404, 'organization.not_found', null],
        [{ name: 'x', kind: 'kafka', config: {} }, 400, 'request.invalid', null],
        [{ name: 'x', kind: 'webhook', config: { url: 'https://siem.acme.test/', secret: 'mine' } }, 400, 'request.invalid', null],
        [{ name: 'x', kind: 'syslog_tls', config: { host: 'h', port: 70000 } }, 400, 'request.invalid', null],
        [{ name: 'x', kind: 'webhook', config: { url: 'https://siem.acme.test/' }, filter: { actionPrefixes: ['Authn.'] } }, 400, 'request.invalid', null],
      ];
      for (const [body, status, code, field] of cases) {
        const res = await expectNothingChanged(s.rt, () => s.request('POST', base, { body }));
        expect({ body, status: res.statusCode }).toEqual({ body, status });
        expectError(res, status, code);
        if (field) expect(res.json().error.details).toMatchObject({ field });
      }
      const hook = await ok(s, 201, 'POST', base, { name: 'to change', kind: 'webhook', config: { url: 'https://siem.acme.test/' } });
      const id = hook.destination.id;
      for (const [method, url, body, status, code] of [
        ['PATCH', `${base}/${id}`, { config: { url: 'http://plain.acme.test/' } }, 422, 'stream.destination_invalid'],
        ['PATCH', `${base}/${id}`, { config: { directory: '/tmp' } }, 422, 'stream.destination_invalid'],
        ['PATCH', `${base}/${id}`, {}, 400, 'request.invalid'],
        ['POST', `${base}/${id}/rewind`, { fromSeq: 1_000_000 }, 422, 'stream.rewind_invalid'],
        ['POST', `${base}/${id}/rewind`, { fromSeq: -1 }, 400, 'request.invalid'],
        ['GET', `${base}/00000000-0000-7000-8000-000000000000`, undefined, 404, 'stream.destination_not_found'],
        ['DELETE', `${base}/00000000-0000-7000-8000-000000000000`, undefined, 404, 'stream.destination_not_found'],
      ] as const) {
        const res = await expectNothingChanged(s.rt, () => s.request(method, url, { body }));
        expect({ url, body, status: res.statusCode }).toEqual({ url, body, status });
        expectError(res, status, code);
      }
    });

    it('records pause, resume, rewind, update and delete; each change bumps the lease token (fencing out a batch in flight)', async () => {
      const created = await ok(s, 201, 'POST', base, { name: 'lifecycle', kind: 'webhook', config: { url: 'https://siem.acme.test/' } });
      const id = created.destination.id;
      const paused = await eventsDuring(s, () => s.request('POST', `${base}/${id}/pause`));
      expect(paused.res.json()).toMatchObject({ status: 'paused', health: { status: 'paused' } });
      expect(paused.events.map((e) => [e.action, e.data.after])).toEqual([['stream.destination.paused', 'paused']]);
      const resumed = await eventsDuring(s, () => s.request('POST', `${base}/${id}/resume`));
      expect(resumed.events.map((e) => [e.action, e.data.after])).toEqual([['stream.destination.resumed', 'active']]);
      const tokenBefore = (await s.rt.database.db.selectFrom('siem_destinations').select('lease_token').where('id', '=', id).executeTakeFirstOrThrow()).lease_token;
      const rewound = await eventsDuring(s, () => s.request('POST', `${base}/${id}/rewind`, { body: { fromSeq: 0 } }));
      expect(rewound.res.json().health).toMatchObject({ cursorSeq: -1 });
      expect(rewound.events.map((e) => [e.action, e.data.fromSeq, e.data.cursorSeq])).toEqual([['stream.destination.rewound', 0, -1]]);
      const tokenAfter = (await s.rt.database.db.selectFrom('siem_destinations').select('lease_token').where('id', '=', id).executeTakeFirstOrThrow()).lease_token;
      expect(Number(tokenAfter)).toBeGreaterThan(Number(tokenBefore));
      const updated = await eventsDuring(s, () => s.request('PATCH', `${base}/${id}`, { body: { filter: { actionPrefixes: ['access.'] } } }));
      expect(updated.events[0].data).toEqual({ before: { filter: { actionPrefixes: [], orgIds: [] } }, after: { filter: { actionPrefixes: ['access.'], orgIds: [] } } });
      const deleted = await eventsDuring(s, () => s.request('DELETE', `${base}/${id}`));
      expect(deleted.res.statusCode).toBe(204);
      expect(deleted.events.map((e) => e.action)).toEqual(['stream.destination.deleted']);
      expectError(await s.request('GET', `${base}/${id}`), 404, 'stream.destination_not_found');
    });

    it('delivers to each destination only what its scope and filter select, and shows lag in health and /metrics', async () => {
      // Nothing else delivers in this suite: park the destinations of the other tests.
      for (const d of (await ok(s, 200, 'GET', `${base}?limit=200`)).items) if (d.status === 'active') await ok(s, 200, 'POST', `${base}/${d.id}/pause`);
      const allDir = tempDir();
      const acmeDir = tempDir();
      const prefixDir = tempDir();
      const globexOnlyDir = tempDir();
      const all = await ok(s, 201, 'POST', base, { name: 'all', kind: 'jsonl_file', config: { directory: allDir } });
      const acmeOnly = await ok(s, 201, 'POST', base, { name: 'acme', kind: 'jsonl_file', orgId: acme.id, config: { directory: acmeDir } });
      const prefix = await ok(s, 201, 'POST', base, { name: 'identity', kind: 'jsonl_file', config: { directory: prefixDir }, filter: { actionPrefixes: ['identity.user.'] } });
      const globexOnly = await ok(s, 201, 'POST', base, { name: 'globex', kind: 'jsonl_file', config: { directory: globexOnlyDir }, filter: { orgIds: ['globex'] } });
      expect(globexOnly.destination.filter.orgIds).toEqual([globex.id]);
      const first = all.destination.health.cursorSeq + 1;
      await ok(s, 201, 'POST', '/api/v1/users', { email: 'ada@acme.test', org: 'acme' });
      await ok(s, 201, 'POST', '/api/v1/users', { email: 'gus@globex.test', org: 'globex' });
      await ok(s, 200, 'PATCH', '/api/v1/organizations/globex', { name: 'Globex Corp' });

      const lagging = await ok(s, 200, 'GET', `${base}/${all.destination.id}/health`);
      expect(lagging.lagEvents).toBeGreaterThan(0);
      expect(lagging.headSeq - lagging.cursorSeq).toBe(lagging.lagEvents);
      const metrics = (await s.request('GET', '/metrics', { key: null })).body;
      expect(metrics).toContain(`keyledger_stream_lag_events{destination="${all.destination.id}"} ${lagging.lagEvents}`);
      expect(metrics).toMatch(new RegExp(`keyledger_stream_lag_seconds\\{destination="${all.destination.id}"\\} [0-9.]+`));

      await s.rt.streamDelivery.deliverOnce();
      const events = (await listEventsViaApi(s)).filter((e) => e.seq >= first);
      const head = events[events.length - 1].seq;
      const byId = new Map(events.map((e) => [e.id, e]));
      const got = (dir: string) => jsonlLines(dir).filter((l) => byId.has(l.metadata.uid)).map((l) => byId.get(l.metadata.uid)!);
      expect(got(allDir).map((e) => e.seq)).toEqual(events.map((e) => e.seq));
      expect(got(acmeDir).map((e) => e.seq)).toEqual(events.filter((e) => e.org === acme.id).map((e) => e.seq));
      expect(got(acmeDir).length).toBeGreaterThan(0);
      expect(got(prefixDir).map((e) => e.action)).toEqual(events.filter((e) => e.action.startsWith('identity.user.')).map((e) => e.action));
      expect(got(prefixDir).length).toBeGreaterThan(0);
      expect(got(globexOnlyDir).map((e) => e.seq)).toEqual(events.filter((e) => e.org === globex.id).map((e) => e.seq));
      // Skipped events move the cursor too: every destination is at the head.
      for (const d of [all, acmeOnly, prefix, globexOnly]) {
        const h = await ok(s, 200, 'GET', `${base}/${d.destination.id}/health`);
        expect(h).toMatchObject({ cursorSeq: head, lagEvents: 0, lagSeconds: 0, status: 'healthy', consecutiveFailures: 0 });
      }
      const after = (await s.request('GET', '/metrics', { key: null })).body;
      expect(after).toContain(`keyledger_stream_lag_events{destination="${all.destination.id}"} 0`);
      expect(after).toMatch(new RegExp(`keyledger_stream_delivered_events_total\\{destination="${all.destination.id}"\\} ${events.length}`));
    });

    it('a paused destination receives nothing and resumes where it stopped', async () => {
      const dir = tempDir();
      const d = await ok(s, 201, 'POST', base, { name: 'pausable', kind: 'jsonl_file', config: { directory: dir } });
      await ok(s, 200, 'POST', `${base}/${d.destination.id}/pause`);
      await s.rt.runner.run(systemContext('test', 'stream test'), async ({ record }) => record({ action: 'identity.organization.updated', org: acme.id, targets: [{ type: 'organization', id: acme.id }], data: { before: {}, after: {} } }));
      await s.rt.streamDelivery.deliverOnce();
      expect(jsonlLines(dir)).toEqual([]);
      await ok(s, 200, 'POST', `${base}/${d.destination.id}/resume`);
      await s.rt.streamDelivery.deliverOnce();
      const seqs = new Set((await listEventsViaApi(s)).filter((e) => e.seq > d.destination.health.cursorSeq).map((e) => e.id));
      expect(jsonlLines(dir).filter((l) => seqs.has(l.metadata.uid)).length).toBe(seqs.size);
    });
  });
}
