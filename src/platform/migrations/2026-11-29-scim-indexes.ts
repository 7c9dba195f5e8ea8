import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Indexes the SCIM list benchmark showed missing on a directory of 100,000 users:
 * - `(directory_id, lower(department))`: `enterprise:department eq "…"` (the
 *   filter identity providers use to scope a sync) was a scan of every user
 *   of the directory;
 * - `(directory_id, id)`: every page is ordered by id (the tie-breaker), so
 *   an unfiltered or selective page was a sort of the whole directory; with
 *   it a page reads its 100 rows in order, and an `IN (…)` on ids is a probe.
 *
 * Created in this order on purpose: without ANALYZE statistics, SQLite takes
 * the index created last among equals for a bare `directory_id = ?` search,
 * and `(directory_id, id)` follows UUIDv7 creation order, i.e. the table's.
 *
 * `(directory_id, id)` is SQLite's only: PostgreSQL keeps statistics
 * (autovacuum's ANALYZE) and sorts a page with a top-N heap, and without
 * statistics it prefers this narrow index over the `lower(user_name)` one
 * for `userName eq`, which is the wrong choice.
 *
 * `(directory_id, lower(user_name) collate "C")` is PostgreSQL's only: a
 * `userName sw "…"` filter adds a range on `lower(user_name)` in code-point
 * order (`collate "C"`, exact whatever the database's collation), which the
 * default-collation index cannot serve. SQLite compares in code-point order
 * already and uses the unique index.
 */
export function scimIndexesMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await sql`create index scim_users_department_idx on scim_users (directory_id, lower(department))`.execute(db);
      if (dialect === 'sqlite') await db.schema.createIndex('scim_users_directory_id_idx').on('scim_users').columns(['directory_id', 'id']).execute();
      if (dialect === 'postgres') await sql`create index scim_users_user_name_prefix_idx on scim_users (directory_id, (lower(user_name) collate "C"))`.execute(db);
    },
  };
}
