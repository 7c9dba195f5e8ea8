/**
 * A real Keyledger cluster on this machine: N `keyledger start` processes on
 * 127.0.0.1 sharing one fresh PostgreSQL database, one Redis (under a key
 * prefix of their own), one master key and one public URL, as nodes behind a
 * load balancer would. Nodes can be killed with SIGKILL and started again on
 * the same port; everything is torn down by `stop()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { cliEnv, parseJson, rawConnection, runCli, startCli, type CliEnv, type CliResult, type RawConnection, type ServerProcess } from './cli.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

/** Where the cluster suites find Redis; scripts/test-services.sh starts it. */
export const TEST_REDIS_URL = process.env.KEYLEDGER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ClusterNode {
  readonly index: number;
  /** http://127.0.0.1:<port>; the port stays the same across restarts. */
  url: string;
  port: number;
  process: ServerProcess | null;
}

export interface Cluster {
  nodes: ClusterNode[];
  /** The environment every node and every CLI call of this cluster runs with. */
  env: CliEnv;
  databaseUrl: string;
  publicUrl: string;
  masterKey: string;
  /** An admin API key with every scope. */
  adminKey: string;
  /** A raw connection to the cluster's database (plain SQL, `?` placeholders). */
  raw: RawConnection;
  /** Runs `keyledger …args` against the cluster's database. */
  cli(args: string[], timeoutMs?: number): Promise<CliResult>;
  /** SIGKILL: no drain, no last checkpoint; resolves once the process is gone. */
  kill(index: number): Promise<void>;
  /** Starts a killed node again on its old port. */
  restart(index: number): Promise<void>;
  /** The node whose process holds the scheduler lease now (the holder names its pid), or null. */
  schedulerHolder(): Promise<ClusterNode | null>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  nodes: number;
  /** More environment for every node (lockout thresholds, …). */
  env?: CliEnv;
  /** How long one node may take to announce itself (a loaded 2-core machine starts slowly). */
  startTimeoutMs?: number;
}

/** Fails with the command's output unless it exited 0. */
function succeeded(result: CliResult, what: string): CliResult {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Fails fast, naming the fix, when Redis is not there (the suite is never skipped). */
async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is not reachable at ${url} (${(err as Error).message}); run scripts/test-services.sh`);
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts `options.nodes` nodes one after another (the first one migrates the
 * fresh database), then creates an admin API key with the CLI. On a failure
 * while starting, whatever was started is torn down before the error.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  await checkRedis(TEST_REDIS_URL);
  const database: TestDatabase = await createTestDatabase('postgres', { migrate: false });
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-cluster-'));
  const databaseUrl = database.target.databaseUrl!;
  const masterKey = randomBytes(32).toString('base64');
  const prefix = `kl-cluster-${randomBytes(4).toString('hex')}`;
  // The address the load balancer would answer on; no node needs to reach it.
  const publicUrl = 'http://keyledger.cluster.test';
  const env = cliEnv({
    dataDir,
    masterKey,
    databaseUrl,
    extra: {
      KEYLEDGER_PUBLIC_URL: publicUrl,
      KEYLEDGER_HOST: '127.0.0.1',
      REDIS_URL: TEST_REDIS_URL,
      KEYLEDGER_RATE_LIMIT_PREFIX: prefix,
      KEYLEDGER_SEQUENCER_INTERVAL_MS: '250',
      LOG_LEVEL: process.env.KEYLEDGER_TEST_LOG ?? 'warn',
      ...options.env,
    },
  });
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  const nodes: ClusterNode[] = Array.from({ length: options.nodes }, (_, index) => ({ index, url: '', port: 0, process: null }));
  let raw: RawConnection | null = null;

  async function launch(node: ClusterNode): Promise<void> {
    const proc = await startCli(['--json'], { ...env, PORT: String(node.port) }, startTimeoutMs);
    node.process = proc;
    node.url = proc.info.listening;
    node.port = Number(new URL(proc.info.listening).port);
  }

  async function kill(index: number): Promise<void> {
    const proc = nodes[index].process;
    if (!proc) return;
    nodes[index].process = null;
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    await proc.exited;
  }

  async function stop(): Promise<void> {
    await Promise.all(nodes.map((n) => kill(n.index)));
    await raw?.close().catch(() => {});
    await database.drop();
    await deleteRedisKeys(TEST_REDIS_URL, prefix).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }

  try {
    for (const node of nodes) await launch(node);
    raw = await rawConnection(database.target);
    const created = succeeded(await runCli(['api-key', 'create', '--name', 'cluster-admin', '--scopes', 'all', '--json'], env, 60_000), 'keyledger api-key create');
    const adminKey = String(parseJson<{ key: string }>(created).key);
    const conn = raw;
    return {
      nodes,
      env,
      databaseUrl,
      publicUrl,
      masterKey,
      adminKey,
      raw: conn,
      cli: (args, timeoutMs = 60_000) => runCli(args, env, timeoutMs),
      kill,
      async restart(index) {
        if (nodes[index].process) throw new Error(`node ${index} is running`);
        await launch(nodes[index]);
      },
      async schedulerHolder() {
        const rows = await conn.query<{ holder: string; expires_at: string }>(`select holder, expires_at from scheduler_leases where name = 'scheduler'`);
        if (rows.length === 0 || rows[0].expires_at <= new Date().toISOString()) return null;
        // The holder is "<host>:<pid>:<random>" (src/runtime.ts).
        const pid = Number(rows[0].holder.split(':').at(-2));
        return nodes.find((n) => n.process?.child.pid === pid) ?? null;
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
