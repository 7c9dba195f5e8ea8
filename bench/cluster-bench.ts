import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import { systemContext, type EventDraft } from '../src/audit/event.ts';
import { startCluster, TEST_REDIS_URL, type Cluster, type ClusterNode } from '../test/support/cluster.ts';
import { createPgDatabase } from './bench-runtime.ts';
import { timed, type BenchRow } from './harness.ts';

const admin = systemContext('bench', 'cluster benchmark');
const PASSWORD = 'quartz-lantern-orbit-meadow-42';

/** `fn` called `concurrency` at a time until `total` calls or `maxSeconds` have passed; calls per second. */
async function boundedRate(total: number, concurrency: number, maxSeconds: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  let done = 0;
  const stopAt = Date.now() + maxSeconds * 1000;
  const { seconds } = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total && Date.now() < stopAt) {
          await fn(next++);
          done++;
        }
      }),
    ),
  );
  return done / seconds;
}

async function redisReachable(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** A runtime of this process on the cluster's database, for seeding (users, a service account) without timing it. */
async function seed(cluster: Cluster, users: number): Promise<{ emails: string[]; basic: string }> {
  const config = loadConfig({ DATABASE_URL: cluster.databaseUrl, KEYLEDGER_MASTER_KEY: cluster.masterKey, KEYLEDGER_PUBLIC_URL: cluster.publicUrl, KEYLEDGER_DATA_DIR: cluster.env.KEYLEDGER_DATA_DIR });
  const rt = await createRuntime(config, { logger: createLogger('silent') });
  try {
    await rt.identity.createOrganization(admin, { slug: 'bench', name: 'Bench' });
    const emails: string[] = [];
    let owner = '';
    for (let i = 0; i < users; i++) {
      const user = await rt.enrollment.createUserWithPassword(admin, 'bench', { email: `user${i}@bench.test`, name: `User ${i}`, password: PASSWORD });
      owner ||= user.id;
      emails.push(user.email);
    }
    await rt.access.createRole(admin, 'bench', { key: 'reader', name: 'Reader', description: 'reads', permissions: ['invoices:read'] });
    const sa = await rt.serviceAccounts.createServiceAccount(admin, 'bench', { name: 'sync', description: 'bench', ownerUserId: owner });
    await rt.access.grant(admin, 'bench', { role: 'reader', principalType: 'service_account', principalId: sa.id, approvalRef: 'BENCH-1' });
    const { secret } = await rt.serviceAccounts.createCredential(admin, 'bench', sa.id, { kind: 'secret' });
    return { emails, basic: Buffer.from(`${sa.id}:${secret}`).toString('base64') };
  } finally {
    await rt.close();
  }
}

/** One CSRF cookie and token for every sign-in form post (derived from the shared master key, so good on every node). */
async function csrfPair(node: ClusterNode): Promise<{ cookie: string; token: string }> {
  const page = await fetch(`${node.url}/login`);
  const cookie = page.headers.getSetCookie().map((l) => l.split(';')[0]).join('; ');
  const token = (await page.text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (!token) throw new Error('no CSRF token on the sign-in page');
  return { cookie, token };
}

async function signIn(node: ClusterNode, csrf: { cookie: string; token: string }, email: string): Promise<void> {
  const res = await fetch(`${node.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf.cookie, 'user-agent': 'keyledger-bench/1' },
    body: new URLSearchParams({ _csrf: csrf.token, email, password: PASSWORD, org: 'bench', return_to: '/' }).toString(),
  });
  await res.arrayBuffer();
  if (res.status !== 303) throw new Error(`sign-in on node ${node.index}: ${res.status}`);
}

async function issueToken(node: ClusterNode, basic: string): Promise<void> {
  const res = await fetch(`${node.url}/oidc/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=invoices%3Aread',
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`token on node ${node.index}: ${res.status} ${body}`);
}

/** One event per command, committed each, against one runtime on a fresh PostgreSQL database. */
async function ledgerAppendRates(pgUrl: string, total: number, maxSeconds: number): Promise<{ one: number; eight: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-cluster-'));
  const pg = await createPgDatabase(pgUrl);
  let rt: Runtime | null = null;
  try {
    rt = await createRuntime(loadConfig({ KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64') }), { database: pg.handle, logger: createLogger('silent') });
    const r = rt;
    const draft = (i: number): EventDraft => ({
      action: 'identity.user.updated',
      org: '0192f0c4-7a1e-7000-8000-000000000001',
      targets: [{ type: 'user', id: `0192f0c4-7a1e-7000-8000-${String(i % 100_000).padStart(12, '0')}` }],
      data: { before: { title: 'Account Executive' }, after: { title: `Engineer ${i}` } },
    });
    const append = (i: number) => r.runner.run(admin, async ({ record }) => record(draft(i)));
    await boundedRate(200, 8, 10, append);
    const one = await boundedRate(total, 1, maxSeconds, append);
    await r.sequencer.integrateAll();
    const eight = await boundedRate(total, 8, maxSeconds, append);
    await r.sequencer.integrateAll();
    return { one, eight };
  } finally {
    await rt?.close();
    await pg.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Password sign-ins (hosted page, argon2id) and client-credentials tokens over
 * loopback HTTP against one node and against three nodes round-robin, same
 * client concurrency, all on this machine and one PostgreSQL + Redis; and the
 * ledger's append rate on PostgreSQL with 1 and 8 concurrent writers. Returns
 * a line saying why instead when PostgreSQL or Redis is not reachable.
 */
export async function clusterBench(options: { pgUrl: string | null; signIns: number; tokens: number; appends: number; maxSeconds: number }): Promise<BenchRow[] | string> {
  if (!options.pgUrl) return 'PostgreSQL not reachable: cluster benchmark skipped';
  if (!(await redisReachable(TEST_REDIS_URL))) return `Redis not reachable at ${TEST_REDIS_URL}: cluster benchmark skipped`;
  const cores = availableParallelism();
  const rows: BenchRow[] = [];
  const cluster = await startCluster({ nodes: 3, env: { LOG_LEVEL: 'warn' } });
  try {
    const { emails, basic } = await seed(cluster, 20);
    const csrf = await csrfPair(cluster.nodes[0]);
    const one = [cluster.nodes[0]];
    const all = cluster.nodes;
    const pick = (nodes: ClusterNode[], i: number) => nodes[i % nodes.length];
    // Same client concurrency either way: two sign-ins in flight per core (argon2id is CPU-bound).
    const signInConcurrency = cores * 2;
    const tokenConcurrency = 8;
    // Warm every node (JIT, statement caches, pools) before timing.
    for (const n of all) for (let i = 0; i < 4; i++) await signIn(n, csrf, emails[i]);
    for (const n of all) for (let i = 0; i < 30; i++) await issueToken(n, basic);
    const signIns1 = await boundedRate(options.signIns, signInConcurrency, options.maxSeconds, (i) => signIn(pick(one, i), csrf, emails[i % emails.length]));
    const signIns3 = await boundedRate(options.signIns, signInConcurrency, options.maxSeconds, (i) => signIn(pick(all, i), csrf, emails[i % emails.length]));
    const tokens1 = await boundedRate(options.tokens, tokenConcurrency, options.maxSeconds, () => issueToken(one[0], basic));
    const tokens3 = await boundedRate(options.tokens, tokenConcurrency, options.maxSeconds, (i) => issueToken(pick(all, i), basic));
    const note = `${cores} cores shared by every node, PostgreSQL and the client`;
    rows.push({ name: `password sign-ins over HTTP (hosted page, argon2id, session + ledger), 3 nodes round-robin, ${signInConcurrency} concurrent`, value: signIns3, unit: 'sign-ins/s', baseline: { name: '1 node, same client', value: signIns1 }, target: note });
    rows.push({ name: `client_credentials tokens over HTTP, 3 nodes round-robin, ${tokenConcurrency} concurrent`, value: tokens3, unit: 'tokens/s', baseline: { name: '1 node, same client', value: tokens1 }, target: note });
  } finally {
    await cluster.stop();
  }
  const ledger = await ledgerAppendRates(options.pgUrl, options.appends, options.maxSeconds);
  rows.push({ name: 'PostgreSQL ledger append, one event per command (commit each), 8 concurrent writers', value: ledger.eight, unit: 'events/s', baseline: { name: '1 writer', value: ledger.one } });
  return rows;
}
