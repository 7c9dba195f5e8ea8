import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * A role may demand more MFA than its organization: `mfa_policy` is null
 * (the organization's policy applies) or one of optional, required,
 * phishing_resistant. The check keeps a typo written past the API from
 * reading as "no requirement".
 */
export function roleMfaPolicyMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('roles')
        .addColumn('mfa_policy', 'text', (c) => c.check(sql`mfa_policy in ('optional', 'required', 'phishing_resistant')`))
        .execute();
    },
  };
}
