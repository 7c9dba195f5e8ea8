/**
 * RFC 6962 batch inclusion proofs: one proof that a set of leaves is in the
 * tree of a given size, sharing the hashes their single audit paths have in
 * common. An evidence package embeds the events its rows cite and one such
 * proof against its signed checkpoint.
 *
 * The proof follows the RFC 6962 recursion MTH(D[lo:lo+n]): split at k, the
 * largest power of two below n. A range holding no proven leaf contributes its
 * subtree hash (one entry of `hashes`); a range holding exactly one proven
 * leaf of size 1 contributes nothing (the verifier hashes the embedded event);
 * any other range recurses into its left then its right half. `hashes` lists
 * the contributions in that depth-first, left-to-right order, so the leaf set
 * and the tree size alone fix how many hashes there are and where each goes.
 */
import { KeyledgerError } from '../../platform/errors.ts';
import { HASH_SIZE, hashChildren } from '../../audit/merkle-hash.ts';
import { largestPowerOfTwoBelow, type LeafRange } from '../../audit/merkle-tree.ts';
import { hashRanges } from '../../audit/tree-storage.ts';
import type { Db } from '../../platform/database.ts';

/** A batch inclusion proof as stored in `ledger/batch-proof.json` (hashes base64). */
export interface BatchProof {
  treeSize: number;
  /** The proven leaves in ascending seq order, with their RFC 6962 leaf hashes. */
  leaves: Array<{ seq: number; leafHash: string }>;
  /** Subtree hashes in recursion order (see the module comment). */
  hashes: string[];
}

/** What a batch proof check found wrong (stable, for callers and tests). */
export type BatchProofFailure =
  | 'bad_size'
  | 'empty_batch'
  | 'index_out_of_range'
  | 'unsorted_leaves'
  | 'missing_leaf_hash'
  | 'hash_size'
  | 'proof_size'
  | 'root_mismatch';

/** A batch proof that is malformed or does not verify; `expected` / `got` say what differed. */
export class BatchProofError extends KeyledgerError {
  override readonly name = 'BatchProofError';
  constructor(
    readonly reason: BatchProofFailure,
    message: string,
    readonly expected?: string,
    readonly got?: string,
  ) {
    super('ledger.proof_invalid', message, { reason, expected, got });
  }
}

const fail = (reason: BatchProofFailure, message: string, expected?: string, got?: string): never => {
  throw new BatchProofError(reason, message, expected, got);
};

/**
 * Checks the leaf set of a batch: a non-empty, strictly ascending list of
 * safe integers in [0, treeSize). Throws BatchProofError naming the first
 * offending position.
 */
export function requireBatchLeaves(seqs: readonly number[], treeSize: number): void {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) fail('bad_size', `tree size must be a safe integer >= 1, got ${treeSize}`, '>= 1', `${treeSize}`);
  if (seqs.length === 0) fail('empty_batch', 'a batch proof needs at least one leaf, got none', '>= 1 leaf', '0');
  for (let i = 0; i < seqs.length; i++) {
    const s = seqs[i];
    if (!Number.isSafeInteger(s) || s < 0 || s >= treeSize) {
      fail('index_out_of_range', `leaf ${i} has index ${s}, expected 0 <= index < tree size ${treeSize}`, `< ${treeSize}`, `${s}`);
    }
    if (i > 0 && s <= seqs[i - 1]) {
      fail('unsorted_leaves', `leaf ${i} has index ${s} after ${seqs[i - 1]}: leaves must be strictly ascending (no duplicates)`, `> ${seqs[i - 1]}`, `${s}`);
    }
  }
}

/**
 * The leaf ranges whose subtree hashes make up the batch proof of `seqs` in a
 * tree of `treeSize`, in proof order. Requires `seqs` strictly ascending, non-
 * empty and within the tree (throws BatchProofError otherwise). Every range
 * starts at a multiple of its own split size, as `hashRange` requires.
 */
export function batchProofRanges(seqs: readonly number[], treeSize: number): LeafRange[] {
  requireBatchLeaves(seqs, treeSize);
  const ranges: LeafRange[] = [];
  // seqs[a..b) are the proven leaves inside [lo, lo + n).
  const walk = (lo: number, n: number, a: number, b: number): void => {
    if (a === b) {
      ranges.push([lo, lo + n]);
      return;
    }
    if (n === 1) return;
    const k = largestPowerOfTwoBelow(n);
    let m = a;
    while (m < b && seqs[m] < lo + k) m++;
    walk(lo, k, a, m);
    walk(lo + k, n - k, m, b);
  };
  walk(0, treeSize, 0, seqs.length);
  return ranges;
}

/**
 * Builds the batch inclusion proof of the leaves `leafIndices` (any order,
 * duplicates collapsed) in the tree of `treeSize`, reading stored subtree and
 * leaf hashes in one `hashRanges` call. Requires a non-empty set within the
 * integrated tree; throws BatchProofError for a bad leaf set.
 */
export async function buildBatchProof(db: Db, leafIndices: readonly number[], treeSize: number): Promise<BatchProof> {
  const seqs = [...new Set(leafIndices)].sort((x, y) => x - y);
  const ranges = batchProofRanges(seqs, treeSize);
  const leafRanges: LeafRange[] = seqs.map((s) => [s, s + 1]);
  const hashes = await hashRanges(db, [...ranges, ...leafRanges]);
  const b64 = (h: Buffer): string => h.toString('base64');
  return {
    treeSize,
    leaves: seqs.map((seq, i) => ({ seq, leafHash: b64(hashes[ranges.length + i]) })),
    hashes: hashes.slice(0, ranges.length).map(b64),
  };
}

function decodeHash(text: unknown, what: string): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (typeof text !== 'string' || bytes.length !== HASH_SIZE || bytes.toString('base64') !== text) {
    fail('hash_size', `${what} must be ${HASH_SIZE} bytes in canonical base64, got ${JSON.stringify(text)}`, `${HASH_SIZE} bytes`, `${bytes.length} bytes`);
  }
  return bytes;
}

/**
 * Recomputes the tree root a batch proof implies. `leafHashesBySeq` holds the
 * leaf hash of every proven leaf (the verifier's own hashes of the embedded
 * events, not the proof's listed ones). Pure. Checks, in order: the tree size,
 * the leaf list (non-empty, ascending, unique, in range), a leaf hash for each
 * leaf, the number of hashes (the leaf set fixes it) and their size; throws
 * BatchProofError saying what was expected and what was found.
 */
export function rootFromBatchProof(leafHashesBySeq: ReadonlyMap<number, Uint8Array>, proof: BatchProof): Buffer {
  const seqs = proof.leaves.map((l) => l.seq);
  const want = batchProofRanges(seqs, proof.treeSize).length;
  if (proof.hashes.length !== want) {
    fail('proof_size', `batch proof for ${seqs.length} leaves in tree size ${proof.treeSize} has ${proof.hashes.length} hashes, expected ${want}`, `${want}`, `${proof.hashes.length}`);
  }
  const hashes = proof.hashes.map((h, i) => decodeHash(h, `hashes[${i}]`));
  const leaves = seqs.map((s) => {
    const h = leafHashesBySeq.get(s);
    if (!h) return fail('missing_leaf_hash', `no leaf hash was given for leaf ${s}`);
    if (h.length !== HASH_SIZE) fail('hash_size', `leaf hash of ${s} is ${h.length} bytes, expected ${HASH_SIZE}`, `${HASH_SIZE}`, `${h.length}`);
    return h;
  });
  let next = 0;
  const walk = (lo: number, n: number, a: number, b: number): Uint8Array => {
    if (a === b) return hashes[next++];
    if (n === 1) return leaves[a];
    const k = largestPowerOfTwoBelow(n);
    let m = a;
    while (m < b && seqs[m] < lo + k) m++;
    const left = walk(lo, k, a, m);
    return hashChildren(left, walk(lo + k, n - k, m, b));
  };
  return Buffer.from(walk(0, proof.treeSize, 0, seqs.length));
}

/**
 * Verifies a batch proof against `root`: returns on success, throws
 * BatchProofError ('root_mismatch' with both roots in hex, or what
 * `rootFromBatchProof` refused).
 */
export function verifyBatchProof(leafHashesBySeq: ReadonlyMap<number, Uint8Array>, proof: BatchProof, root: Uint8Array): void {
  const calculated = rootFromBatchProof(leafHashesBySeq, proof);
  if (!calculated.equals(root)) {
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    fail('root_mismatch', `calculated root ${hex(calculated)} does not match expected root ${hex(root)}`, hex(root), hex(calculated));
  }
}
