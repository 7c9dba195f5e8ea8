import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * `sso_test_links`: one-time, short-lived links an administrator opens to run
 * a "test connection" sign-in of an SSO connection from the admin console.
 * Only the SHA-256 of the link's token is kept; `used_at` is set the first
 * (and only) time it is opened.
 */
export function ssoTestLinksMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sso_test_links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('sso_test_links_hash_unique').on('sso_test_links').column('token_hash').unique().execute();
      await db.schema.createIndex('sso_test_links_connection_idx').on('sso_test_links').column('connection_id').execute();
    },
  };
}
