import type { Db } from '../platform/database.ts';

const TTL_MS = 5_000;

/**
 * The operator organization's id by its slug, or null while it does not
 * exist; remembered for a few seconds, since every console token request and
 * API call asks.
 */
export function createOperatorOrgLookup(db: Db, slug: string, now: () => number) {
  let cached: { at: number; id: string | null } | null = null;
  return async function operatorOrgId(): Promise<string | null> {
    if (cached && now() - cached.at < TTL_MS && cached.id !== null) return cached.id;
    const row = await db.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirst();
    cached = { at: now(), id: row?.id ?? null };
    return cached.id;
  };
}
