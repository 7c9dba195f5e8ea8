import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, ledgerNextSeq, startHttpSuite, type HttpSuite, type Response } from '../support/http.ts';
import { openCheckpoint } from '../../src/audit/checkpoint-note.ts';

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function expectSecurityHeaders(res: Response): void {
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("default-src 'self'");
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
  expect(res.headers).not.toHaveProperty('x-powered-by');
}

for (const dialect of DIALECTS) {
  describe(`health, metrics, headers and the public ledger key on ${dialect}`, () => {
    let s: HttpSuite;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
    });
    afterAll(async () => s?.close());

    it('/healthz and /readyz answer without a key; readiness checks the database and migrations, and reports the cluster bus', async () => {
      const health = await s.request('GET', '/healthz', { key: null });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: 'ok' });
      // On PostgreSQL the bus LISTENs on its own connection, opened when the runtime starts.
      const bus = dialect === 'postgres' ? 'listening' : 'local';
      await vi.waitFor(async () => expect((await s.request('GET', '/readyz', { key: null })).json().checks.bus).toBe(bus));
      const ready = await s.request('GET', '/readyz', { key: null });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'current', bus } });
      // Shutting down: the node tells the balancer first.
      s.rt.readiness.draining = true;
      try {
        const draining = await s.request('GET', '/readyz', { key: null });
        expect({ status: draining.statusCode, body: draining.json() }).toEqual({ status: 503, body: { status: 'draining', checks: { bus } } });
      } finally {
        s.rt.readiness.draining = false;
      }
      expect((await s.request('GET', '/readyz', { key: null })).statusCode).toBe(200);
    });

    it('/metrics is Prometheus text counting requests by route and status, with the ledger size', async () => {
      await createOrg(s, 'metered');
      await s.request('GET', '/healthz', { key: null });
      await s.request('GET', '/healthz', { key: null });
      await s.request('GET', '/api/v1/organizations/no-such-org');
      const res = await s.request('GET', '/metrics', { key: null });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = res.body;
      expect(text).toContain('# TYPE keyledger_http_requests_total counter');
      expect(text).toContain('# TYPE keyledger_ledger_events gauge');
      expect(sample(text, 'keyledger_http_requests_total', '{method="GET",route="/healthz",status="200"}')).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'keyledger_http_requests_total', '{method="POST",route="/api/v1/organizations",status="201"}')).toBe(1);
      expect(sample(text, 'keyledger_http_requests_total', '{method="GET",route="/api/v1/organizations/:org",status="404"}')).toBe(1);
      expect(sample(text, 'keyledger_ledger_events')).toBe(await ledgerNextSeq(s.rt));
      expect(sample(text, 'keyledger_ledger_events')).toBeGreaterThanOrEqual(3);
      // Every non-comment line is `name{labels} value` with a numeric value.
      for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
    });

    it('API answers, errors and HTML pages all carry a request id and the security headers', async () => {
      const answers = [
        await s.request('GET', '/api/v1/organizations'),
        await s.request('GET', '/api/v1/organizations', { key: null }),
        await s.request('GET', '/api/v1/no-such-route'),
        await s.request('POST', '/api/v1/organizations', { body: '{', headers: { 'content-type': 'application/json' } }),
        await s.request('GET', '/bootstrap?token=unknown', { key: null }),
        await s.request('GET', '/healthz', { key: null }),
      ];
      for (const res of answers) expectSecurityHeaders(res);
      expect(new Set(answers.map((r) => r.headers['x-request-id'])).size).toBe(answers.length);
      for (const res of answers.slice(0, 4)) expect(res.headers['cache-control']).toBe('no-store');
      expect(answers[1].json().error.requestId).toBe(answers[1].headers['x-request-id']);
    });

    it('/.well-known/keyledger/ledger-key is public and verifies the signed checkpoints', async () => {
      const res = await s.request('GET', '/.well-known/keyledger/ledger-key', { key: null });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual({ keyName: s.rt.signer.keyName, keyId: s.rt.signer.keyId, algorithm: 'Ed25519', verifierKey: s.rt.signer.verifierKey, publicKeyPem: expect.stringContaining('-----BEGIN PUBLIC KEY-----') });
      expect(body.verifierKey).toMatch(new RegExp(`^${body.keyName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\+[0-9a-f]{8}\\+[A-Za-z0-9+/]+=*$`));
      const cp = await s.rt.sequencer.integrateAll();
      const latest = (await s.request('GET', '/api/v1/audit/checkpoints/latest')).json();
      expect(latest.size).toBe(cp!.size);
      expect(openCheckpoint(latest.note, body.verifierKey).size).toBe(cp!.size);
      const tampered = latest.note.replace(/\n\d+\n/, `\n${cp!.size + 1}\n`);
      expect(() => openCheckpoint(tampered, body.verifierKey)).toThrow();
    });
  });
}
