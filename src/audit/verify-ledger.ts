import type { KeyObject } from 'node:crypto';
import type { Db } from '../platform/database.ts';
import { hashLeaf, hashChildren } from './merkle-hash.ts';
import { CompactRange } from './merkle-tree.ts';
import { openCheckpoint, parseVerifierKey, verifierKeyFromRaw } from './checkpoint-note.ts';

export type VerifyProblemCode =
  | 'sequence_gap'
  | 'event_moved'
  | 'leaf_hash_mismatch'
  | 'root_mismatch'
  | 'checkpoint_signature_invalid'
  | 'checkpoint_mismatch'
  | 'events_missing'
  | 'no_verifier_key';

export interface VerifyProblem {
  code: VerifyProblemCode;
  message: string;
  seq?: number;
  eventId?: string;
  checkpointSize?: number;
}

export interface VerifyReport {
  ok: boolean;
  /** Events read from the ledger. */
  events: number;
  /** Size and root of the newest signed checkpoint that verified. */
  treeSize: number;
  root: string | null;
  checkpoints: number;
  /** Events appended after the newest checkpoint (checked, not yet signed). */
  unsignedEvents: number;
  verifierKey: string | null;
  keySource: 'given' | 'database';
  problem?: VerifyProblem;
}

const PAGE = 20_000;

/**
 * Recomputes every leaf hash from the stored canonical events, rebuilds the
 * tree in one pass, and checks each stored checkpoint: its signature under the
 * verifier key and its root against the recomputed tree at that size. Stops at
 * the first problem and names the event (or checkpoint) where it is.
 *
 * Pass the published verifier key to verify independently of the database;
 * without one, the key recorded in the database is used (and says so).
 */
export async function verifyLedger(db: Db, options: { verifierKey?: string } = {}): Promise<VerifyReport> {
  const keyRows = await db.selectFrom('signing_keys').select(['key_name', 'public_key']).where('purpose', '=', 'ledger').execute();
  let verifierKey = options.verifierKey ?? null;
  const keySource = options.verifierKey ? 'given' : 'database';
  if (!verifierKey && keyRows.length > 0) {
    verifierKey = verifierKeyFromRaw(keyRows[0].key_name, keyRows[0].public_key);
  }
  const checkpoints = await db.selectFrom('ledger_checkpoints').select(['size', 'root_hash', 'note']).orderBy('size').execute();
  const report: VerifyReport = { ok: false, events: 0, treeSize: 0, root: null, checkpoints: 0, unsignedEvents: 0, verifierKey, keySource };
  const fail = (problem: VerifyProblem): VerifyReport => ({ ...report, ok: false, problem });

  let parsedKey: { keyName: string; publicKey: KeyObject } | null = null;
  if (checkpoints.length > 0) {
    if (!verifierKey) return fail({ code: 'no_verifier_key', message: 'checkpoints exist but no verifier key is known' });
    parsedKey = parseVerifierKey(verifierKey);
  }

  const range = new CompactRange();
  let next = 0; // index into checkpoints
  let expected = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .select(['seq', 'id', 'body', 'leaf_hash'])
      .where('seq', '>=', expected)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expected) {
        return fail({ code: 'sequence_gap', seq: expected, eventId: row.id, message: `event with sequence ${expected} is missing: found sequence ${seq} (event ${row.id}) in its place` });
      }
      const embedded = embeddedSeq(row.body);
      if (embedded !== seq) {
        return fail({ code: 'event_moved', seq, eventId: row.id, message: `event ${row.id} at sequence ${seq} says it belongs at sequence ${embedded}` });
      }
      const leaf = hashLeaf(Buffer.from(row.body, 'utf8'));
      if (!leaf.equals(row.leaf_hash)) {
        return fail({ code: 'leaf_hash_mismatch', seq, eventId: row.id, message: `event ${row.id} at sequence ${seq} was altered: its content hashes to ${leaf.toString('hex')}, the ledger recorded ${row.leaf_hash.toString('hex')}` });
      }
      range.push(leaf);
      report.events++;
      expected++;
      while (next < checkpoints.length && Number(checkpoints[next].size) === range.size) {
        const cp = checkpoints[next];
        const problem = checkCheckpoint(cp, range.root(), parsedKey!);
        if (problem) {
          if (problem.code === 'root_mismatch') return fail({ ...problem, ...(await locateAlteredLeaf(db, report.treeSize, range.size)) });
          return fail(problem);
        }
        report.treeSize = range.size;
        report.root = cp.root_hash.toString('base64');
        report.checkpoints++;
        next++;
      }
    }
  }
  if (next < checkpoints.length) {
    const size = Number(checkpoints[next].size);
    return fail({ code: 'events_missing', checkpointSize: size, seq: report.events, message: `the checkpoint for tree size ${size} covers events up to sequence ${size - 1}, but the ledger ends at sequence ${report.events - 1}` });
  }
  report.unsignedEvents = report.events - report.treeSize;
  report.ok = true;
  return report;
}

function checkCheckpoint(cp: { size: number; root_hash: Buffer; note: string }, computed: Buffer, key: { keyName: string; publicKey: KeyObject }): VerifyProblem | null {
  const size = Number(cp.size);
  let opened: { size: number; rootHash: Buffer };
  try {
    opened = openCheckpoint(cp.note, key);
  } catch (err) {
    return { code: 'checkpoint_signature_invalid', checkpointSize: size, message: `checkpoint for tree size ${size} does not verify: ${(err as Error).message}` };
  }
  if (opened.size !== size || !opened.rootHash.equals(cp.root_hash)) {
    return { code: 'checkpoint_mismatch', checkpointSize: size, message: `checkpoint row for tree size ${size} disagrees with its signed note (size ${opened.size})` };
  }
  if (!computed.equals(opened.rootHash)) {
    return { code: 'root_mismatch', checkpointSize: size, message: `the events up to tree size ${size} hash to root ${computed.toString('base64')}, but the signed checkpoint says ${opened.rootHash.toString('base64')}` };
  }
  return null;
}

/** The top-level `seq` of a canonical event: `"seq"` is the last key before `"targets"`, `"time"` and `"v"`. */
function embeddedSeq(body: string): number {
  const at = body.lastIndexOf(',"seq":');
  if (at < 0) return -1;
  let n = 0;
  let i = at + 7;
  for (; i < body.length; i++) {
    const c = body.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  return i === at + 7 ? -1 : n;
}

/**
 * After a root mismatch, compares recomputed level-1 nodes with the stored ones
 * over the checkpoint's new range to point at the altered pair of events.
 */
async function locateAlteredLeaf(db: Db, from: number, to: number): Promise<Pick<VerifyProblem, 'seq' | 'eventId'>> {
  const start = from - (from % 2);
  const leaves = await db.selectFrom('audit_events').select(['seq', 'id', 'leaf_hash']).where('seq', '>=', start).where('seq', '<', to).orderBy('seq').execute();
  const stored = await db.selectFrom('merkle_nodes').select(['idx', 'hash']).where('level', '=', 1).where('idx', '>=', start / 2).where('idx', '<', Math.floor(to / 2)).execute();
  const byIdx = new Map(stored.map((n) => [Number(n.idx), n.hash]));
  for (let i = 0; i + 1 < leaves.length; i += 2) {
    const idx = Number(leaves[i].seq) / 2;
    const node = byIdx.get(idx);
    if (node && !hashChildren(leaves[i].leaf_hash, leaves[i + 1].leaf_hash).equals(node)) {
      return { seq: Number(leaves[i].seq), eventId: leaves[i].id };
    }
  }
  const last = leaves[leaves.length - 1];
  return last ? { seq: Number(last.seq), eventId: last.id } : {};
}
