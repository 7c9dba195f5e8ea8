import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../support/databases.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { openDatabase } from '../../src/platform/database.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createClusterBus, PG_CHANNEL, type ClusterBus } from '../../src/platform/cluster-bus.ts';
import { CLIENT_CACHE_TTL_MS } from '../../src/oidc/client-cache.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { buildApp, type App } from '../../src/http/app.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ALL_SCOPES } from '../../src/http/scopes.ts';

const REDIS_URL = process.env.KEYLEDGER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = createLogger(process.env.KEYLEDGER_TEST_LOG ?? 'silent');
/** How soon another node must refuse what was revoked: well inside the cache's TTL. */
const FAN_OUT_MS = 1_000;

interface Node {
  rt: Runtime;
  app: App;
}

/** One node of the cluster: its own runtime, pool and HTTP app on the shared database. */
async function startNode(database: TestDatabase, env: Record<string, string>, nodeId: string, clock: ManualClock): Promise<Node> {
  const rt = await createRuntime(loadConfig(env), { database: openDatabase(database.target), nodeId, clock, logger: silent });
  return { rt, app: await buildApp(rt) };
}

/** A client_credentials grant at a node's token endpoint: 200, or the OAuth error. */
async function grant(node: Node, clientId: string, secret: string): Promise<string> {
  const res = await node.app.inject({
    method: 'POST',
    url: '/oidc/token',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  });
  return res.statusCode === 200 ? 'granted' : String((res.json() as { error?: string }).error);
}

/** Waits (real time) until `check` holds; returns how long it took. Fails after `FAN_OUT_MS`. */
async function within(check: () => Promise<void>): Promise<number> {
  const started = Date.now();
  await vi.waitFor(check, { timeout: FAN_OUT_MS, interval: 20 });
  return Date.now() - started;
}

const TRANSPORTS = [
  { bus: 'redis' as const, redis: true },
  { bus: 'postgres' as const, redis: false },
];

describe.each(TRANSPORTS)('two nodes on one PostgreSQL database, bus: $bus', ({ bus, redis }) => {
  const clock = new ManualClock(new Date());
  let database: TestDatabase;
  let dataDir: string;
  let a: Node;
  let b: Node;
  let adminKey: string;
  let saId: string;
  let appId: string;
  let appSecret: string;

  /** An admin API call on node A. */
  async function api(method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<any> {
    const res = await a.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.body ? res.json() : null;
  }

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    dataDir = mkdtempSync(join(tmpdir(), 'keyledger-data-'));
    // Nodes of one cluster share the master key and the public URL; the Redis prefix keeps this run's messages to itself.
    const env = { KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64'), PORT: '0', KEYLEDGER_RATE_LIMIT_PREFIX: `bus-test-${randomBytes(4).toString('hex')}`, ...(redis ? { REDIS_URL } : {}) };
    a = await startNode(database, env, 'node-a', clock);
    b = await startNode(database, env, 'node-b', clock);
    adminKey = (await a.rt.apiKeys.create(systemContext('test', 'cluster bus test'), { name: 'admin', scopes: [...ALL_SCOPES], expiresAt: null })).key;
    await vi.waitFor(() => expect([a.rt.bus.state(), b.rt.bus.state()]).toEqual(redis ? ['ok', 'ok'] : ['listening', 'listening']), { timeout: 5_000 });
    await api('POST', '/organizations', { slug: 'acme', name: 'Acme' });
    const owner = await api('POST', '/users', { email: 'ada@acme.test', name: 'Ada' });
    await api('POST', '/organizations/acme/members', { userId: owner.id });
    saId = (await api('POST', '/organizations/acme/service-accounts', { name: 'billing-sync', description: 'nightly export', ownerUserId: owner.id })).id;
    const app = await api('POST', '/organizations/acme/applications', { name: 'Invoices API', type: 'web', grantTypes: ['client_credentials'] });
    appId = app.application.clientId;
    appSecret = app.clientSecret;
    // Each node builds its provider on first use (seconds): done here, so the timings below measure only the fan-out.
    for (const node of [a, b]) expect(await grant(node, appId, appSecret)).toBe('granted');
  }, 60_000);

  afterAll(async () => {
    for (const node of [a, b]) {
      await node?.app.close();
      await node?.rt.close();
    }
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`uses the ${bus} bus on both nodes`, () => {
    expect(a.rt.bus.describe).toBe(bus);
    expect(b.rt.bus.describe).toBe(bus);
  });

  it('a credential revoked through node A is refused by node B at once, while B had it cached', async () => {
    const issued = await api('POST', `/organizations/acme/service-accounts/${saId}/credentials`, { kind: 'secret' });
    // B learns of the new credential (its cache was dropped by A's message) and caches it with the grant.
    await within(async () => expect(await grant(b, saId, issued.secret)).toBe('granted'));
    expect(await grant(b, saId, issued.secret)).toBe('granted');
    const frozen = clock.now().getTime();
    await api('DELETE', `/organizations/acme/service-accounts/${saId}/credentials/${issued.credential.id}`);
    const took = await within(async () => expect(await grant(b, saId, issued.secret)).toBe('invalid_client'));
    expect(took).toBeLessThan(FAN_OUT_MS);
    // The cache's own expiry had nothing to do with it: its clock has not moved.
    expect(clock.now().getTime() - frozen).toBeLessThan(CLIENT_CACHE_TTL_MS);
    expect(await grant(a, saId, issued.secret)).toBe('invalid_client');
  });

  it('an application disabled through node A is refused by node B at once', async () => {
    expect(await grant(b, appId, appSecret)).toBe('granted');
    expect(await grant(b, appId, appSecret)).toBe('granted');
    await api('PATCH', `/organizations/acme/applications/${appId}`, { status: 'disabled' });
    const took = await within(async () => expect(await grant(b, appId, appSecret)).toBe('invalid_client'));
    expect(took).toBeLessThan(FAN_OUT_MS);
    await api('PATCH', `/organizations/acme/applications/${appId}`, { status: 'active' });
    await within(async () => expect(await grant(b, appId, appSecret)).toBe('granted'));
  });

  it('without its bus, node B serves the stale client until the TTL: the fan-out, not a re-read, refused it above', async () => {
    const issued = await api('POST', `/organizations/acme/service-accounts/${saId}/credentials`, { kind: 'secret' });
    await within(async () => expect(await grant(b, saId, issued.secret)).toBe('granted'));
    await b.rt.bus.close();
    expect(b.rt.bus.state()).toBe('closed');
    await api('DELETE', `/organizations/acme/service-accounts/${saId}/credentials/${issued.credential.id}`);
    expect(await grant(a, saId, issued.secret)).toBe('invalid_client');
    // Longer than the fan-out took above: B still trusts what it cached.
    await new Promise((resolve) => setTimeout(resolve, FAN_OUT_MS + 200));
    expect(await grant(b, saId, issued.secret)).toBe('granted');
    // Once the TTL has passed, B reads the database again and refuses.
    clock.advance(CLIENT_CACHE_TTL_MS);
    expect(await grant(b, saId, issued.secret)).toBe('invalid_client');
  });
});

describe('the PostgreSQL bus: delivery, own messages, and a lost LISTEN connection', () => {
  let database: TestDatabase;
  const buses: ClusterBus[] = [];
  const open = (nodeId: string) => {
    const bus = createClusterBus({ redisUrl: null, pgPool: database.pgPool, dialect: 'postgres', logger: silent, nodeId });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres', { migrate: false });
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await database?.drop();
  });

  it('delivers to other nodes, not back to the sender, and reconnects after its connection is killed', async () => {
    const one = open('one');
    const two = open('two');
    const gotOne: unknown[] = [];
    const gotTwo: Array<{ payload: unknown; from: string }> = [];
    one.subscribe('invalidate', (payload) => gotOne.push(payload));
    two.subscribe('invalidate', (payload, from) => gotTwo.push({ payload, from }));
    await vi.waitFor(() => expect([one.state(), two.state()]).toEqual(['listening', 'listening']), { timeout: 5_000 });
    one.publish('invalidate', { actions: ['oidc.application.disabled'] });
    await vi.waitFor(() => expect(gotTwo).toEqual([{ payload: { actions: ['oidc.application.disabled'] }, from: 'one' }]));
    expect(gotOne).toEqual([]);

    // An administrator (or a failover) ends two's LISTEN connection: it says so, reconnects, and hears again.
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      const name = new URL(database.target.databaseUrl!).pathname.slice(1);
      const killed = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query = $2`, [name, `LISTEN ${PG_CHANNEL}`]);
      expect(killed.rowCount).toBe(2);
    } finally {
      await admin.end();
    }
    await vi.waitFor(() => expect(two.state()).toBe('reconnecting'), { timeout: 2_000, interval: 5 });
    await vi.waitFor(() => expect([one.state(), two.state()]).toEqual(['listening', 'listening']), { timeout: 5_000 });
    one.publish('invalidate', { actions: ['access.role.updated'] });
    await vi.waitFor(() => expect(gotTwo.at(-1)).toEqual({ payload: { actions: ['access.role.updated'] }, from: 'one' }));
  });

  it('ignores messages that are not its envelope', async () => {
    const listener = open('listener');
    const got: unknown[] = [];
    listener.subscribe('invalidate', (payload) => got.push(payload));
    await vi.waitFor(() => expect(listener.state()).toBe('listening'), { timeout: 5_000 });
    for (const junk of ['not json', '{"from":"x"}', '{"from":"x","topic":"invalidate","payload":null}']) await database.pgPool!.query('select pg_notify($1, $2)', [PG_CHANNEL, junk]);
    await database.pgPool!.query('select pg_notify($1, $2)', [PG_CHANNEL, JSON.stringify({ from: 'x', topic: 'invalidate', payload: { actions: [] } })]);
    await vi.waitFor(() => expect(got).toEqual([{ actions: [] }]));
  });
});

describe('one node on SQLite', () => {
  let database: TestDatabase;
  let rt: Runtime;
  let dataDir: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dataDir = mkdtempSync(join(tmpdir(), 'keyledger-data-'));
    rt = await createRuntime(loadConfig({ KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64'), PORT: '0' }), { database: openDatabase(database.target), logger: silent });
  });
  afterAll(async () => {
    await rt?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has the local bus: nothing to tell, nothing to listen to', () => {
    expect(rt.bus.describe).toBe('local');
    expect(rt.bus.state()).toBe('local');
    const got: unknown[] = [];
    rt.bus.subscribe('invalidate', (payload) => got.push(payload));
    rt.bus.publish('invalidate', { actions: ['oidc.application.disabled'] });
    expect(got).toEqual([]);
  });
});
