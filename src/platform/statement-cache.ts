import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

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
