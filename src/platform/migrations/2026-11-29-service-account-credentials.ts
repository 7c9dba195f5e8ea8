import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Service accounts as principals with credentials of their own:
 * - `service_accounts.status` may be `deleted` (the row stays for the audit
 *   trail, with `deleted_at`); `owner_missing_since` records when an account
 *   lost its owner (a finding until someone is assigned). Accounts that have
 *   no owner already count as ownerless since their creation.
 * - `service_account_credentials`: client secrets (SHA-256 only) and public
 *   keys (a public JWK for private_key_jwt), each bound to one account.
 *
 * SQLite cannot change a column's check, so there the table is rebuilt
 * (nothing references service_accounts by foreign key).
 */
export function serviceAccountCredentialsMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect === 'postgres') {
        await sql`alter table service_accounts drop constraint if exists service_accounts_status_check`.execute(db);
        await sql`alter table service_accounts add constraint service_accounts_status_check check (status in ('active', 'disabled', 'deleted'))`.execute(db);
        await db.schema.alterTable('service_accounts').addColumn('deleted_at', 'text').execute();
        await db.schema.alterTable('service_accounts').addColumn('owner_missing_since', 'text').execute();
      } else {
        await db.schema
          .createTable('service_accounts_rebuilt')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('owner_user_id', 'text', (c) => c.references('users.id'))
          .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'disabled', 'deleted')`))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('deleted_at', 'text')
          .addColumn('owner_missing_since', 'text')
          .execute();
        await sql`insert into service_accounts_rebuilt (id, org_id, name, description, owner_user_id, status, created_at, updated_at)
                  select id, org_id, name, description, owner_user_id, status, created_at, updated_at from service_accounts`.execute(db);
        await db.schema.dropTable('service_accounts').execute();
        await sql`alter table service_accounts_rebuilt rename to service_accounts`.execute(db);
        await db.schema.createIndex('service_accounts_org_idx').on('service_accounts').columns(['org_id', 'id']).execute();
      }
      await db.updateTable('service_accounts').set({ owner_missing_since: sql`created_at` }).where('owner_user_id', 'is', null).execute();
      // "Accounts this user owns", when the user leaves an organization or is deactivated.
      await db.schema.createIndex('service_accounts_owner_idx').on('service_accounts').column('owner_user_id').execute();

      await db.schema
        .createTable('service_account_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_account_id', 'text', (c) => c.notNull().references('service_accounts.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('secret', 'public_key')`))
        .addColumn('secret_hash', 'text')
        .addColumn('secret_prefix', 'text')
        .addColumn('public_jwk', 'text')
        .addColumn('thumbprint', 'text')
        .addColumn('alg', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoke_reason', 'text')
        .addColumn('rotated_from_id', 'text')
        .addColumn('replaced_by_id', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('last_used_ip', 'text')
        // A secret has its hash and prefix and no key; a key has its JWK, thumbprint and alg and no hash.
        .addCheckConstraint(
          'service_account_credentials_kind_fields',
          sql`(kind = 'secret' and secret_hash is not null and secret_prefix is not null and public_jwk is null and thumbprint is null)
              or (kind = 'public_key' and secret_hash is null and public_jwk is not null and thumbprint is not null and alg is not null)`,
        )
        .execute();
      // verifySecret looks a secret up by its hash alone; unique, so no two credentials share one.
      await db.schema.createIndex('sa_credentials_secret_hash_unique').on('service_account_credentials').column('secret_hash').unique().execute();
      // A key belongs to one account, once: no shared credentials.
      await db.schema.createIndex('sa_credentials_thumbprint_unique').on('service_account_credentials').column('thumbprint').unique().execute();
      // findClient and the active-credential count read an account's credentials.
      await db.schema.createIndex('sa_credentials_account_idx').on('service_account_credentials').columns(['service_account_id', 'revoked_at']).execute();
      await db.schema.createIndex('sa_credentials_org_idx').on('service_account_credentials').columns(['org_id', 'service_account_id']).execute();
    },
  };
}
