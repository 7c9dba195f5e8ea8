import { afterEach, describe, expect, it } from 'vitest';
import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { listMigrations, migrateToLatest } from './index.ts';

describe.each(DIALECTS)('the enrollment migration on %s', (dialect) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  it('counts users created before it as verified (administrators made them), so none is locked out of password sign-in', async () => {
    database = await createTestDatabase(dialect, { migrate: false });
    const provider: MigrationProvider = { getMigrations: async () => listMigrations(dialect) };
    const migrator = new Migrator({ db: database.db, provider, migrationTableName: 'keyledger_migrations', migrationLockTableName: 'keyledger_migrations_lock' });
    const before = await migrator.migrateTo('2026-11-28-0005-mail-outbox');
    expect(before.error).toBeUndefined();
    // The users table as it was before the migration: no email_verified_at column yet.
    const db = database.db as unknown as Kysely<any>;
    await db.insertInto('users').values({ id: 'u1', email: 'old@acme.test', name: null, status: 'active', manager_id: null, employee_number: null, department: null, title: null, created_at: '2026-01-02T03:04:05.000Z', updated_at: '2026-02-01T00:00:00.000Z' }).execute();

    expect(await migrateToLatest(database.db, dialect)).toContain('2026-11-28-0008-enrollment');
    expect(await database.db.selectFrom('users').select(['id', 'email_verified_at']).execute()).toEqual([{ id: 'u1', email_verified_at: '2026-01-02T03:04:05.000Z' }]);
    // Links are unique by hash, and a link's purpose is one of the two.
    const token = { id: 't1', user_id: 'u1', purpose: 'password_reset' as const, token_hash: 'ab', email: 'old@acme.test', created_at: 'x', expires_at: 'y', used_at: null };
    await database.db.insertInto('email_tokens').values(token).execute();
    await expect(database.db.insertInto('email_tokens').values({ ...token, id: 't2' }).execute()).rejects.toThrow(/unique|duplicate/i);
    await expect(database.db.insertInto('email_tokens').values({ ...token, id: 't3', token_hash: 'cd', purpose: 'login' as never }).execute()).rejects.toThrow(/check/i);
  });
});
