import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * OIDC applications: the OAuth 2.0 clients an organization registers for its
 * own apps. A confidential web app authenticates with a client secret (stored
 * only as its SHA-256, with the previous one during a rotation overlap) or
 * with private_key_jwt against its public `jwks`; SPAs and native apps are
 * public clients (PKCE, no secret). Lists (redirect URIs, grant types, scopes)
 * and the JWKS are JSON text. The checks are the backstop behind the service's
 * validation: a public client can never hold a secret, a web app always
 * authenticates, lifetimes stay within their bounds.
 */
export function oidcApplicationsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('oidc_applications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('web', 'spa', 'native')`))
        .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull().check(sql`token_endpoint_auth_method in ('client_secret_basic', 'private_key_jwt', 'none')`))
        .addColumn('jwks', 'text')
        .addColumn('secret_hash', 'text')
        .addColumn('secret_prefix', 'text')
        .addColumn('previous_secret_hash', 'text')
        .addColumn('previous_secret_expires_at', 'text')
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
        .addColumn('grant_types', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('access_token_ttl_seconds', 'integer', (c) => c.notNull().check(sql`access_token_ttl_seconds between 60 and 3600`))
        .addColumn('refresh_token_ttl_seconds', 'integer', (c) => c.notNull().check(sql`refresh_token_ttl_seconds between 3600 and 7776000`))
        .addColumn('id_token_ttl_seconds', 'integer', (c) => c.notNull().check(sql`id_token_ttl_seconds between 60 and 3600`))
        .addColumn('required_acr', 'text', (c) => c.check(sql`required_acr in ('mfa', 'phishing_resistant')`))
        .addColumn('first_party', 'integer', (c) => c.notNull().check(sql`first_party in (0, 1)`))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'disabled')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        // Confidential web apps authenticate; public clients (spa, native) use none.
        .addCheckConstraint(
          'oidc_applications_auth_method_check',
          sql`(type = 'web' and token_endpoint_auth_method in ('client_secret_basic', 'private_key_jwt')) or (type in ('spa', 'native') and token_endpoint_auth_method = 'none')`,
        )
        // Only client_secret_basic has a secret, and it always has one.
        .addCheckConstraint(
          'oidc_applications_secret_check',
          sql`(token_endpoint_auth_method = 'client_secret_basic' and secret_hash is not null and secret_prefix is not null) or (token_endpoint_auth_method <> 'client_secret_basic' and secret_hash is null and secret_prefix is null and previous_secret_hash is null)`,
        )
        // Only private_key_jwt has keys, and it always has them.
        .addCheckConstraint('oidc_applications_jwks_check', sql`(token_endpoint_auth_method = 'private_key_jwt') = (jwks is not null)`)
        .execute();
      // findClient runs on every token request: one lookup by client_id; unique so a client id names one application.
      await db.schema.createIndex('oidc_applications_client_id_unique').on('oidc_applications').column('client_id').unique().execute();
      // The applications of an organization, paged by id.
      await db.schema.createIndex('oidc_applications_org_idx').on('oidc_applications').columns(['org_id', 'id']).execute();
    },
  };
}
