import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Account lockout after repeated failed sign-ins. A subject is an account
 * (`user:<id>`) or, for emails with no account, `email:<keyed hash>`, so no
 * email is stored in clear here. Failures are rows with their time (a
 * sliding window over the injected clock); each lock is a row, kept as
 * history; unlock tokens are stored as SHA-256 only. On PostgreSQL,
 * `rate_limits` holds rate-limiter-flexible's shared counters (its own layout).
 */
export function lockoutsMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('lockout_subjects')
        .addColumn('subject', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('last_failure_at', 'text', (c) => c.notNull())
        .execute();
      // Pruning subjects whose failures have all left the window.
      await db.schema.createIndex('lockout_subjects_last_failure_idx').on('lockout_subjects').column('last_failure_at').execute();

      await db.schema
        .createTable('login_failures')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('failed_at', 'text', (c) => c.notNull())
        .execute();
      // Counting a subject's failures in the window on every failed attempt; pruning by age.
      await db.schema.createIndex('login_failures_subject_idx').on('login_failures').columns(['subject', 'failed_at']).execute();
      await db.schema.createIndex('login_failures_failed_at_idx').on('login_failures').column('failed_at').execute();

      await db.schema
        .createTable('account_lockouts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('locked_at', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text', (c) => c.notNull())
        .addColumn('unlock_token_hash', 'text')
        .addColumn('unlocked_at', 'text')
        .addColumn('unlock_method', 'text', (c) => c.check(sql`unlock_method in ('admin', 'email')`))
        .addColumn('unlocked_by_type', 'text')
        .addColumn('unlocked_by_id', 'text')
        .execute();
      // "Is this subject locked?" on every sign-in attempt.
      await db.schema.createIndex('account_lockouts_subject_idx').on('account_lockouts').columns(['subject', 'locked_until']).execute();
      // A user's lock history, and the list of accounts locked now.
      await db.schema.createIndex('account_lockouts_user_idx').on('account_lockouts').columns(['user_id', 'id']).execute();
      await db.schema.createIndex('account_lockouts_locked_until_idx').on('account_lockouts').column('locked_until').execute();
      // Unlock-link lookup; unique so one token can never open two locks.
      await db.schema.createIndex('account_lockouts_token_unique').on('account_lockouts').column('unlock_token_hash').unique().execute();

      if (dialect === 'postgres') {
        // rate-limiter-flexible's RateLimiterPostgres layout, created here so no node creates tables at run time.
        await sql`create table rate_limits (key varchar(255) primary key, points integer not null default 0, expire bigint)`.execute(db);
      }
    },
  };
}
