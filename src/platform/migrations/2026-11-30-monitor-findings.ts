import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Control-drift findings (src/monitor/findings):
 * - `monitor_findings`: each finding's lifecycle (open, acknowledged, resolved, closed); the unique
 *   `open_key` (organization, type, subject while not closed, null once closed) keeps one live row per condition;
 * - `monitor_cursors`: how far a ledger consumer has read (the findings-on-change cursor).
 */
export function monitorFindingsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('monitor_findings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.references('organizations.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject_type', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('subject_display', 'text')
        .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('low', 'medium', 'high')`))
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('event_ids', 'text', (c) => c.notNull())
        .addColumn('historical', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'acknowledged', 'resolved', 'closed')`))
        .addColumn('open_key', 'text')
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('acknowledged_at', 'text')
        .addColumn('acknowledged_by_type', 'text')
        .addColumn('acknowledged_by_id', 'text')
        .addColumn('acknowledgement_note', 'text')
        .addColumn('resolution', 'text', (c) => c.check(sql`resolution in ('fixed', 'risk_accepted', 'false_positive')`))
        .addColumn('resolution_note', 'text')
        .addColumn('accepted_until', 'text')
        .addColumn('resolved_at', 'text')
        .addColumn('resolved_by_type', 'text')
        .addColumn('resolved_by_id', 'text')
        .addColumn('reopen_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reopened_at', 'text')
        .addColumn('closed_at', 'text')
        .addColumn('close_reason', 'text')
        .addCheckConstraint('monitor_findings_open_key_check', sql`(status = 'closed') = (open_key is null)`)
        .execute();
      await db.schema.createIndex('monitor_findings_open_key_idx').on('monitor_findings').column('open_key').unique().execute();
      await db.schema.createIndex('monitor_findings_org_idx').on('monitor_findings').columns(['org_id', 'status', 'id']).execute();
      await db.schema.createIndex('monitor_findings_status_idx').on('monitor_findings').columns(['status', 'id']).execute();

      await db.schema
        .createTable('monitor_cursors')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('monitor_cursors').execute();
      await db.schema.dropTable('monitor_findings').execute();
    },
  };
}
