import type { Db } from '../platform/database.ts';
import type { LedgerEvent } from '../audit/event.ts';

/** One ledger event as a consumer reads it: the event, its position and its Merkle leaf hash. */
export interface FeedEvent {
  seq: number;
  event: LedgerEvent;
  /** SHA-256(0x00 ‖ canonical event), hex: the leaf the ledger's tree holds for this event. */
  leafHash: string;
}

/**
 * Reads committed ledger events after `afterSeq` (−1 for the start) in
 * sequence order, at most `limit`. Appends commit in sequence order (the
 * ledger head is row-locked until commit), so what is visible is a prefix;
 * the read stops at a gap all the same, so a consumer that advances its
 * cursor to the last event returned never skips one.
 *
 * Every ledger consumer (SIEM destinations, findings, detections) reads
 * through this one function.
 */
export async function readLedgerAfter(db: Db, afterSeq: number, limit: number): Promise<FeedEvent[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['seq', 'body', 'leaf_hash'])
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  const out: FeedEvent[] = [];
  let expected = afterSeq + 1;
  for (const row of rows) {
    const seq = Number(row.seq);
    if (seq !== expected) break;
    out.push({ seq, event: JSON.parse(row.body) as LedgerEvent, leafHash: Buffer.from(row.leaf_hash).toString('hex') });
    expected++;
  }
  return out;
}

/** The sequence number of the newest committed event, or −1 when the ledger is empty. */
export async function ledgerHead(db: Db): Promise<number> {
  const row = await db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  return row?.seq == null ? -1 : Number(row.seq);
}
