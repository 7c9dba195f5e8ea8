import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Browser sessions. The opaque token is never stored, only its SHA-256
 * (`token_hash`); ended sessions stay as rows, for history. Times are RFC 3339
 * text like every other table; `amr` is a JSON text array.
 */
export function sessionsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('org_id', 'text', (c) => c.references('organizations.id'))
        .addColumn('amr', 'text', (c) => c.notNull())
        .addColumn('acr', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('idle_timeout_seconds', 'integer', (c) => c.notNull().check(sql`idle_timeout_seconds > 0`))
        .addColumn('idle_expires_at', 'text', (c) => c.notNull())
        .addColumn('absolute_expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoke_reason', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('step_up_at', 'text')
        .execute();
      // Token lookup on every request; unique so two sessions can never share a token.
      await db.schema.createIndex('sessions_token_hash_unique').on('sessions').column('token_hash').unique().execute();
      // "Sessions of a user" (account page, revoke-all on deprovisioning).
      await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['user_id', 'id']).execute();
    },
  };
}
