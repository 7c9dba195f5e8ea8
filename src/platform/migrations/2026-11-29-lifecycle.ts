import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Joiner/mover/leaver (src/lifecycle) and pending access requests (src/access):
 * - `leavers`: one row per deprovisioning, with when the HR system or IdP said
 *   the person left (`terminated_at`), when Keyledger removed their access
 *   (`access_removed_at`), the elapsed seconds and the SLA verdict of the
 *   organization at that moment (the auditor's sample);
 * - `hr_sources`: per-organization HR webhooks; the signing secret is an
 *   encrypted envelope (it must be usable for HMAC), never a hash;
 * - `hr_events`: every event id accepted per source, unique, so a replay is refused;
 * - `scheduled_terminations`: future-dated terminations the ticker carries out;
 * - `access_requests`: requests for a role, pending until decided or cancelled
 *   (one pending request per principal and role).
 */
export function lifecycleMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('leavers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.references('organizations.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('employee_number', 'text')
        .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('scim', 'hr', 'admin')`))
        .addColumn('source_ref', 'text')
        .addColumn('reason', 'text')
        .addColumn('terminated_at', 'text', (c) => c.notNull())
        .addColumn('access_removed_at', 'text', (c) => c.notNull())
        .addColumn('elapsed_seconds', 'integer', (c) => c.notNull())
        .addColumn('sla_hours', 'integer', (c) => c.notNull())
        .addColumn('within_sla', 'integer', (c) => c.notNull())
        .addColumn('reactivated_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('leavers_org_terminated_idx').on('leavers').columns(['org_id', 'terminated_at']).execute();
      await db.schema.createIndex('leavers_user_idx').on('leavers').columns(['user_id', 'id']).execute();

      await db.schema
        .createTable('hr_sources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'deleted')`))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('secret_prefix', 'text', (c) => c.notNull())
        .addColumn('previous_secret', 'text')
        .addColumn('previous_secret_expires_at', 'text')
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addColumn('last_event_at', 'text')
        .execute();
      await db.schema.createIndex('hr_sources_org_idx').on('hr_sources').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('hr_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('source_id', 'text', (c) => c.notNull().references('hr_sources.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('employee_id', 'text', (c) => c.notNull())
        .addColumn('effective_at', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('hr_events_source_event_unique').on('hr_events').columns(['source_id', 'event_id']).unique().execute();

      await db.schema
        .createTable('scheduled_terminations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('hr_source_id', 'text', (c) => c.notNull().references('hr_sources.id'))
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('terminated_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'done', 'cancelled')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .execute();
      await db.schema.createIndex('scheduled_terminations_due_idx').on('scheduled_terminations').columns(['status', 'terminated_at']).execute();
      await db.schema.createIndex('scheduled_terminations_user_idx').on('scheduled_terminations').columns(['user_id', 'status']).execute();

      await db.schema
        .createTable('access_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id'))
        .addColumn('principal_type', 'text', (c) => c.notNull().check(sql`principal_type in ('user', 'service_account')`))
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('requested_by_type', 'text', (c) => c.notNull())
        .addColumn('requested_by_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('source_ref', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'approved', 'denied', 'cancelled', 'expired')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('decision_reason', 'text')
        .execute();
      // One pending request per principal and role: a second ask returns the first (the command checks; this is the backstop).
      await sql`create unique index access_requests_pending_unique on access_requests (org_id, role_id, principal_type, principal_id) where status = 'pending'`.execute(db);
      await db.schema.createIndex('access_requests_principal_idx').on('access_requests').columns(['principal_type', 'principal_id', 'status']).execute();
      await db.schema.createIndex('access_requests_org_idx').on('access_requests').columns(['org_id', 'id']).execute();
    },
  };
}
