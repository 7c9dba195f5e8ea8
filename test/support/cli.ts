/**
 * Running the `keyledger` command as a user does (a child process with its own
 * environment), and talking to a ledger database over a raw connection the
 * way someone with database access would.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Dialect } from '../../src/platform/database.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

export const BIN = resolve(fileURLToPath(new URL('../../bin/keyledger.js', import.meta.url)));

export type CliEnv = Record<string, string>;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The parent's environment without anything that would point the child at another Keyledger. */
function baseEnv(): CliEnv {
  const env: CliEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(KEYLEDGER_|DATABASE_URL$|PORT$|LOG_LEVEL$|REDIS_URL$)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

/** Environment for the CLI: a data folder, a master key and, for PostgreSQL, DATABASE_URL. */
export function cliEnv(options: { dataDir: string; masterKey?: string; databaseUrl?: string | null; extra?: CliEnv }): CliEnv {
  return {
    ...baseEnv(),
    KEYLEDGER_DATA_DIR: options.dataDir,
    KEYLEDGER_MASTER_KEY: options.masterKey ?? randomBytes(32).toString('base64'),
    DATABASE_URL: options.databaseUrl ?? '',
    ...options.extra,
  };
}

/** Runs `node bin/keyledger.js …args`; resolves with the exit code (never rejects on a non-zero exit). */
export function runCli(args: string[], env: CliEnv, timeoutMs = 25_000): Promise<CliResult> {
  const started = Date.now();
  return new Promise((done, reject) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const ms = Date.now() - started;
      if (err && typeof (err as { code?: unknown }).code !== 'number') {
        reject(new Error(`keyledger ${args.join(' ')} did not finish (${(err as Error).message})\nstderr: ${stderr}`));
        return;
      }
      done({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr, ms });
    });
  });
}

/** Parses the JSON a `--json` command printed on stdout, with the whole output in the error when it is not JSON. */
export function parseJson<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A place for the CLI to keep its data: a fresh data folder and, for PostgreSQL, a fresh empty (unmigrated) database. */
export interface CliTarget {
  dialect: Dialect;
  dataDir: string;
  env: CliEnv;
  /** Where the CLI's database is, for a raw connection. */
  target: { databaseUrl: string | null; sqliteFile: string };
  cleanup(): Promise<void>;
}

export async function createCliTarget(dialect: Dialect, extra: CliEnv = {}): Promise<CliTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-cli-'));
  let database: TestDatabase | null = null;
  // PostgreSQL: a new empty database; its pool stays unused (the CLI opens its own connections) until drop().
  if (dialect === 'postgres') database = await createTestDatabase('postgres', { migrate: false });
  const databaseUrl = database?.target.databaseUrl ?? null;
  return {
    dialect,
    dataDir,
    env: cliEnv({ dataDir, databaseUrl, extra }),
    target: { databaseUrl, sqliteFile: join(dataDir, 'keyledger.db') },
    async cleanup() {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The environment under which the CLI reads the database of a test runtime (`createTestRuntime`). */
export function envForDatabase(target: { databaseUrl: string | null; sqliteFile: string }): CliEnv {
  // SQLite: the CLI's database is <data dir>/keyledger.db, which is where createTestDatabase puts its file.
  // PostgreSQL: the data folder is not read by `audit verify`; point it somewhere that does not exist.
  return cliEnv({ dataDir: target.databaseUrl ? join(tmpdir(), 'keyledger-cli-unused') : resolve(target.sqliteFile, '..'), databaseUrl: target.databaseUrl });
}

/** One raw connection to a ledger database: plain SQL with `?` placeholders, no Keyledger code in between. */
export interface RawConnection {
  dialect: Dialect;
  query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>;
  run(text: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export async function rawConnection(target: { databaseUrl: string | null; sqliteFile: string }): Promise<RawConnection> {
  if (target.databaseUrl) {
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    const numbered = (text: string) => {
      let n = 0;
      return text.replace(/\?/g, () => `$${++n}`);
    };
    return {
      dialect: 'postgres',
      async query(text, params = []) {
        return (await client.query(numbered(text), params)).rows;
      },
      async run(text, params = []) {
        await client.query(numbered(text), params);
      },
      close: () => client.end(),
    };
  }
  // As the sqlite3 shell opens it: foreign keys not enforced (better-sqlite3 would enforce them by default).
  const db = new BetterSqlite3(target.sqliteFile);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = OFF');
  return {
    dialect: 'sqlite',
    async query<T>(text: string, params: unknown[] = []) {
      return db.prepare(text).all(...params) as T[];
    },
    async run(text, params = []) {
      if (params.length === 0) db.exec(text);
      else db.prepare(text).run(...params);
    },
    async close() {
      db.close();
    },
  };
}

/** The triggers that keep a ledger table append-only, as the foundation migration names them. */
export function ledgerTriggerNames(dialect: Dialect, table: string): string[] {
  return dialect === 'sqlite' ? [`${table}_no_update`, `${table}_no_delete`] : [`${table}_no_change`, `${table}_no_truncate`];
}

/** What an attacker with database rights does first: drop the append-only triggers of a table. */
export async function dropLedgerTriggers(conn: RawConnection, table: string): Promise<void> {
  for (const name of ledgerTriggerNames(conn.dialect, table)) {
    await conn.run(conn.dialect === 'sqlite' ? `drop trigger ${name}` : `drop trigger ${name} on ${table}`);
  }
}

/** A running `keyledger start`: its announcement, everything it printed, and a way to wait for its exit. */
export interface ServerProcess {
  child: ChildProcess;
  info: { listening: string; publicUrl: string; database: string; bootstrapUrl: string | null };
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `keyledger start …args` and waits for the one JSON line that has `listening` (logs may share stdout). */
export function startCli(args: string[], env: CliEnv, timeoutMs = 20_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'start', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return new Promise((done, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`keyledger start did not announce itself within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('"listening"')) continue;
        try {
          const info = JSON.parse(line);
          clearTimeout(timer);
          done({ child, info, stdout: () => out, stderr: () => err, exited });
          return;
        } catch {
          /* a partial line; wait for the rest */
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`keyledger start exited (code ${code}, signal ${signal}) before listening\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}
