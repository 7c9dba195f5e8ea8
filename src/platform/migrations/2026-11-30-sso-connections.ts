import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Enterprise SSO per organization (`src/sso`):
 * - `sso_connections`: a SAML 2.0 or OIDC connection to the organization's own
 *   identity provider; protocol settings as JSON, the one secret it holds (the
 *   SAML SP private key or the OIDC client secret) envelope-encrypted;
 * - `sso_domains`: the email domains that route to the organization, with how
 *   each was verified (DNS TXT record or an administrator's attestation);
 * - `sso_group_role_mappings`: IdP group → role rules for just-in-time access;
 * - `sso_login_states`: sign-ins started and not yet completed (only the state's
 *   SHA-256 is kept), consumed once; `sso_replays`: the assertion and ID-token
 *   ids already accepted, kept until they expire;
 * - `sso_identities`: the IdP subject each account is linked to per connection;
 * - `sso_setup_links`: setup links for a customer's administrator, each with
 *   the id its connection takes (so the SP addresses can be shown before it exists);
 * - `sso_connection_tests`: what the last "test connection" sign-ins received.
 */
export function ssoConnectionsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sso_connections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('saml', 'oidc')`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'disabled')`))
        .addColumn('allow_idp_initiated', 'integer', (c) => c.notNull())
        .addColumn('jit_provisioning', 'integer', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('secret', 'text')
        .addColumn('sp_certificate', 'text')
        .addColumn('attribute_mapping', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('last_login_at', 'text')
        .execute();
      await db.schema.createIndex('sso_connections_org_idx').on('sso_connections').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('sso_domains')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('verification_token', 'text', (c) => c.notNull())
        .addColumn('verified_at', 'text')
        .addColumn('verified_via', 'text', (c) => c.check(sql`verified_via in ('dns', 'attestation')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sso_domains_domain_unique').on('sso_domains').column('domain').unique().execute();
      await db.schema.createIndex('sso_domains_org_idx').on('sso_domains').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('sso_group_role_mappings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('group_value', 'text', (c) => c.notNull())
        .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sso_group_role_mappings_unique').on('sso_group_role_mappings').columns(['connection_id', 'group_value', 'role_id']).unique().execute();

      await db.schema
        .createTable('sso_login_states')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('state_hash', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('login', 'test')`))
        .addColumn('request_id', 'text')
        .addColumn('return_to', 'text', (c) => c.notNull())
        .addColumn('setup_link_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('consumed_at', 'text')
        .execute();
      await db.schema.createIndex('sso_login_states_hash_unique').on('sso_login_states').column('state_hash').unique().execute();
      await db.schema.createIndex('sso_login_states_request_idx').on('sso_login_states').columns(['connection_id', 'request_id']).execute();
      await db.schema.createIndex('sso_login_states_expiry_idx').on('sso_login_states').column('expires_at').execute();

      await db.schema
        .createTable('sso_replays')
        .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id'))
        .addColumn('token_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sso_replays_pk', ['connection_id', 'token_id'])
        .execute();
      await db.schema.createIndex('sso_replays_expiry_idx').on('sso_replays').column('expires_at').execute();

      await db.schema
        .createTable('sso_identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_login_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sso_identities_subject_unique').on('sso_identities').columns(['connection_id', 'subject']).unique().execute();
      await db.schema.createIndex('sso_identities_user_idx').on('sso_identities').column('user_id').execute();

      await db.schema
        .createTable('sso_setup_links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('sso_setup_links_hash_unique').on('sso_setup_links').column('token_hash').unique().execute();
      await db.schema.createIndex('sso_setup_links_org_idx').on('sso_setup_links').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('sso_connection_tests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('succeeded', 'failed')`))
        .addColumn('subject', 'text')
        .addColumn('email', 'text')
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sso_connection_tests_connection_idx').on('sso_connection_tests').columns(['connection_id', 'created_at']).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['sso_connection_tests', 'sso_setup_links', 'sso_identities', 'sso_replays', 'sso_login_states', 'sso_group_role_mappings', 'sso_domains', 'sso_connections']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
