import type { Db } from '../../platform/database.ts';
import type { Trx } from '../../audit/command-runner.ts';
import type { CampaignRow, ReviewItemRow } from '../../platform/schema-reviews.ts';
import type { CampaignCounts, ItemRowWithNames } from './views.ts';

type Reader = Db | Trx;

export function findCampaign(db: Reader, id: string, orgId?: string): Promise<CampaignRow | undefined> {
  let q = db.selectFrom('access_review_campaigns').selectAll().where('id', '=', id);
  if (orgId) q = q.where('org_id', '=', orgId);
  return q.executeTakeFirst();
}

/** Items by outcome, per campaign. */
export async function countItems(db: Reader, campaignIds: string[]): Promise<Map<string, CampaignCounts>> {
  const counts = new Map<string, CampaignCounts>(campaignIds.map((id) => [id, { items: 0, kept: 0, revoked: 0, undecided: 0 }]));
  if (campaignIds.length === 0) return counts;
  const rows = await db
    .selectFrom('access_review_items')
    .select(['campaign_id', 'decision', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('campaign_id', 'in', campaignIds)
    .groupBy(['campaign_id', 'decision'])
    .execute();
  for (const r of rows) {
    const c = counts.get(r.campaign_id)!;
    const n = Number(r.n);
    c.items += n;
    if (r.decision === 'keep') c.kept += n;
    else if (r.decision === 'revoke') c.revoked += n;
    else c.undecided += n;
  }
  return counts;
}

export interface ItemFilter {
  campaignId?: string;
  ids?: string[];
  reviewerId?: string;
  /** Only items of campaigns still open. */
  openOnly?: boolean;
  decision?: 'keep' | 'revoke' | 'undecided';
  /** Keyset position in the privileged-first order: [privileged, id]. */
  after?: [number, string];
}

/** Items with their role key and principal's name, privileged first, then by id. */
export function listItems(db: Reader, f: ItemFilter, limit: number): Promise<ItemRowWithNames[]> {
  let q = db
    .selectFrom('access_review_items as i')
    .innerJoin('roles as r', 'r.id', 'i.role_id')
    .leftJoin('users as pu', (j) => j.onRef('pu.id', '=', 'i.principal_id').on('i.principal_type', '=', 'user'))
    .leftJoin('service_accounts as ps', (j) => j.onRef('ps.id', '=', 'i.principal_id').on('i.principal_type', '=', 'service_account'))
    .selectAll('i')
    .select(['r.key as role_key', 'pu.email as principal_email', 'ps.name as principal_name']);
  if (f.campaignId) q = q.where('i.campaign_id', '=', f.campaignId);
  if (f.ids) q = q.where('i.id', 'in', f.ids.length > 0 ? f.ids : ['']);
  if (f.reviewerId) q = q.where('i.reviewer_id', '=', f.reviewerId);
  if (f.openOnly) q = q.where((eb) => eb('i.campaign_id', 'in', eb.selectFrom('access_review_campaigns').select('id').where('status', '=', 'open')));
  if (f.decision === 'undecided') q = q.where('i.decision', 'is', null);
  else if (f.decision) q = q.where('i.decision', '=', f.decision);
  if (f.after) {
    const [privileged, id] = f.after;
    q = q.where((eb) => eb.or([eb('i.privileged', '<', privileged), eb.and([eb('i.privileged', '=', privileged), eb('i.id', '>', id)])]));
  }
  return q.orderBy('i.privileged', 'desc').orderBy('i.id').limit(limit).execute() as Promise<ItemRowWithNames[]>;
}

export function findItem(db: Reader, id: string): Promise<ReviewItemRow | undefined> {
  return db.selectFrom('access_review_items').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Ids of the ledger events about a campaign with one of `actions`, oldest first. */
export async function campaignEventIds(db: Reader, campaignId: string, actions: string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('audit_events as e')
    .innerJoin('audit_event_targets as t', 't.seq', 'e.seq')
    .select('e.id')
    .where('t.target_type', '=', 'access_review_campaign')
    .where('t.target_id', '=', campaignId)
    .where('e.action', 'in', actions)
    .orderBy('e.seq')
    .execute();
  return rows.map((r) => r.id);
}
