import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DIALECTS } from '../support/databases.ts';
import { expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { ORIGIN } from '../support/passkeys.ts';
import { refusalOf } from '../support/thrown.ts';
import { pushCompliance } from '../../src/evidence/compliance/push.ts';
import { secretFromEnv } from '../../src/cli/evidence-push-command.ts';
import { complianceScenario, expectedUsers, T, type Scenario } from './compliance-scenario.ts';

type Json = Record<string, any>;
interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  body: Json;
}

const TOKEN = 'grc-bearer-token';
const SECRET = 'kl_push_secret_for_tests';

/** A receiver on 127.0.0.1 that records every POST and answers with the next scripted status for its path (200 when none is left). */
async function startReceiver() {
  const received: Received[] = [];
  const script = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, raw, body: JSON.parse(raw) });
      const status = script.get(path)?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"ok":true}' : '{"error":"scripted"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/keyledger`,
    received,
    script,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Verifies a Keyledger-Signature header the way a receiver would: HMAC-SHA256 over `t.body`, computed here independently. */
function signatureVerifies(header: string | undefined, raw: string, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  return createHmac('sha256', secret).update(`${m[1]}.${raw}`).digest('hex') === m[2];
}

for (const dialect of DIALECTS) {
  describe(`keyledger evidence push on ${dialect}`, () => {
    const clock = new ManualClock(T.start);
    let s: HttpSuite;
    let sc: Scenario;
    let r: Awaited<ReturnType<typeof startReceiver>>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock, env: { KEYLEDGER_PUBLIC_URL: ORIGIN } });
      sc = await complianceScenario(s, clock);
      r = await startReceiver();
    });
    afterAll(async () => {
      await r?.close();
      await s?.close();
    });
    beforeEach(() => {
      r.received.length = 0;
      r.script.clear();
    });

    it('posts every dataset in complete batches, with the bearer token and a signature that verifies, and changes nothing', async () => {
      const result = await expectNothingChanged(s.rt, () => pushCompliance(s.rt, { org: 'acme', url: `${r.url}/`, token: TOKEN, secret: SECRET, batchSize: 2, backoffMs: 1 }));
      expect(result.org.slug).toBe('acme');
      expect(result.datasets).toEqual([
        { dataset: 'users', records: 5, batches: 3 },
        { dataset: 'role-assignments', records: 3, batches: 2 },
        { dataset: 'access-reviews', records: 1, batches: 1 },
        { dataset: 'deprovisioning', records: 1, batches: 1 },
        { dataset: 'findings', records: expect.any(Number), batches: expect.any(Number) },
      ]);
      for (const req of r.received) {
        expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
        expect(req.headers['content-type']).toBe('application/json');
        expect(signatureVerifies(req.headers['keyledger-signature'] as string, req.raw, SECRET)).toBe(true);
        // The same bytes under another secret do not verify.
        expect(signatureVerifies(req.headers['keyledger-signature'] as string, req.raw, 'another secret')).toBe(false);
        expect(req.headers['idempotency-key']).toBe(`${result.pushId}:${req.body.dataset}:${req.body.batch}`);
        expect(req.body.records.length).toBeLessThanOrEqual(2);
        expect(req.body).toMatchObject({ pushId: result.pushId, org: result.org });
      }
      const users = r.received.filter((q) => q.path === '/keyledger/users');
      expect(users.map((q) => [q.body.batch, q.body.last, q.body.records.length])).toEqual([[0, false, 2], [1, false, 2], [2, true, 1]]);
      // The batches together are exactly what the API serves.
      expect(users.flatMap((q) => q.body.records)).toEqual(expectedUsers(sc));
      const findings = r.received.filter((q) => q.path === '/keyledger/findings').flatMap((q) => q.body.records);
      expect(findings).toEqual((await ok(s, 200, 'GET', '/api/v1/compliance/findings?org=acme&limit=200')).items);
      expect(result.datasets[4]).toEqual({ dataset: 'findings', records: findings.length, batches: Math.ceil(findings.length / 2) });
      expect(r.received.filter((q) => q.path === '/keyledger/deprovisioning')[0].body.records).toEqual([expect.objectContaining({ userId: sc.dave.id, latencySeconds: 10800, withinSla: true })]);
    });

    it('sends an empty dataset as one empty last batch, and only the datasets asked for, without headers it was not given', async () => {
      const result = await pushCompliance(s.rt, { org: 'acme', url: r.url, datasets: ['deprovisioning'], from: '2026-03-02T08:30:00.000Z', backoffMs: 1 });
      expect(result.datasets).toEqual([{ dataset: 'deprovisioning', records: 0, batches: 1 }]);
      expect(r.received).toHaveLength(1);
      expect(r.received[0]).toMatchObject({ path: '/keyledger/deprovisioning', body: { batch: 0, last: true, records: [] } });
      expect(r.received[0].headers.authorization).toBeUndefined();
      expect(r.received[0].headers['keyledger-signature']).toBeUndefined();
    });

    it('retries a 500 (and a 429) with backoff, then carries on; the retried batch arrives again under the same idempotency key', async () => {
      r.script.set('/keyledger/access-reviews', [500, 429]);
      const result = await pushCompliance(s.rt, { org: 'acme', url: r.url, datasets: ['access-reviews', 'deprovisioning'], backoffMs: 1 });
      expect(result.datasets).toEqual([{ dataset: 'access-reviews', records: 1, batches: 1 }, { dataset: 'deprovisioning', records: 1, batches: 1 }]);
      expect(r.received.map((q) => q.path)).toEqual(['/keyledger/access-reviews', '/keyledger/access-reviews', '/keyledger/access-reviews', '/keyledger/deprovisioning']);
      expect(new Set(r.received.slice(0, 3).map((q) => q.raw)).size).toBe(1);
      expect(new Set(r.received.slice(0, 3).map((q) => q.headers['idempotency-key'])).size).toBe(1);
    });

    it('stops at a 4xx with evidence.push_refused, sending nothing after it', async () => {
      r.script.set('/keyledger/role-assignments', [401]);
      const err = await refusalOf(pushCompliance(s.rt, { org: 'acme', url: r.url, token: 'wrong', backoffMs: 1 }));
      expect(err).toMatchObject({ code: 'evidence.push_refused', details: { status: 401, dataset: 'role-assignments', batch: 0 } });
      expect(err.message).toContain('HTTP 401');
      expect(r.received.map((q) => q.path)).toEqual(['/keyledger/users', '/keyledger/role-assignments']);
    });

    it('gives up after its bounded retries with evidence.push_failed, on 5xx and on a receiver that is not there', async () => {
      r.script.set('/keyledger/users', [503, 503, 503, 503]);
      const err = await refusalOf(pushCompliance(s.rt, { org: 'acme', url: r.url, retries: 2, backoffMs: 1 }));
      expect(err).toMatchObject({ code: 'evidence.push_failed', details: { dataset: 'users', batch: 0, attempts: 3 } });
      expect(r.received).toHaveLength(3);
      const gone = await startReceiver();
      await gone.close();
      const down = await refusalOf(pushCompliance(s.rt, { org: 'acme', url: gone.url, retries: 1, backoffMs: 1 }));
      expect(down).toMatchObject({ code: 'evidence.push_failed', details: { attempts: 2 } });
      expect(down.message).toContain('network error');
    });

    it('refuses bad options before sending anything: plain http off loopback, credentials in the URL, unknown datasets, bad times, an unknown organization, an unset variable', async () => {
      const refused = async (options: Json, code: string) => expect(await refusalOf(pushCompliance(s.rt, { org: 'acme', url: r.url, ...options }))).toMatchObject({ code });
      await refused({ url: 'http://grc.example.com/in' }, 'evidence.push_options_invalid');
      await refused({ url: 'not a url' }, 'evidence.push_options_invalid');
      await refused({ url: 'https://user:pass@grc.example.com/in' }, 'evidence.push_options_invalid');
      await refused({ datasets: ['users', 'payroll'] }, 'evidence.push_options_invalid');
      await refused({ batchSize: 501 }, 'evidence.push_options_invalid');
      await refused({ from: 'yesterday' }, 'evidence.push_options_invalid');
      await refused({ org: 'no-such-org' }, 'organization.not_found');
      expect(r.received).toEqual([]);
      expect(secretFromEnv(undefined, '--token-env', {})).toBeNull();
      expect(secretFromEnv('GRC_TOKEN', '--token-env', { GRC_TOKEN: 't' })).toBe('t');
      expect(() => secretFromEnv('GRC_TOKEN', '--token-env', { GRC_TOKEN: '' })).toThrow(expect.objectContaining({ code: 'evidence.push_options_invalid' }));
    });
  });
}
