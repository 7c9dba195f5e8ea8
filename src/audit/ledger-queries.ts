import type { Db } from '../platform/database.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { ACTION_CATALOGUE } from './actions.ts';
import { consistencyProofRanges, inclusionProofRanges } from './merkle-tree.ts';
import { hashRanges } from './tree-storage.ts';
import type { LedgerEvent } from './event.ts';
import type { Checkpoint } from './sequencer.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';

export interface EventFilter {
  actorId?: string;
  actionPrefix?: string;
  targetId?: string;
  orgId?: string;
  since?: string;
  until?: string;
  /** Only events after this sequence number (for streaming consumers). */
  afterSeq?: number;
}

export interface InclusionProof {
  eventId: string;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  proof: string[];
  checkpoint: string;
  event: LedgerEvent;
  /** The exact bytes that were hashed (leaf = SHA-256(0x00 ‖ body)). */
  canonicalEvent: string;
}

export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
  fromCheckpoint: string | null;
  toCheckpoint: string;
}

const b64 = (b: Buffer) => b.toString('base64');

/** The cursor kind of a newest-first listing (its value is a sequence number, like `seq`). */
const DESC_CURSOR = 'seq_desc';

/** `identity.user,access.` → the action prefixes it names (comma-separated; blanks ignored; an empty filter names every action). */
export function actionPrefixes(filter: string): string[] {
  const parts = filter.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  return parts.length > 0 ? parts : [''];
}

function toCheckpoint(row: { size: number; root_hash: Buffer; note: string; key_id: string; created_at: string }): Checkpoint {
  return { size: Number(row.size), rootHash: row.root_hash, note: row.note, keyId: row.key_id, createdAt: row.created_at };
}

/** Read side of the ledger: events, checkpoints and proofs. */
export function createLedgerQueries(db: Db) {
  async function latestCheckpoint(): Promise<Checkpoint | null> {
    const row = await db.selectFrom('ledger_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
    return row ? toCheckpoint(row) : null;
  }

  async function checkpointAt(size: number): Promise<Checkpoint | null> {
    const row = await db.selectFrom('ledger_checkpoints').selectAll().where('size', '=', size).executeTakeFirst();
    return row ? toCheckpoint(row) : null;
  }

  /** The newest checkpoint signed strictly before `time` (RFC 3339), or null when there is none. */
  async function latestCheckpointBefore(time: string): Promise<Checkpoint | null> {
    const row = await db.selectFrom('ledger_checkpoints').selectAll().where('created_at', '<', time).orderBy('size', 'desc').limit(1).executeTakeFirst();
    return row ? toCheckpoint(row) : null;
  }

  async function requireLatest(): Promise<Checkpoint> {
    const cp = await latestCheckpoint();
    if (!cp) throw new KeyledgerError('ledger.checkpoint_not_found', 'the ledger has no signed checkpoint yet');
    return cp;
  }

  return {
    latestCheckpoint,
    latestCheckpointBefore,
    checkpointAt,

    /**
     * Events in ledger order (or newest first with `order: 'desc'`), filtered,
     * with a cursor for the next page. A cursor continues the order it was
     * issued for: one from the other order is `pagination.invalid_cursor`.
     */
    async listEvents(filter: EventFilter, page: { limit: number; cursor?: string; order?: 'asc' | 'desc' }): Promise<{ events: LedgerEvent[]; nextCursor: string | null }> {
      const desc = page.order === 'desc';
      let q = db.selectFrom('audit_events').select(['seq', 'body']);
      if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
      // A literal, case-sensitive prefix on both dialects (SQLite's LIKE ignores case and has no default escape character).
      if (filter.actionPrefix !== undefined) {
        // Actions come from a catalogue that only grows, so a prefix is the list of actions it names: an indexable IN.
        const prefixes = actionPrefixes(filter.actionPrefix);
        const actions = Object.keys(ACTION_CATALOGUE).filter((a) => prefixes.some((p) => a.startsWith(p)));
        if (actions.length === 0) return { events: [], nextCursor: null };
        q = q.where('action', 'in', actions);
      }
      if (filter.orgId) q = q.where('org_id', '=', filter.orgId);
      if (filter.since) q = q.where('time', '>=', filter.since);
      if (filter.until) q = q.where('time', '<', filter.until);
      if (filter.targetId) {
        const targetId = filter.targetId;
        q = q.where('seq', 'in', (eb) => eb.selectFrom('audit_event_targets').select('seq').where('target_id', '=', targetId));
      }
      if (desc) {
        if (page.cursor) {
          const before = decodeCursor(page.cursor, DESC_CURSOR);
          if (!/^\d+$/.test(before)) throw new KeyledgerError('pagination.invalid_cursor', `cursor "${page.cursor.slice(0, 40)}" was not issued by this list`);
          q = q.where('seq', '<', Number(before));
        }
        if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
      } else {
        const after = page.cursor ? decodeCursor(page.cursor, 'seq') : filter.afterSeq;
        if (after !== undefined) q = q.where('seq', '>', Number(after));
      }
      const rows = await q.orderBy('seq', desc ? 'desc' : 'asc').limit(page.limit + 1).execute();
      const more = rows.length > page.limit;
      const events = rows.slice(0, page.limit).map((r) => JSON.parse(r.body) as LedgerEvent);
      return { events, nextCursor: more ? encodeCursor(desc ? DESC_CURSOR : 'seq', events[events.length - 1].seq) : null };
    },

    /**
     * The time of the newest event with one of `actions` naming each of `targetIds` (of
     * `targetType`) as a target, for the targets that have one (e.g. when a user's status last
     * changed).
     */
    async latestEventTimeByTarget(targetType: string, targetIds: readonly string[], actions: readonly string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      if (actions.length === 0) return out;
      for (let i = 0; i < targetIds.length; i += 500) {
        const rows = await db
          .selectFrom('audit_event_targets')
          .innerJoin('audit_events', 'audit_events.seq', 'audit_event_targets.seq')
          .select(['audit_event_targets.target_id', (eb) => eb.fn.max('audit_events.time').as('last')])
          .where('audit_event_targets.target_type', '=', targetType)
          .where('audit_event_targets.target_id', 'in', targetIds.slice(i, i + 500))
          .where('audit_events.action', 'in', [...actions])
          .groupBy('audit_event_targets.target_id')
          .execute();
        for (const r of rows) if (r.last) out.set(r.target_id, String(r.last));
      }
      return out;
    },

    async getEvent(id: string): Promise<LedgerEvent> {
      const row = await db.selectFrom('audit_events').select('body').where('id', '=', id).executeTakeFirst();
      if (!row) throw new KeyledgerError('ledger.event_not_found', `no ledger event with id "${id}"`);
      return JSON.parse(row.body) as LedgerEvent;
    },

    /** Inclusion proof of an event against the latest checkpoint, or against the checkpoint of `treeSize`. */
    async inclusionProof(eventId: string, treeSize?: number): Promise<InclusionProof> {
      const row = await db.selectFrom('audit_events').select(['seq', 'body', 'leaf_hash']).where('id', '=', eventId).executeTakeFirst();
      if (!row) throw new KeyledgerError('ledger.event_not_found', `no ledger event with id "${eventId}"`);
      const seq = Number(row.seq);
      const cp = treeSize === undefined ? await requireLatest() : await checkpointAt(treeSize);
      if (!cp) throw new KeyledgerError('ledger.checkpoint_not_found', `no signed checkpoint for tree size ${treeSize}`);
      if (seq >= cp.size) {
        throw new KeyledgerError('ledger.event_not_sequenced', `event ${eventId} has sequence ${seq}, beyond the checkpoint's tree size ${cp.size}`);
      }
      const proof = await hashRanges(db, inclusionProofRanges(seq, cp.size));
      return {
        eventId,
        leafIndex: seq,
        treeSize: cp.size,
        leafHash: b64(row.leaf_hash),
        rootHash: b64(cp.rootHash),
        proof: proof.map(b64),
        checkpoint: cp.note,
        event: JSON.parse(row.body) as LedgerEvent,
        canonicalEvent: row.body,
      };
    },

    /** Consistency proof from tree size `from` to `to` (default: the latest checkpoint). */
    async consistencyProof(from: number, to?: number): Promise<ConsistencyProof> {
      const toCp = to === undefined ? await requireLatest() : await checkpointAt(to);
      if (!toCp) throw new KeyledgerError('ledger.checkpoint_not_found', `no signed checkpoint for tree size ${to}`);
      if (!Number.isInteger(from) || from < 1 || from > toCp.size) {
        throw new KeyledgerError('ledger.range_invalid', `"from" must be between 1 and ${toCp.size}, got ${from}`);
      }
      const [fromRoot] = await hashRanges(db, [[0, from]]);
      const proof = await hashRanges(db, consistencyProofRanges(from, toCp.size));
      const fromCp = await checkpointAt(from);
      return {
        fromSize: from,
        toSize: toCp.size,
        fromRoot: b64(fromRoot),
        toRoot: b64(toCp.rootHash),
        proof: proof.map(b64),
        fromCheckpoint: fromCp?.note ?? null,
        toCheckpoint: toCp.note,
      };
    },
  };
}

export type LedgerQueries = ReturnType<typeof createLedgerQueries>;
