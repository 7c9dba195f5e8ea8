import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * SIEM streaming (src/stream): `siem_destinations` holds each destination's
 * settings (secrets as encrypted envelopes), its cursor in the ledger, the
 * per-destination delivery lease (owner, until, fencing token) and its health.
 */
export function siemDestinationsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('siem_destinations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('webhook', 'splunk_hec', 'syslog_tls', 'jsonl_file')`))
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('filter', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'paused')`))
        .addColumn('secret', 'text')
        .addColumn('secret_prefix', 'text')
        .addColumn('cursor_seq', 'bigint', (c) => c.notNull())
        .addColumn('checkpoint_size', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('lease_token', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_delivered_at', 'text')
        .addColumn('last_delivered_seq', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'text')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text')
        .addColumn('failing', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('siem_destinations_org_idx').on('siem_destinations').columns(['org_id', 'id']).execute();
    },
  };
}
