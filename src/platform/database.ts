import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
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

/** How many distinct SQL texts keep their prepared statement (queries are built from a fixed set of shapes, so this is plenty). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 as Kysely's SQLite driver sees it, with each SQL text
 * prepared once and its statement reused (least recently used dropped past
 * STATEMENT_CACHE_SIZE). Kysely prepares every query anew otherwise, and that
 * compile is most of a small query's cost. Safe because better-sqlite3 runs
 * one statement at a time on this connection and Keyledger never streams
 * (`iterate`) a query; SQLite re-prepares a cached statement itself after a
 * schema change.
 */
export function withStatementCache(sqlite: BetterSqlite3.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let stmt = cache.get(sqlText);
      if (stmt) {
        // Most recently used last, so the first key is the one to drop.
        cache.delete(sqlText);
      } else {
        stmt = sqlite.prepare(sqlText);
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sqlText, stmt);
      return stmt;
    },
  };
}
