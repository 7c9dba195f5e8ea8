import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Authentication factors and login challenges. No secret is stored in clear:
 * passwords as argon2id PHC strings, TOTP secrets envelope-encrypted under the
 * master key, recovery codes as keyed HMACs, challenge tokens as SHA-256.
 * Times are RFC 3339 text like every other table.
 */
export function authnMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('password_credentials')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('totp_factors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'active', 'removed')`))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('digits', 'integer', (c) => c.notNull())
        .addColumn('period', 'integer', (c) => c.notNull())
        .addColumn('last_used_step', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('activated_at', 'text')
        .addColumn('removed_at', 'text')
        .execute();
      // "Factors of a user" on every login and on the account page.
      await db.schema.createIndex('totp_factors_user_idx').on('totp_factors').columns(['user_id', 'status']).execute();

      await db.schema
        .createTable('recovery_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('batch_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      // Lookup by submitted code; unique so one code can never count twice.
      await db.schema.createIndex('recovery_codes_code_hash_unique').on('recovery_codes').column('code_hash').unique().execute();
      await db.schema.createIndex('recovery_codes_user_idx').on('recovery_codes').columns(['user_id', 'used_at']).execute();

      await db.schema
        .createTable('login_challenges')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('org_id', 'text', (c) => c.references('organizations.id'))
        .addColumn('methods_done', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Token lookup on every second-factor attempt; unique so two challenges never share a token.
      await db.schema.createIndex('login_challenges_token_hash_unique').on('login_challenges').column('token_hash').unique().execute();
    },
  };
}
