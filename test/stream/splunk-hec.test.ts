import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { createTestPki, startTlsReceiver, type ReceivedRequest, type TlsReceiver } from '../support/tls-receiver.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';

const ctx = systemContext('test', 'splunk hec test');
const TOKEN = '7d3b8f0e-4c1a-4b5e-9f2d-1a2b3c4d5e6f';

/** Splits an HEC body (JSON objects one after another, any whitespace between) into the objects. */
function hecObjects(body: string): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(body.slice(start, i + 1)) as Record<string, any>);
  }
  return out;
}

/** Answers as Splunk's HTTP Event Collector does: 403 code 4 for a wrong token, 200 code 0 with events accepted. */
function hecAnswer(accepted: Array<Record<string, any>>) {
  return (r: ReceivedRequest) => {
    if (r.url !== '/services/collector/event') return { status: 404, body: '{"text":"The requested URL was not found on this server.","code":404}' };
    if (r.headers.authorization !== `Splunk ${TOKEN}`) return { status: 403, body: '{"text":"Invalid token","code":4}' };
    accepted.push(...hecObjects(r.body));
    return { status: 200, body: '{"text":"Success","code":0}' };
  };
}

for (const dialect of DIALECTS) {
  describe(`Splunk HEC destination against a local HEC receiver, on ${dialect}`, () => {
    const clock = new ManualClock(new Date());
    const pki = createTestPki();
    let t: TestRuntime;
    let receiver: TlsReceiver;
    const accepted: Array<Record<string, any>> = [];

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      receiver = await startTlsReceiver(pki);
      receiver.answer = hecAnswer(accepted);
    });
    afterAll(async () => {
      await t?.rt.streamDelivery.stop();
      await receiver?.stop();
      await t?.close();
    });

    it('a wrong token is refused (403) and retried with backoff, nothing lost; the right token delivers everything once', async () => {
      const { rt } = t;
      const org = await rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' });
      const created = await rt.streamDestinations.create(ctx, { name: 'Splunk', kind: 'splunk_hec', config: { url: receiver.url, token: 'wrong-token', caCertificate: pki.caPem, index: 'security', sourcetype: 'ocsf:keyledger', batchSize: 7 } });
      const id = created.destination.id;
      for (let i = 0; i < 20; i++) await rt.runner.run(ctx, async ({ record }) => record({ action: 'identity.organization.updated', org: org.id, targets: [{ type: 'organization', id: org.id }], data: { before: {}, after: { i } } }));

      expect(await rt.streamDelivery.deliverOnce()).toBe(0);
      let health = await rt.streamDestinations.health(id);
      expect(health).toMatchObject({ status: 'failing', consecutiveFailures: 1, cursorSeq: created.destination.health.cursorSeq, lastError: 'HTTP 403: {"text":"Invalid token","code":4}' });
      // Not due yet: a pass before next_attempt_at sends nothing.
      const requests = receiver.received.length;
      await rt.streamDelivery.deliverOnce();
      expect(receiver.received.length).toBe(requests);
      // Due: retried, refused again; the backoff grows.
      clock.set(health.nextAttemptAt!);
      await rt.streamDelivery.deliverOnce();
      const second = await rt.streamDestinations.health(id);
      expect(second.consecutiveFailures).toBe(2);
      expect(Date.parse(second.nextAttemptAt!) - clock.now().getTime()).toBeGreaterThanOrEqual(1000);
      expect(accepted).toEqual([]);

      // The administrator fixes the token; the next due pass delivers everything from where it stopped.
      await rt.streamDestinations.update(ctx, id, { config: { token: TOKEN } });
      clock.set(second.nextAttemptAt!);
      await rt.streamDelivery.deliverOnce();
      health = await rt.streamDestinations.health(id);
      expect(health).toMatchObject({ status: 'healthy', consecutiveFailures: 0, lagEvents: 0 });

      const events = await rt.database.db.selectFrom('audit_events').select(['seq', 'body']).where('seq', '>', created.destination.health.cursorSeq).orderBy('seq').execute();
      const ids = events.map((e) => (JSON.parse(e.body) as { id: string }).id);
      const got = accepted.map((o) => o.event.metadata.uid as string).filter((uid) => ids.includes(uid));
      // Every event up to the `failing` transition (the update and the recovery come after), once, in order.
      expect(got).toEqual(ids.slice(0, got.length));
      expect(got.length).toBeGreaterThanOrEqual(22);
      expect(new Set(got).size).toBe(got.length);
      for (const o of accepted) {
        expect(Object.keys(o).sort()).toEqual(['event', 'host', 'index', 'source', 'sourcetype', 'time']);
        expect(o).toMatchObject({ source: 'keyledger', sourcetype: 'ocsf:keyledger', index: 'security' });
        expect(typeof o.time).toBe('number');
      }
      const failing = await rt.database.db.selectFrom('audit_events').select('body').where('action', '=', 'stream.destination.failing').execute();
      expect(failing.length).toBe(1);
      expect(JSON.stringify(failing)).not.toContain(TOKEN);
      expect(JSON.stringify(failing)).not.toContain('wrong-token');
    });
  });
}
