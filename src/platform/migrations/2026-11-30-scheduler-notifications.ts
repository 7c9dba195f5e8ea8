import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The leased scheduler (src/platform/scheduler.ts) and governance notifications (src/notify):
 * - `scheduler_leases`: which node runs periodic jobs, until when, under which fencing token;
 * - `scheduler_jobs`: each job's newest run (so a due job runs once per interval across nodes) and its error;
 * - `notification_webhooks`: per-organization webhooks; the signing secret is an encrypted envelope;
 * - `notification_outbox`: one row per email or webhook delivery, written in the notifying command's
 *   transaction and sent afterwards, with attempts, backoff and a short error string.
 */
export function schedulerNotificationsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('scheduler_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('fencing_token', 'integer', (c) => c.notNull())
        .addColumn('acquired_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('scheduler_jobs')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('last_run_at', 'text')
        .addColumn('last_fencing_token', 'integer')
        .addColumn('last_holder', 'text')
        .addColumn('last_finished_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_result', 'integer')
        .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('notification_webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'deleted')`))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('secret_prefix', 'text', (c) => c.notNull())
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema.createIndex('notification_webhooks_org_idx').on('notification_webhooks').columns(['org_id', 'status', 'id']).execute();

      await db.schema
        .createTable('notification_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('notification_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email', 'webhook')`))
        .addColumn('webhook_id', 'text', (c) => c.references('notification_webhooks.id'))
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('to_address', 'text')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sending', 'delivered', 'failed')`))
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('claim_token', 'text')
        .addColumn('claimed_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_status_code', 'integer')
        .addColumn('delivered_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('notification_outbox_due_idx').on('notification_outbox').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('notification_outbox_webhook_idx').on('notification_outbox').columns(['webhook_id', 'id']).execute();
    },
  };
}
