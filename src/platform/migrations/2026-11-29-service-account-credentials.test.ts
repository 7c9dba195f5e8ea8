import { afterEach, describe, expect, it } from 'vitest';
import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { listMigrations, migrateToLatest } from './index.ts';

describe.each(DIALECTS)('the service account credentials migration on %s', (dialect) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  it('keeps existing accounts, dates ownerless ones from their creation, allows the deleted status and checks credential rows', async () => {
    database = await createTestDatabase(dialect, { migrate: false });
    const provider: MigrationProvider = { getMigrations: async () => listMigrations(dialect) };
    const migrator = new Migrator({ db: database.db, provider, migrationTableName: 'keyledger_migrations', migrationLockTableName: 'keyledger_migrations_lock' });
    expect((await migrator.migrateTo('2026-11-28-0009-role-mfa-policy')).error).toBeUndefined();
    const db = database.db as unknown as Kysely<any>;
    await db.insertInto('organizations').values({ id: 'o1', slug: 'acme', name: 'Acme', settings: '{}', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' }).execute();
    await db.insertInto('users').values({ id: 'u1', email: 'ada@acme.test', name: null, status: 'active', manager_id: null, employee_number: null, department: null, title: null, created_at: 'x', updated_at: 'x', email_verified_at: 'x' }).execute();
    const account = { org_id: 'o1', description: 'd', status: 'active', updated_at: '2026-02-01T00:00:00.000Z' };
    await db.insertInto('service_accounts').values({ ...account, id: 's1', name: 'owned', owner_user_id: 'u1', created_at: '2026-01-02T00:00:00.000Z' }).execute();
    await db.insertInto('service_accounts').values({ ...account, id: 's2', name: 'ownerless', owner_user_id: null, created_at: '2026-01-03T00:00:00.000Z', status: 'disabled' }).execute();

    expect(await migrateToLatest(database.db, dialect)).toContain('2026-11-29-0010-service-account-credentials');
    expect(await database.db.selectFrom('service_accounts').select(['id', 'name', 'owner_user_id', 'status', 'created_at', 'deleted_at', 'owner_missing_since']).orderBy('id').execute()).toEqual([
      { id: 's1', name: 'owned', owner_user_id: 'u1', status: 'active', created_at: '2026-01-02T00:00:00.000Z', deleted_at: null, owner_missing_since: null },
      { id: 's2', name: 'ownerless', owner_user_id: null, status: 'disabled', created_at: '2026-01-03T00:00:00.000Z', deleted_at: null, owner_missing_since: '2026-01-03T00:00:00.000Z' },
    ]);
    await database.db.updateTable('service_accounts').set({ status: 'deleted', deleted_at: 'now' }).where('id', '=', 's2').execute();
    await expect(database.db.updateTable('service_accounts').set({ status: 'gone' as never }).where('id', '=', 's1').execute()).rejects.toThrow(/check/i);
    // The owner still refers to a user, and the account to an organization.
    await expect(database.db.insertInto('service_accounts').values({ id: 's3', org_id: 'o1', name: 'n', description: 'd', owner_user_id: 'nobody', status: 'active', created_at: 'x', updated_at: 'x', deleted_at: null, owner_missing_since: null }).execute()).rejects.toThrow(/foreign key/i);

    const credential = {
      id: 'c1', service_account_id: 's1', org_id: 'o1', kind: 'secret' as const, secret_hash: 'ab', secret_prefix: 'kl_sa_x', public_jwk: null, thumbprint: null, alg: null,
      created_at: 'x', created_by_type: 'api_key', created_by_id: 'k', expires_at: 'y', revoked_at: null, revoke_reason: null, rotated_from_id: null, replaced_by_id: null, last_used_at: null, last_used_ip: null,
    };
    await database.db.insertInto('service_account_credentials').values(credential).execute();
    // Hashes are unique; a secret row carries no key and a key row no hash; the account must exist.
    await expect(database.db.insertInto('service_account_credentials').values({ ...credential, id: 'c2' }).execute()).rejects.toThrow(/unique|duplicate/i);
    await expect(database.db.insertInto('service_account_credentials').values({ ...credential, id: 'c3', secret_hash: 'cd', public_jwk: '{}' }).execute()).rejects.toThrow(/check/i);
    await expect(database.db.insertInto('service_account_credentials').values({ ...credential, id: 'c4', kind: 'public_key', secret_hash: null, secret_prefix: null, public_jwk: '{}', thumbprint: null, alg: 'ES256' }).execute()).rejects.toThrow(/check/i);
    await expect(database.db.insertInto('service_account_credentials').values({ ...credential, id: 'c5', secret_hash: 'ef', service_account_id: 'nope' }).execute()).rejects.toThrow(/foreign key/i);
    const key = { ...credential, kind: 'public_key' as const, secret_hash: null, secret_prefix: null, public_jwk: '{}', thumbprint: 'tp', alg: 'ES256' };
    await database.db.insertInto('service_account_credentials').values({ ...key, id: 'c6' }).execute();
    await expect(database.db.insertInto('service_account_credentials').values({ ...key, id: 'c7', service_account_id: 's2' }).execute()).rejects.toThrow(/unique|duplicate/i);
  });
});
