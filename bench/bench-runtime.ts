import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { openDatabase, type DatabaseHandle } from '../src/platform/database.ts';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import { buildApp, type App } from '../src/http/app.ts';
import { systemContext } from '../src/audit/event.ts';
import { ALL_SCOPES } from '../src/http/scopes.ts';

/** A fresh PostgreSQL database next to `adminUrl`'s, dropped by `drop()`. */
export async function createPgDatabase(adminUrl: string): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  const name = `keyledger_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = openDatabase({ databaseUrl: url.toString(), sqliteFile: '' });
  return {
    handle,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface BenchApp {
  rt: Runtime;
  app: App;
  /** `http://127.0.0.1:<port>` when listening, else the configured public URL. */
  baseUrl: string;
  /** An API key holding every scope. */
  adminKey: string;
  /** An admin API call through app.inject with the admin key; throws unless the status is `expect`. */
  api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, expect?: number): Promise<any>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/**
 * Keyledger as the benchmarks run it: a runtime on a fresh SQLite file (or a
 * fresh PostgreSQL database when `pgUrl` is given), its HTTP app, an admin
 * API key; `listen: true` also serves it on 127.0.0.1 for real HTTP clients.
 */
export async function startBenchApp(options: { pgUrl?: string | null; listen?: boolean } = {}): Promise<BenchApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-'));
  const port = await freePort();
  const config = loadConfig({ KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64'), KEYLEDGER_PUBLIC_URL: `http://127.0.0.1:${port}` });
  const pgDb = options.pgUrl ? await createPgDatabase(options.pgUrl) : null;
  const database = pgDb?.handle ?? openDatabase({ databaseUrl: null, sqliteFile: join(dataDir, 'bench.db') });
  const rt = await createRuntime(config, { database, logger: createLogger('silent') });
  const app = await buildApp(rt);
  if (options.listen) await app.listen({ host: '127.0.0.1', port });
  const { key } = await rt.apiKeys.create(systemContext('bench', 'benchmark setup'), { name: 'bench admin', scopes: [...ALL_SCOPES], expiresAt: null });
  return {
    rt,
    app,
    baseUrl: config.publicUrl,
    adminKey: key,
    async api(method, url, body, expect = method === 'POST' ? 201 : 200) {
      const res: LightMyRequestResponse = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.statusCode !== expect) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      return res.body ? res.json() : null;
    },
    async close() {
      await app.close();
      await rt.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An organization with a SCIM directory and a bearer token for it, made through the admin API. */
export async function connectDirectory(b: BenchApp, slug: string): Promise<{ orgId: string; directoryId: string; token: string; base: string }> {
  const org = await b.api('POST', '/api/v1/organizations', { slug, name: `${slug} Inc` });
  const dir = await b.api('POST', `/api/v1/organizations/${slug}/scim-directories`, { name: `${slug} directory` });
  const tok = await b.api('POST', `/api/v1/organizations/${slug}/scim-directories/${dir.id}/tokens`);
  return { orgId: org.id, directoryId: dir.id, token: tok.token, base: `/scim/v2/${dir.id}` };
}

/** Order statistics of latencies in milliseconds. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]): number => percentile(values, 50);
