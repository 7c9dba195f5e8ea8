import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import { readLedgerAfter, type FeedEvent } from '../../stream/ledger-feed.ts';
import type { EvaluationResult, FindingsEvaluator } from './evaluate.ts';

export const FINDINGS_CURSOR = 'monitor.findings';
const BATCH = 1000;
const MAX_BATCHES = 20;

/** What one `evaluateChanged` call did: how far it read, what it re-evaluated, the transitions recorded. */
export interface ChangedEvaluation extends EvaluationResult {
  events: number;
  organizations: number;
  deployment: boolean;
  /** The cursor after the call (the newest event handled), or −1 when the ledger is empty. */
  cursor: number;
}

/**
 * What a batch of ledger events touched (pure apart from the membership
 * lookup): the organization of each event; for an event of no organization
 * that names a user (a factor enrolled, a sign-in outside any organization),
 * every organization the user belongs to; and the deployment level for every
 * event of no organization (API keys). The monitor's own events are skipped.
 */
export async function touchedBy(db: Db, feed: readonly FeedEvent[]): Promise<{ orgIds: string[]; deployment: boolean }> {
  const orgs = new Set<string>();
  const users = new Set<string>();
  let deployment = false;
  for (const { event } of feed) {
    if (event.action.startsWith('monitor.')) continue;
    if (event.org) {
      orgs.add(event.org);
      continue;
    }
    deployment = true;
    for (const t of event.targets) if (t.type === 'user') users.add(t.id);
    const userId = (event.data as { userId?: unknown }).userId;
    if (typeof userId === 'string') users.add(userId);
  }
  const ids = [...users];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('memberships').select('org_id').where('user_id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) orgs.add(r.org_id);
  }
  return { orgIds: [...orgs].sort(), deployment };
}

/**
 * Findings on change: reads the ledger after the cursor kept in
 * `monitor_cursors` (through `readLedgerAfter`, so it never skips an event),
 * re-evaluates the organizations the new events touched, then advances the
 * cursor with a conditional update. Evaluation is idempotent, so two runs at
 * once may both evaluate; only one advances the cursor, and the other's
 * transitions were already refused by their claims.
 */
export function createChangeWatcher(deps: { db: Db; clock: Clock; evaluator: FindingsEvaluator }) {
  const { db, clock, evaluator } = deps;

  async function readCursor(): Promise<number> {
    const row = await db.selectFrom('monitor_cursors').select('seq').where('name', '=', FINDINGS_CURSOR).executeTakeFirst();
    if (row) return Number(row.seq);
    // First run: start from the beginning of the ledger; a concurrent first run inserts the same row.
    await db.insertInto('monitor_cursors').values({ name: FINDINGS_CURSOR, seq: -1, updated_at: clock.now().toISOString() }).onConflict((oc) => oc.column('name').doNothing()).execute();
    return Number((await db.selectFrom('monitor_cursors').select('seq').where('name', '=', FINDINGS_CURSOR).executeTakeFirstOrThrow()).seq);
  }

  return {
    /** Re-evaluates what the ledger events since the last call touched; returns what it did. */
    async evaluateChanged(): Promise<ChangedEvaluation> {
      const out: ChangedEvaluation = { opened: 0, reopened: 0, closed: 0, failedRules: [], events: 0, organizations: 0, deployment: false, cursor: -1 };
      let cursor = await readCursor();
      for (let batch = 0; batch < MAX_BATCHES; batch++) {
        const feed = await readLedgerAfter(db, cursor, BATCH);
        if (feed.length === 0) break;
        const touched = await touchedBy(db, feed);
        if (touched.orgIds.length > 0 || touched.deployment) {
          const r = await evaluator.evaluate({ orgIds: touched.orgIds, deployment: touched.deployment });
          out.opened += r.opened;
          out.reopened += r.reopened;
          out.closed += r.closed;
          for (const name of r.failedRules) if (!out.failedRules.includes(name)) out.failedRules.push(name);
        }
        out.events += feed.length;
        out.organizations += touched.orgIds.length;
        out.deployment ||= touched.deployment;
        const next = feed[feed.length - 1].seq;
        const advanced = await db.updateTable('monitor_cursors').set({ seq: next, updated_at: clock.now().toISOString() }).where('name', '=', FINDINGS_CURSOR).where('seq', '=', cursor).executeTakeFirst();
        // Another run moved the cursor meanwhile: it handles what follows.
        if (Number(advanced.numUpdatedRows) !== 1) break;
        cursor = next;
        if (feed.length < BATCH) break;
      }
      out.cursor = cursor;
      return out;
    },
  };
}
