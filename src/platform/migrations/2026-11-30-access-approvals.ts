import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Access requests decided by approvers before access is granted:
 * - `access_requests` gains `kind` (grant, eligibility, activation), `duration_minutes`
 *   (how long the resulting grant lasts; null: it does not expire), `approvals_required`
 *   (the role's policy when filed), `expires_at` (the decision deadline), and the result
 *   (`assignment_id`, `eligibility_id`; an activation request names its eligibility up front);
 * - `access_request_decisions`: one approval or denial per approver and request;
 * - `role_assignments.request_id`: the request whose approval granted the assignment.
 */
export function accessApprovalsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('access_requests')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('grant').check(sql`kind in ('grant', 'eligibility', 'activation')`))
        .execute();
      await db.schema.alterTable('access_requests').addColumn('duration_minutes', 'integer', (c) => c.check(sql`duration_minutes is null or duration_minutes > 0`)).execute();
      await db.schema.alterTable('access_requests').addColumn('approvals_required', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('access_requests').addColumn('expires_at', 'text').execute();
      await db.schema.alterTable('access_requests').addColumn('assignment_id', 'text').execute();
      await db.schema.alterTable('access_requests').addColumn('eligibility_id', 'text').execute();
      await db.schema.createIndex('access_requests_status_expires_idx').on('access_requests').columns(['status', 'expires_at']).execute();
      await db.schema
        .createTable('access_request_decisions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('request_id', 'text', (c) => c.notNull().references('access_requests.id'))
        .addColumn('approver_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('decision', 'text', (c) => c.notNull().check(sql`decision in ('approve', 'deny')`))
        .addColumn('comment', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('access_request_decisions_request_approver_uq', ['request_id', 'approver_id'])
        .execute();
      await db.schema.createIndex('access_request_decisions_approver_idx').on('access_request_decisions').column('approver_id').execute();
      await db.schema.alterTable('role_assignments').addColumn('request_id', 'text').execute();
      await db.schema.createIndex('role_assignments_request_idx').on('role_assignments').column('request_id').execute();
    },
  };
}
