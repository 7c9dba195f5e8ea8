import type { Db } from '../platform/database.ts';
import type { Trx } from '../audit/command-runner.ts';
import type { HrSourceRow, LeaverRow, ScheduledTerminationRow } from '../platform/schema-lifecycle.ts';

type Reader = Db | Trx;

/** The newest leaver record of a user (their latest deprovisioning), if any. */
export function findLatestLeaverOfUser(db: Reader, userId: string): Promise<LeaverRow | undefined> {
  return db.selectFrom('leavers').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export interface LeaverFilter {
  orgId: string;
  /** Only leavers terminated at or after this time. */
  from?: string;
  /** Only leavers terminated before this time. */
  to?: string;
  afterId?: string;
}

/**
 * Leavers counted against an organization, by id (the order they were recorded).
 * A leaver recorded without an organization (an administrator deprovisioned a user
 * of several organizations) is listed in each organization the user belongs to.
 */
export function listLeavers(db: Reader, f: LeaverFilter, limit: number): Promise<LeaverRow[]> {
  let q = db
    .selectFrom('leavers')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('org_id', '=', f.orgId),
        eb.and([eb('org_id', 'is', null), eb('user_id', 'in', eb.selectFrom('memberships').select('user_id').where('org_id', '=', f.orgId))]),
      ]),
    );
  if (f.from) q = q.where('terminated_at', '>=', f.from);
  if (f.to) q = q.where('terminated_at', '<', f.to);
  if (f.afterId) q = q.where('id', '>', f.afterId);
  return q.orderBy('id').limit(limit).execute();
}

/** Leavers of an organization whose access was removed later than its SLA allowed. */
export function listLateLeavers(db: Reader, orgId: string): Promise<LeaverRow[]> {
  return db.selectFrom('leavers').selectAll().where('org_id', '=', orgId).where('within_sla', '=', 0).orderBy('id').execute();
}

/** Scheduled terminations still waiting, of one organization. */
export function listPendingTerminations(db: Reader, orgId: string): Promise<ScheduledTerminationRow[]> {
  return db.selectFrom('scheduled_terminations').selectAll().where('org_id', '=', orgId).where('status', '=', 'pending').orderBy('terminated_at').orderBy('id').execute();
}

/** Scheduled terminations due at `now` (pending, effective time reached), oldest first. */
export function listDueTerminations(db: Reader, now: string, limit: number): Promise<ScheduledTerminationRow[]> {
  return db.selectFrom('scheduled_terminations').selectAll().where('status', '=', 'pending').where('terminated_at', '<=', now).orderBy('terminated_at').orderBy('id').limit(limit).execute();
}

export function findHrSource(db: Reader, orgId: string, id: string): Promise<HrSourceRow | undefined> {
  return db.selectFrom('hr_sources').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export function findHrSourceById(db: Reader, id: string): Promise<HrSourceRow | undefined> {
  return db.selectFrom('hr_sources').selectAll().where('id', '=', id).executeTakeFirst();
}
