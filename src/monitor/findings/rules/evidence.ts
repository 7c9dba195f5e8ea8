import type { Db } from '../../../platform/database.ts';

/**
 * The ids of the ledger events with one of `actions` that name each of
 * `targetIds` (of `targetType`) as a target, oldest first, per target id;
 * with `orgId`, only events of that organization.
 */
export async function eventIdsByTarget(db: Db, targetType: string, targetIds: readonly string[], actions: readonly string[], orgId?: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (targetIds.length === 0 || actions.length === 0) return out;
  for (let i = 0; i < targetIds.length; i += 500) {
    let q = db
      .selectFrom('audit_event_targets')
      .innerJoin('audit_events', 'audit_events.seq', 'audit_event_targets.seq')
      .select(['audit_event_targets.target_id', 'audit_events.id'])
      .where('audit_event_targets.target_type', '=', targetType)
      .where('audit_event_targets.target_id', 'in', targetIds.slice(i, i + 500))
      .where('audit_events.action', 'in', actions);
    if (orgId) q = q.where('audit_events.org_id', '=', orgId);
    const rows = await q.orderBy('audit_events.seq').execute();
    for (const r of rows) out.set(r.target_id, [...(out.get(r.target_id) ?? []), r.id]);
  }
  return out;
}

/** Splits a list into chunks small enough for an `in (…)` list on both engines. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
