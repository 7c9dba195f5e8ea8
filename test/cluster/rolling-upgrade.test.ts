/**
 * What docs/operations-cluster.md says about migrations during a rolling
 * upgrade, checked on a running node: a newer release's migration applied
 * under it leaves it ready (old nodes keep serving), but a node of the old
 * version cannot start again on that database (there is no downgrade); a
 * migration the node knows that the database lacks makes /readyz answer 503
 * naming it, so the load balancer stops sending to that node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, type HttpSuite } from '../support/http.ts';
import { listMigrations, migrateToLatest, pendingMigrations } from '../../src/platform/migrations/index.ts';

const FUTURE = '2099-01-01-9999-from-a-newer-release';

describe.each(DIALECTS)('migrations during a rolling upgrade (%s)', (dialect) => {
  let s: HttpSuite;
  const newest = Object.keys(listMigrations(dialect)).at(-1)!;
  const readyz = async () => {
    const res = await s.request('GET', '/readyz', { key: null });
    return { status: res.statusCode, body: res.json() as { status: string; checks: Record<string, string> } };
  };
  /** The migrator's own table (not in the application schema), read and written as an operator would. */
  const migrationRows = async () => (await sql<{ name: string; timestamp: string }>`select name, timestamp from keyledger_migrations order by name`.execute(s.rt.database.db)).rows;
  const recordMigration = (name: string, timestamp: string) => sql`insert into keyledger_migrations (name, timestamp) values (${name}, ${timestamp})`.execute(s.rt.database.db);
  const forgetMigration = (name: string) => sql`delete from keyledger_migrations where name = ${name}`.execute(s.rt.database.db);

  beforeAll(async () => {
    s = await startHttpSuite(dialect);
  });
  afterAll(async () => s?.close());

  it('a newer release migrated the database: this (older) node stays ready, but could not start again', async () => {
    await recordMigration(FUTURE, new Date().toISOString());
    try {
      expect(await pendingMigrations(s.rt.database.db, dialect)).toEqual([]);
      expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', checks: { database: 'ok', migrations: 'current' } } });
      // `keyledger start` of this version migrates first, and refuses a schema a newer version wrote.
      await expect(migrateToLatest(s.rt.database.db, dialect)).rejects.toThrow(/previously executed migration 2099-01-01-9999-from-a-newer-release is missing/);
    } finally {
      await forgetMigration(FUTURE);
    }
    expect((await migrationRows()).map((r) => r.name)).not.toContain(FUTURE);
  });

  it('a migration this node knows is not applied: /readyz answers 503 naming it, and ready again once migrated', async () => {
    const row = (await migrationRows()).find((r) => r.name === newest)!;
    expect(row).toBeDefined();
    await forgetMigration(newest);
    try {
      expect(await readyz()).toMatchObject({ status: 503, body: { status: 'not_ready', checks: { database: 'ok', migrations: `pending: ${newest}` } } });
    } finally {
      // Put the record back rather than re-running the migration over tables that exist.
      await recordMigration(row.name, row.timestamp);
    }
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready' } });
  });
});
