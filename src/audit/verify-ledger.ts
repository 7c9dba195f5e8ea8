import { createHash, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { dialectOf, type Db, type DatabaseTarget } from '../platform/database.ts';
import { hashChildren } from './merkle-hash.ts';
import { perfectSubtrees } from './merkle-tree.ts';
import { openCheckpoint, parseVerifierKey, verifierKeyFromRaw } from './checkpoint-note.ts';
import { embeddedSeq, hashLedgerRange, hashLevels } from './leaf-hashing.js';
import { sql } from 'kysely';

export type VerifyProblemCode =
  | 'sequence_gap'
  | 'event_moved'
  | 'leaf_hash_mismatch'
  | 'root_mismatch'
  | 'checkpoint_signature_invalid'
  | 'checkpoint_mismatch'
  | 'events_missing'
  | 'no_verifier_key'
  | 'expected_checkpoint_invalid'
  | 'rolled_back'
  | 'forked';

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
  /** Events appended after the newest checkpoint (checked against their recorded hashes, not yet signed). */
  unsignedEvents: number;
  verifierKey: string | null;
  keySource: 'given' | 'database';
  /** The checkpoint saved elsewhere (`expectCheckpoint`) that this ledger was found to contain. */
  expectedCheckpoint?: { size: number; root: string };
  problem?: VerifyProblem;
}

export interface VerifyOptions {
  /** The published verifier key; without it, the key recorded in the database is used (and the report says so). */
  verifierKey?: string;
  /** Hash in worker threads over their own connections (large ledgers); otherwise in this thread. */
  parallel?: { target: DatabaseTarget; threads?: number };
  /**
   * A signed checkpoint note kept outside the database (a SIEM copy, a saved
   * `audit checkpoint`): the ledger must contain it — at least that many
   * events, whose first `size` hash to its root. A database restored from an
   * older backup fails with `rolled_back`; one whose history differs, `forked`.
   */
  expectCheckpoint?: string;
}

const PAGE = 20_000;
const MIN_EVENTS_PER_WORKER = 100_000;

/**
 * Recomputes every leaf hash from the stored canonical events, rebuilds the
 * tree in one pass, and checks each stored checkpoint: its signature under the
 * verifier key and its root against the recomputed tree at that size. Stops at
 * the first problem and names the event (or checkpoint) where it is.
 *
 * The fast path reads only the canonical events; recorded leaf hashes and
 * stored tree nodes are read only to point at the culprit once a root fails,
 * and for the events newer than the last checkpoint.
 */
export async function verifyLedger(db: Db, options: VerifyOptions = {}): Promise<VerifyReport> {
  const keyRows = await db.selectFrom('signing_keys').select(['key_name', 'public_key']).where('purpose', '=', 'ledger').execute();
  const keySource = options.verifierKey ? 'given' : 'database';
  const verifierKey = options.verifierKey ?? (keyRows.length > 0 ? verifierKeyFromRaw(keyRows[0].key_name, keyRows[0].public_key) : null);
  const checkpoints = await db.selectFrom('ledger_checkpoints').select(['size', 'root_hash', 'note']).orderBy('size').execute();
  const stats = await db.selectFrom('audit_events').select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max('seq').as('max')]).executeTakeFirstOrThrow();
  const head = await db.selectFrom('ledger_head').select('next_seq').where('id', '=', 1).executeTakeFirst();
  const report: VerifyReport = { ok: false, events: Number(stats.count), treeSize: 0, root: null, checkpoints: 0, unsignedEvents: 0, verifierKey, keySource };
  const fail = (problem: VerifyProblem): VerifyReport => ({ ...report, ok: false, problem });

  let key: { keyName: string; publicKey: KeyObject } | null = null;
  if (checkpoints.length > 0) {
    if (!verifierKey) return fail({ code: 'no_verifier_key', message: 'checkpoints exist but no verifier key is known' });
    key = parseVerifierKey(verifierKey);
  }
  let expected: { size: number; rootHash: Buffer } | null = null;
  if (options.expectCheckpoint !== undefined) {
    if (!verifierKey) return fail({ code: 'no_verifier_key', message: 'an expected checkpoint was given but no verifier key is known' });
    try {
      expected = openCheckpoint(options.expectCheckpoint, (key ??= parseVerifierKey(verifierKey)));
    } catch (err) {
      return fail({ code: 'expected_checkpoint_invalid', message: `the expected checkpoint does not verify under the verifier key: ${(err as Error).message}` });
    }
  }

  // Positions 0..n-1: n is one past the highest sequence number present.
  const n = stats.max == null ? 0 : Number(stats.max) + 1;
  const threads = options.parallel ? Math.min(options.parallel.threads ?? availableParallelism(), Math.floor(n / MIN_EVENTS_PER_WORKER)) : 1;
  const levels = allocateLevels(n, threads >= 2);
  const leaves = levels[0];
  const mismatch = threads >= 2 ? await hashInWorkers(options.parallel!.target, n, threads, levels) : await hashInProcess(db, n, levels);
  if (mismatch) return fail(await explainMismatch(db, mismatch.position));

  let previous = 0;
  for (const cp of checkpoints) {
    const size = Number(cp.size);
    if (size > n) {
      return fail({ code: 'events_missing', checkpointSize: size, seq: n, message: `the checkpoint for tree size ${size} covers events up to sequence ${size - 1}, but the ledger ends at sequence ${n - 1}` });
    }
    const problem = checkCheckpoint(cp, rootAt(levels, size), key!);
    if (problem) return fail(problem.code === 'root_mismatch' ? { ...problem, ...(await locateAlteredEvent(db, leaves, previous, size)) } : problem);
    report.treeSize = size;
    report.root = cp.root_hash.toString('base64');
    report.checkpoints++;
    previous = size;
  }

  // Newer events carry no signature yet: hold them to the hashes recorded at append.
  const tail = await firstRecordedLeafMismatch(db, leaves, report.treeSize, n);
  if (tail) return fail(tail);
  if (head && Number(head.next_seq) !== n) {
    return fail({ code: 'events_missing', seq: n, message: `the ledger head has handed out ${Number(head.next_seq)} sequence numbers, but events end at sequence ${n - 1}` });
  }
  if (expected) {
    const problem = checkExpected(expected, levels, n);
    if (problem) return fail(problem);
    report.expectedCheckpoint = { size: expected.size, root: expected.rootHash.toString('base64') };
  }
  report.unsignedEvents = n - report.treeSize;
  report.ok = true;
  return report;
}

async function hashInProcess(db: Db, n: number, levels: Buffer[]): Promise<{ position: number } | null> {
  const dialect = dialectOf(db);
  const readPage = async (from: number, to: number) => {
    const joined =
      dialect === 'postgres'
        ? sql<{ n: number; bodies: string | null }>`select count(*)::int as n, string_agg(body, E'\n' order by seq) as bodies from audit_events where seq >= ${from} and seq < ${to}`
        : sql<{ n: number; bodies: string | null }>`select count(*) as n, group_concat(body, char(10)) as bodies from (select body from audit_events where seq >= ${from} and seq < ${to} order by seq)`;
    return (await joined.execute(db)).rows[0];
  };
  const readRows = async (from: number, to: number) =>
    (await db.selectFrom('audit_events').select('body').where('seq', '>=', from).where('seq', '<', to).orderBy('seq').execute()).map((r) => r.body);
  const mismatch = await hashLedgerRange(readPage, readRows, 0, n, levels[0], 0);
  if (!mismatch) hashLevels(levels, 0, n, 1, levels.length - 1);
  return mismatch;
}

/**
 * Splits [0, n) into blocks of 2^b leaves and gives each worker a run of
 * whole blocks, so every tree node up to level b lies inside one worker's
 * range; the few nodes above level b are hashed here afterwards.
 */
async function hashInWorkers(target: DatabaseTarget, n: number, threads: number, levels: Buffer[]): Promise<{ position: number } | null> {
  const b = Math.max(10, Math.floor(Math.log2(n / (threads * 4))));
  const blocks = Math.ceil(n / 2 ** b);
  const ranges = Array.from({ length: threads }, (_, i) => [Math.floor((i * blocks) / threads) * 2 ** b, Math.min(n, Math.floor(((i + 1) * blocks) / threads) * 2 ** b)]);
  const shared = levels.map((level) => level.buffer);
  const results = await Promise.all(
    ranges.map(
      ([start, end]) =>
        new Promise<{ position: number } | null>((resolve, reject) => {
          const worker = new Worker(new URL('./verify-worker.js', import.meta.url), { workerData: { target, start, end, levels: shared, maxLevel: b } });
          worker.once('message', (m: { mismatch?: { position: number } | null; error?: string }) => {
            void worker.terminate();
            if (m.error) reject(new Error(`verification worker failed: ${m.error}`));
            else resolve(m.mismatch ?? null);
          });
          worker.once('error', reject);
        }),
    ),
  );
  const found = results.filter((r): r is { position: number } => r !== null);
  if (found.length) return found.reduce((x, y) => (x.position <= y.position ? x : y));
  hashLevels(levels, 0, n, b + 1, levels.length - 1);
  return null;
}

/** One buffer per tree level (level L holds floor(n / 2^L) nodes), shared with workers when they hash. */
function allocateLevels(n: number, shared: boolean): Buffer[] {
  const levels: Buffer[] = [];
  for (let width = 1; levels.length === 0 || Math.floor(n / width) > 0; width *= 2) {
    const bytes = Math.floor(n / width) * 32;
    levels.push(Buffer.from(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)));
  }
  return levels;
}

/** The RFC 6962 root of the first `size` leaves, from the perfect nodes of its decomposition. Requires 1 <= size <= n. */
function rootAt(levels: Buffer[], size: number): Buffer {
  const nodes = perfectSubtrees(0, size).map(({ level, index }) => levels[level].subarray(index * 32, index * 32 + 32));
  let hash = nodes[nodes.length - 1];
  for (let i = nodes.length - 2; i >= 0; i--) hash = hashChildren(nodes[i], hash);
  return Buffer.from(hash);
}

/** Says why the event at `position` is not the one that belongs there. */
async function explainMismatch(db: Db, position: number): Promise<VerifyProblem> {
  const here = await db.selectFrom('audit_events').select(['id', 'body']).where('seq', '=', position).executeTakeFirst();
  if (here) {
    const embedded = embeddedSeq(here.body);
    const said = embedded < 0 ? 'no position' : String(embedded);
    return { code: 'event_moved', seq: position, eventId: here.id, message: `event ${here.id} at sequence ${position} says it belongs at sequence ${said}` };
  }
  const next = await db.selectFrom('audit_events').select(['seq', 'id']).where('seq', '>', position).orderBy('seq').limit(1).executeTakeFirst();
  return {
    code: 'sequence_gap',
    seq: position,
    eventId: next?.id,
    message: next ? `event with sequence ${position} is missing: found sequence ${Number(next.seq)} (event ${next.id}) in its place` : `event with sequence ${position} is missing`,
  };
}

/** Whether the ledger's first `expected.size` events are the tree the saved checkpoint signed. */
function checkExpected(expected: { size: number; rootHash: Buffer }, levels: Buffer[], n: number): VerifyProblem | null {
  const root = expected.size === 0 ? createHash('sha256').digest() : expected.size <= n ? rootAt(levels, expected.size) : null;
  if (root === null) {
    return {
      code: 'rolled_back',
      checkpointSize: expected.size,
      seq: n,
      message: `the ledger has ${n} events, but a checkpoint signed for tree size ${expected.size} exists elsewhere: this database lost the ${expected.size - n} newest events (restored from an older backup?)`,
    };
  }
  if (!root.equals(expected.rootHash)) {
    return {
      code: 'forked',
      checkpointSize: expected.size,
      message: `the first ${expected.size} events hash to root ${root.toString('base64')}, but the expected checkpoint for that size says ${expected.rootHash.toString('base64')}: this ledger's history is not the one that was signed`,
    };
  }
  return null;
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

/** The first event in [from, to) whose content no longer hashes to the leaf hash recorded when it was appended. */
async function firstRecordedLeafMismatch(db: Db, leaves: Buffer, from: number, to: number): Promise<VerifyProblem | null> {
  for (let start = from; start < to; start += PAGE) {
    const rows = await db.selectFrom('audit_events').select(['seq', 'id', 'leaf_hash']).where('seq', '>=', start).where('seq', '<', Math.min(to, start + PAGE)).orderBy('seq').execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      const computed = leaves.subarray(seq * 32, seq * 32 + 32);
      if (!computed.equals(row.leaf_hash)) {
        return { code: 'leaf_hash_mismatch', seq, eventId: row.id, message: `event ${row.id} at sequence ${seq} was altered: its content hashes to ${computed.toString('hex')}, the ledger recorded ${row.leaf_hash.toString('hex')}` };
      }
    }
  }
  return null;
}

/**
 * After a root mismatch over the checkpoint's new events [from, to): first an
 * event whose content no longer matches its recorded leaf hash; failing that
 * (the leaf hash was rewritten too), the first pair whose stored parent node
 * disagrees.
 */
async function locateAlteredEvent(db: Db, leaves: Buffer, from: number, to: number): Promise<Pick<VerifyProblem, 'seq' | 'eventId' | 'code' | 'message'> | object> {
  const altered = await firstRecordedLeafMismatch(db, leaves, from, to);
  if (altered) return { ...altered, message: `${altered.message}; the signed root no longer matches` };
  const start = from - (from % 2);
  const stored = await db.selectFrom('merkle_nodes').select(['idx', 'hash']).where('level', '=', 1).where('idx', '>=', start / 2).where('idx', '<', Math.floor(to / 2)).orderBy('idx').execute();
  for (const node of stored) {
    const i = Number(node.idx) * 2;
    if (!hashChildren(leaves.subarray(i * 32, i * 32 + 32), leaves.subarray(i * 32 + 32, i * 32 + 64)).equals(node.hash)) {
      const row = await db.selectFrom('audit_events').select('id').where('seq', '=', i).executeTakeFirst();
      return { seq: i, eventId: row?.id };
    }
  }
  return {};
}
