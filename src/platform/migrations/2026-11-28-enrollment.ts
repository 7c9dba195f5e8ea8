import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Invitations, emailed one-time links (email verification, password reset)
 * and the users' email verification time. Link tokens are stored only as
 * their SHA-256, like every other token.
 */
export function enrollmentMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('email_verified_at', 'text').execute();
      // Every user so far was created by an administrator (API or CLI), whose word counts as verification:
      // leaving them unverified would lock them out of password sign-in after the upgrade.
      await db.updateTable('users').set({ email_verified_at: sql`created_at` }).execute();

      await db.schema
        .createTable('invitations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('invited_by_type', 'text', (c) => c.notNull())
        .addColumn('invited_by_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('accepted_at', 'text')
        .addColumn('accepted_user_id', 'text', (c) => c.references('users.id'))
        .addColumn('revoked_at', 'text')
        .execute();
      // Token lookup on the sign-up page; unique so two invitations never share a link.
      await db.schema.createIndex('invitations_token_hash_unique').on('invitations').column('token_hash').unique().execute();
      // "Pending invitations for this email in this organization" when inviting again.
      await db.schema.createIndex('invitations_org_email_idx').on('invitations').columns(['org_id', 'email']).execute();

      await db.schema
        .createTable('email_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('email_verification', 'password_reset')`))
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('email_tokens_token_hash_unique').on('email_tokens').column('token_hash').unique().execute();
      // "Spend every open link of this purpose" when one is used.
      await db.schema.createIndex('email_tokens_user_idx').on('email_tokens').columns(['user_id', 'purpose', 'used_at']).execute();
    },
  };
}
