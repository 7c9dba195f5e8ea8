import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Access review campaigns (src/access/reviews):
 * - `access_review_campaigns`: one review, scheduled (every few months), ad hoc, or
 *   a mover review (one user's access after a change of department, title or
 *   manager); `schedule_slot` is unique per organization so two schedulers running
 *   at once open one scheduled campaign, not two; `overdue_at` is claimed once;
 * - `access_review_items`: one active role assignment as it was when the campaign
 *   opened, its reviewer and the decision (keep | revoke), who decided and when,
 *   and when a revoke took effect;
 * - `access_review_signoffs`: each reviewer's sign-off of a campaign;
 * - `access_review_reminders`: when a reviewer was last reminded in an organization (at most daily).
 */
export function accessReviewsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('access_review_campaigns')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('scheduled', 'ad_hoc', 'mover')`))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'closed', 'cancelled')`))
        .addColumn('owner_id', 'text', (c) => c.references('users.id'))
        .addColumn('apply_mode', 'text', (c) => c.notNull().check(sql`apply_mode in ('on_close', 'on_decision')`))
        .addColumn('subject_user_id', 'text', (c) => c.references('users.id'))
        .addColumn('schedule_slot', 'text')
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('due_at', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .addColumn('owner_signed_off_at', 'text')
        .addColumn('overdue_at', 'text')
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('access_review_campaigns_org_idx').on('access_review_campaigns').columns(['org_id', 'status', 'due_at']).execute();
      await db.schema.createIndex('access_review_campaigns_slot_unique').on('access_review_campaigns').columns(['org_id', 'schedule_slot']).unique().execute();

      await db.schema
        .createTable('access_review_items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('campaign_id', 'text', (c) => c.notNull().references('access_review_campaigns.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('assignment_id', 'text', (c) => c.notNull().references('role_assignments.id'))
        .addColumn('principal_type', 'text', (c) => c.notNull().check(sql`principal_type in ('user', 'service_account')`))
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id'))
        .addColumn('privileged', 'integer', (c) => c.notNull())
        .addColumn('reviewer_id', 'text', (c) => c.references('users.id'))
        .addColumn('delegated_from', 'text', (c) => c.references('users.id'))
        .addColumn('decision', 'text', (c) => c.check(sql`decision is null or decision in ('keep', 'revoke')`))
        .addColumn('comment', 'text')
        .addColumn('decided_by', 'text', (c) => c.references('users.id'))
        .addColumn('decided_at', 'text')
        .addColumn('applied_at', 'text')
        .execute();
      await db.schema.createIndex('access_review_items_campaign_idx').on('access_review_items').columns(['campaign_id', 'privileged', 'id']).execute();
      await db.schema.createIndex('access_review_items_reviewer_idx').on('access_review_items').columns(['reviewer_id', 'decision']).execute();

      await db.schema
        .createTable('access_review_signoffs')
        .addColumn('campaign_id', 'text', (c) => c.notNull().references('access_review_campaigns.id'))
        .addColumn('reviewer_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('signed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('access_review_signoffs_pk', ['campaign_id', 'reviewer_id'])
        .execute();

      await db.schema
        .createTable('access_review_reminders')
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('reviewer_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('last_sent_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('access_review_reminders_pk', ['org_id', 'reviewer_id'])
        .execute();
    },
  };
}
