import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Passkeys (WebAuthn credentials) and the challenges of WebAuthn ceremonies.
 * A passkey stores only its public key (the COSE key, base64url); removed
 * passkeys stay as rows for history. `user_handle` is the random WebAuthn
 * user.id the authenticator keeps with the credential (never the email), the
 * same for every passkey of a user. `sign_count` is bigint because the
 * authenticator's counter is an unsigned 32-bit number, past PostgreSQL's integer.
 */
export function passkeysMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('passkey_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('user_handle', 'text', (c) => c.notNull())
        .addColumn('sign_count', 'bigint', (c) => c.notNull().check(sql`sign_count >= 0`))
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('aaguid', 'text', (c) => c.notNull())
        .addColumn('device_type', 'text', (c) => c.notNull().check(sql`device_type in ('singleDevice', 'multiDevice')`))
        .addColumn('backed_up', 'integer', (c) => c.notNull().check(sql`backed_up in (0, 1)`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('removed_at', 'text')
        .execute();
      // Lookup by the id the authenticator presents; unique so one credential can never belong to two accounts.
      await db.schema.createIndex('passkey_credentials_credential_id_unique').on('passkey_credentials').column('credential_id').unique().execute();
      // "Passkeys of a user" on the account page and in excludeCredentials.
      await db.schema.createIndex('passkey_credentials_user_idx').on('passkey_credentials').columns(['user_id', 'removed_at']).execute();

      await db.schema
        .createTable('webauthn_challenges')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('challenge', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('registration', 'authentication', 'step_up', 'second_factor')`))
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('user_handle', 'text')
        .addColumn('session_id', 'text', (c) => c.references('sessions.id'))
        .addColumn('login_challenge_id', 'text', (c) => c.references('login_challenges.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      // Purging expired challenges on issue.
      await db.schema.createIndex('webauthn_challenges_expires_idx').on('webauthn_challenges').column('expires_at').execute();
    },
  };
}
