import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { withStatementCache } from './statement-cache.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export interface DatabaseTarget {
  databaseUrl: string | null;
  sqliteFile: string;
}

export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
  /** Where the data lives, without credentials, for logs and /readyz. */
  describe: string;
  /** How to open another connection to the same database (verification workers). */
  target: DatabaseTarget;
  /** The one SQLite connection Kysely runs on (null on PostgreSQL), for the ledger's prepared statements. */
  sqlite: BetterSqlite3.Database | null;
  /** The pg pool Kysely runs on (null on SQLite), for libraries that take a pg client (rate-limit counters). */
  pgPool: pg.Pool | null;
  destroy(): Promise<void>;
}

// int8 (bigint) and numeric come back from pg as strings; Keyledger's bigints
// (ledger sequence numbers, counters) stay far below 2^53.
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (value: string) => Number(value);
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format);
  },
};

/** Opens SQLite (a file, created with its folder) or PostgreSQL (a URL). */
export function openDatabase(target: DatabaseTarget): DatabaseHandle {
  if (target.databaseUrl) {
    const pool = new pg.Pool({ connectionString: target.databaseUrl, max: 10, types: pgTypes as pg.CustomTypesConfig });
    // An idle connection the server ends (restart, failover, an administrator) is dropped from the pool and
    // replaced on the next query; unhandled, the pool's 'error' event would end the process.
    pool.on('error', (err) => process.emitWarning(`an idle PostgreSQL connection was closed: ${err.message}`, { code: 'KEYLEDGER_PG_IDLE' }));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const url = new URL(target.databaseUrl);
    return { db, dialect: 'postgres', describe: `postgres://${url.host}${url.pathname}`, target: { databaseUrl: target.databaseUrl, sqliteFile: '' }, sqlite: null, pgPool: pool, destroy: () => db.destroy() };
  }
  if (target.sqliteFile !== ':memory:') mkdirSync(dirname(target.sqliteFile), { recursive: true });
  const sqlite = new BetterSqlite3(target.sqliteFile);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('wal_autocheckpoint = 10000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', describe: `sqlite:${target.sqliteFile}`, target: { databaseUrl: null, sqliteFile: target.sqliteFile }, sqlite, pgPool: null, destroy: () => db.destroy() };
}

/** True when the database answers a trivial query. */
export async function pingDatabase(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** Which engine a Kysely instance talks to (for the few queries that differ). */
export function dialectOf(db: Db): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
