import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Evidence exports run as jobs: a request row (window, sampling, progress,
 * result) claimed by one node at a time under a lease, and the finished
 * package kept in the database so every node can serve the download.
 */
export function evidenceExportsMigration(dialect: Dialect): Migration {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('evidence_exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('window_from', 'text', (c) => c.notNull())
        .addColumn('window_to', 'text', (c) => c.notNull())
        .addColumn('seed', 'text')
        .addColumn('samples', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('progress_done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('progress_total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('package_sha256', 'text')
        .addColumn('package_bytes', 'integer')
        .addColumn('manifest_sha256', 'text')
        .addColumn('checkpoint_size', 'integer')
        .addColumn('summary', 'text')
        .execute();
      await db.schema.createIndex('evidence_exports_org_idx').on('evidence_exports').columns(['org_id', 'requested_at']).execute();
      await db.schema.createIndex('evidence_exports_status_idx').on('evidence_exports').columns(['status', 'requested_at']).execute();
      await db.schema
        .createTable('evidence_export_packages')
        .addColumn('export_id', 'text', (c) => c.primaryKey().references('evidence_exports.id'))
        .addColumn('content', bytes, (c) => c.notNull())
        .execute();
    },
  };
}
