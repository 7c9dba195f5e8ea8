import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Just-in-time elevation:
 * - `role_eligibilities`: who may activate which role (a user), granted by whom, on what approval,
 *   until when; ended (revoked, expired, the user left) with `ended_at` / `end_reason`;
 * - `role_assignments.kind`: `standing` (granted outright, the default for every existing row) or
 *   `activation` (started by the eligible user for a bounded time), with the `eligibility_id` it
 *   came from and the user's `justification`.
 */
export function elevationMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('role_eligibilities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id'))
        .addColumn('principal_type', 'text', (c) => c.notNull().check(sql`principal_type in ('user')`))
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('granted_by_type', 'text', (c) => c.notNull())
        .addColumn('granted_by_id', 'text', (c) => c.notNull())
        .addColumn('approval_ref', 'text')
        .addColumn('reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('end_reason', 'text')
        .execute();
      await db.schema.createIndex('role_eligibilities_org_idx').on('role_eligibilities').columns(['org_id', 'id']).execute();
      await db.schema.createIndex('role_eligibilities_principal_idx').on('role_eligibilities').columns(['principal_id', 'role_id']).execute();
      await db.schema.createIndex('role_eligibilities_open_expiry_idx').on('role_eligibilities').columns(['ended_at', 'expires_at']).execute();

      await db.schema
        .alterTable('role_assignments')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('standing').check(sql`kind in ('standing', 'activation')`))
        .execute();
      await db.schema.alterTable('role_assignments').addColumn('eligibility_id', 'text').execute();
      await db.schema.alterTable('role_assignments').addColumn('justification', 'text').execute();
      await db.schema.createIndex('role_assignments_eligibility_idx').on('role_assignments').column('eligibility_id').execute();
      await db.schema.createIndex('role_assignments_open_expiry_idx').on('role_assignments').columns(['ended_at', 'expires_at']).execute();
    },
  };
}
