import { sql } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { Trx } from './command-runner.ts';
import { hashRange, perfectSubtrees } from './merkle-tree.ts';

type Reader = Db | Trx;
export interface NodeRef {
  level: number;
  index: number;
}

/**
 * Fetches the hashes of perfect subtrees: level 0 from the events' leaf
 * hashes, higher levels from merkle_nodes. Missing nodes are an error: the
 * caller asked for part of the tree the sequencer has not integrated.
 */
export async function fetchNodeHashes(db: Reader, refs: NodeRef[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const leaves = [...new Set(refs.filter((r) => r.level === 0).map((r) => r.index))];
  const inner = refs.filter((r) => r.level > 0);
  for (let i = 0; i < leaves.length; i += 500) {
    const rows = await db.selectFrom('audit_events').select(['seq', 'leaf_hash']).where('seq', 'in', leaves.slice(i, i + 500)).execute();
    for (const r of rows) out.set(nodeKey(0, Number(r.seq)), r.leaf_hash);
  }
  for (let i = 0; i < inner.length; i += 300) {
    const chunk = inner.slice(i, i + 300);
    const rows = await db
      .selectFrom('merkle_nodes')
      .select(['level', 'idx', 'hash'])
      .where((eb) => eb.or(chunk.map((r) => eb.and([eb('level', '=', r.level), eb('idx', '=', r.index)]))))
      .execute();
    for (const r of rows) out.set(nodeKey(r.level, Number(r.idx)), r.hash);
  }
  for (const r of refs) {
    if (!out.has(nodeKey(r.level, r.index))) throw new Error(`merkle node level ${r.level} index ${r.index} is not stored`);
  }
  return out;
}

export function nodeKey(level: number, index: number): string {
  return `${level}:${index}`;
}

/** Merkle tree hashes of several leaf ranges, with one round of node look-ups. */
export async function hashRanges(db: Reader, ranges: Array<[number, number]>): Promise<Buffer[]> {
  const refs = ranges.flatMap(([a, b]) => perfectSubtrees(a, b));
  const nodes = await fetchNodeHashes(db, refs);
  return ranges.map(([a, b]) => hashRange(a, b, (level, index) => nodes.get(nodeKey(level, index))!));
}

/** Stores newly completed perfect nodes (level ≥ 1). */
export async function insertNodes(trx: Trx, nodes: Array<{ level: number; index: number; hash: Buffer }>): Promise<void> {
  for (let i = 0; i < nodes.length; i += 5_000) {
    await trx
      .insertInto('merkle_nodes')
      .values(nodes.slice(i, i + 5_000).map((n) => ({ level: n.level, idx: n.index, hash: n.hash })))
      .execute();
  }
}

/** Serializes sequencers on PostgreSQL for the rest of the transaction (SQLite has one writer anyway). */
export async function lockSequencer(trx: Trx, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(7411001)`.execute(trx);
}
