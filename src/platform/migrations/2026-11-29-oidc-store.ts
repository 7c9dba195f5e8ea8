import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * What the OpenID Connect provider keeps between requests: authorization
 * codes, access and refresh tokens, grants, provider sessions and
 * interactions (one row per artifact, with the columns revocation looks up
 * by, indexed only where set: a token row touches few indexes), and the provider's token-signing keys (private halves encrypted under
 * the master key) with their rotation schedule.
 */
export function oidcStoreMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('oidc_payloads')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('uid', 'text')
        .addColumn('account_id', 'text')
        .addColumn('client_id', 'text')
        .addColumn('credential_id', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id'])
        .execute();
      await db.schema.createIndex('oidc_payloads_grant_idx').on('oidc_payloads').column('grant_id').where(sql.ref('grant_id'), 'is not', null).execute();
      await db.schema.createIndex('oidc_payloads_uid_idx').on('oidc_payloads').column('uid').where(sql.ref('uid'), 'is not', null).execute();
      await db.schema.createIndex('oidc_payloads_account_idx').on('oidc_payloads').column('account_id').where(sql.ref('account_id'), 'is not', null).execute();
      await db.schema.createIndex('oidc_payloads_client_idx').on('oidc_payloads').column('client_id').where(sql.ref('client_id'), 'is not', null).execute();
      await db.schema.createIndex('oidc_payloads_credential_idx').on('oidc_payloads').column('credential_id').where(sql.ref('credential_id'), 'is not', null).execute();
      await db.schema.createIndex('oidc_payloads_expiry_idx').on('oidc_payloads').column('expires_at').execute();

      await db.schema
        .createTable('oidc_signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('activates_at', 'text', (c) => c.notNull())
        .addColumn('retires_at', 'text', (c) => c.notNull())
        .addColumn('removes_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('oidc_signing_keys_removes_idx').on('oidc_signing_keys').column('removes_at').execute();
    },
  };
}
