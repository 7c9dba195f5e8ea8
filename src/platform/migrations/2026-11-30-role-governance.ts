import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The governance half of a role definition:
 * - `owner_id`: the user who owns the role (approves requests for it, reviews its holders);
 * - `approvers`: JSON list of who may approve a request for it (`manager`, `owner`, `named`),
 *   `named_approvers` the JSON list of named approver user ids, `approvals_required` how many
 *   distinct approvals a request needs (null: two for a privileged role, one otherwise);
 * - `max_activation_minutes`, `activation_requires_approval`: just-in-time elevation limits;
 * - `allow_standing`: a privileged role whose standing (non-JIT) assignments are accepted
 *   rather than reported as findings.
 */
export function roleGovernanceMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('roles').addColumn('owner_id', 'text').execute();
      await db.schema.alterTable('roles').addColumn('approvers', 'text', (c) => c.notNull().defaultTo('["manager","owner","named"]')).execute();
      await db.schema.alterTable('roles').addColumn('named_approvers', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema
        .alterTable('roles')
        .addColumn('approvals_required', 'integer', (c) => c.check(sql`approvals_required is null or (approvals_required between 1 and 5)`))
        .execute();
      await db.schema
        .alterTable('roles')
        .addColumn('max_activation_minutes', 'integer', (c) => c.notNull().defaultTo(60).check(sql`max_activation_minutes between 5 and 1440`))
        .execute();
      await db.schema.alterTable('roles').addColumn('activation_requires_approval', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('roles').addColumn('allow_standing', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('roles_owner_idx').on('roles').column('owner_id').execute();
    },
  };
}
