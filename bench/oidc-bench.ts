import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createRuntime } from '../src/runtime.ts';
import { buildApp } from '../src/http/app.ts';
import { systemContext } from '../src/audit/event.ts';
import { timed, type BenchRow } from './harness.ts';

const admin = systemContext('bench', 'OpenID Connect benchmark');

/** Runs `total` calls, `concurrency` at a time; calls per second. */
async function rate(total: number, concurrency: number, fn: () => Promise<void>): Promise<number> {
  let left = total;
  const { seconds } = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await fn();
      }),
    ),
  );
  return total / seconds;
}

interface Target {
  tokenUrl: string;
  introspectUrl: string;
  basic: string;
  scope: string;
}

async function post(url: string, basic: string, body: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function measure(target: Target, total: number, concurrency: number): Promise<{ issue: number; introspect: number }> {
  const issueBody = `grant_type=client_credentials${target.scope ? `&scope=${encodeURIComponent(target.scope)}` : ''}`;
  // Warm up (JIT, statement cache, connection pool) before timing.
  for (let i = 0; i < 50; i++) await post(target.tokenUrl, target.basic, issueBody);
  const issue = await rate(total, concurrency, async () => {
    await post(target.tokenUrl, target.basic, issueBody);
  });
  // Issued last: the library's in-memory store is a bounded LRU that would have dropped an early token.
  const token = String((await post(target.tokenUrl, target.basic, issueBody)).access_token);
  const introspect = await rate(total, concurrency, async () => {
    const r = await post(target.introspectUrl, target.basic, `token=${token}`);
    if (r.active !== true) throw new Error('token inactive during the benchmark');
  });
  return { issue, introspect };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** oidc-provider on its own: one static client, the library's in-memory adapter, no persistence. */
async function bareProvider(): Promise<{ target: Target; close(): Promise<void> }> {
  const secret = randomBytes(32).toString('base64url');
  const server = createServer();
  const port = await listen(server);
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{ client_id: 'bare', client_secret: secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'invoices:read' }],
    scopes: ['openid', 'offline_access', 'invoices:read'],
    features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, devInteractions: { enabled: false }, resourceIndicators: { enabled: false } },
  });
  server.on('request', provider.callback());
  return {
    target: { tokenUrl: `http://127.0.0.1:${port}/token`, introspectUrl: `http://127.0.0.1:${port}/token/introspection`, basic: Buffer.from(`bare:${secret}`).toString('base64'), scope: 'invoices:read' },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Keyledger on SQLite: a service account with a role, a hashed secret, tokens persisted, credential use tracked. */
export async function keyledger(): Promise<{ target: Target; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-oidc-'));
  const probe = createServer();
  const port = await listen(probe);
  await new Promise<void>((r) => probe.close(() => r()));
  const config = loadConfig({ KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64'), KEYLEDGER_PUBLIC_URL: `http://127.0.0.1:${port}` });
  const rt = await createRuntime(config, { logger: createLogger('silent') });
  const app = await buildApp(rt);
  await app.listen({ host: '127.0.0.1', port });
  await rt.identity.createOrganization(admin, { slug: 'bench', name: 'Bench' });
  const owner = (await rt.identity.createUser(admin, { email: 'owner@bench.test', name: 'Owner' }, { orgRef: 'bench' })).id;
  await rt.access.createRole(admin, 'bench', { key: 'reader', name: 'Reader', description: 'reads', permissions: ['invoices:read'] });
  const sa = await rt.serviceAccounts.createServiceAccount(admin, 'bench', { name: 'sync', description: 'bench', ownerUserId: owner });
  await rt.access.grant(admin, 'bench', { role: 'reader', principalType: 'service_account', principalId: sa.id, approvalRef: 'BENCH-1' });
  const { secret } = await rt.serviceAccounts.createCredential(admin, 'bench', sa.id, { kind: 'secret' });
  return {
    target: { tokenUrl: `${config.publicUrl}/oidc/token`, introspectUrl: `${config.publicUrl}/oidc/token/introspection`, basic: Buffer.from(`${sa.id}:${secret}`).toString('base64'), scope: 'invoices:read' },
    async close() {
      await app.close();
      await rt.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Client-credentials token issuance and RFC 7662 introspection over HTTP on
 * loopback: Keyledger (SQLite, hashed secrets, persisted tokens, scope and
 * credential checks) against bare oidc-provider with its in-memory adapter,
 * same client code, same concurrency, same run.
 */
export async function oidcBench(options: { requests: number; concurrency: number; rounds?: number }): Promise<BenchRow[]> {
  const bare = await bareProvider();
  const ours = await keyledger();
  // Rounds alternate between the two, and each side reports its median round: neither gains from running second.
  const rounds = options.rounds ?? 3;
  const bareRuns: Array<{ issue: number; introspect: number }> = [];
  const ourRuns: Array<{ issue: number; introspect: number }> = [];
  for (let i = 0; i < rounds; i++) {
    bareRuns.push(await measure(bare.target, options.requests, options.concurrency));
    ourRuns.push(await measure(ours.target, options.requests, options.concurrency));
  }
  await bare.close();
  await ours.close();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const bareRates = { issue: median(bareRuns.map((r) => r.issue)), introspect: median(bareRuns.map((r) => r.introspect)) };
  const ourRates = { issue: median(ourRuns.map((r) => r.issue)), introspect: median(ourRuns.map((r) => r.introspect)) };
  const baseline = 'bare oidc-provider, in-memory adapter';
  return [
    { name: `client-credentials tokens issued (SQLite, ${options.concurrency} concurrent, median of ${rounds} alternating rounds)`, value: ourRates.issue, unit: 'tokens/s', baseline: { name: baseline, value: bareRates.issue }, target: '≥ 0.8' },
    { name: `token introspections (SQLite, ${options.concurrency} concurrent, median of ${rounds} alternating rounds)`, value: ourRates.introspect, unit: 'calls/s', baseline: { name: baseline, value: bareRates.introspect }, target: '≥ 0.8' },
  ];
}
