import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Domain claims no longer lock a domain before it is verified: several
 * organizations may claim the same domain (one claim each), and only one may
 * hold it verified. Before, an unverified claim blocked every other
 * organization, so anyone could squat a customer's domain until an
 * administrator removed the claim.
 */
export function ssoDomainClaimsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('sso_domains_domain_unique').execute();
      await db.schema.createIndex('sso_domains_claim_unique').on('sso_domains').columns(['domain', 'org_id']).unique().execute();
      await db.schema
        .createIndex('sso_domains_verified_unique')
        .on('sso_domains')
        .column('domain')
        .unique()
        .where(sql.ref('verified_at'), 'is not', null)
        .execute();
    },
  };
}
