import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDatabase, type DatabaseHandle, type Dialect } from '../../src/platform/database.ts';
import { migrateToLatest } from '../../src/platform/migrations/index.ts';

/** Where the suites find PostgreSQL; scripts/test-services.sh makes this role. */
export const TEST_PG_URL = process.env.KEYLEDGER_TEST_PG_URL ?? 'postgres://keyledger:keyledger@127.0.0.1:5432/postgres';

/** Both, always in CI; `KEYLEDGER_TEST_DIALECTS=sqlite` narrows a local run while iterating. */
export const DIALECTS: Dialect[] = (process.env.KEYLEDGER_TEST_DIALECTS?.split(',').filter((d): d is Dialect => d === 'sqlite' || d === 'postgres') ?? ['sqlite', 'postgres']);

export interface TestDatabase extends DatabaseHandle {
  /** The connection target, for a second connection or a child process. */
  target: { databaseUrl: string | null; sqliteFile: string };
  /** Drops the database (PostgreSQL) or removes the file (SQLite). */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one suite: a new SQLite file in a temp folder,
 * or a new PostgreSQL database. Nothing is shared with another suite or run.
 * PostgreSQL being unreachable fails the suite; it is never skipped.
 */
export async function createTestDatabase(dialect: Dialect, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  let target: { databaseUrl: string | null; sqliteFile: string };
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keyledger-test-'));
    target = { databaseUrl: null, sqliteFile: join(dir, 'keyledger.db') };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `keyledger_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    try {
      await admin.connect();
    } catch (err) {
      throw new Error(`PostgreSQL is not reachable at ${TEST_PG_URL.replace(/:[^:@/]+@/, ':***@')} (${(err as Error).message}); run scripts/test-services.sh`);
    }
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${name}`;
    target = { databaseUrl: url.toString(), sqliteFile: '' };
    cleanup = async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const handle = openDatabase(target);
  if (options.migrate !== false) await migrateToLatest(handle.db, handle.dialect);
  let dropped = false;
  return {
    ...handle,
    target,
    async drop() {
      if (dropped) return;
      dropped = true;
      await handle.destroy();
      await cleanup();
    },
  };
}
