/**
 * Pure RFC 6962 Merkle tree algorithms for the audit ledger: tree shape,
 * proof *ranges*, range hashing and the append-only frontier. The verifiers
 * are in `merkle-proof.ts`.
 *
 * Nothing here touches storage. Proof builders return leaf ranges; the
 * storage layer turns each range into a hash with `hashRange`, fetching the
 * stored perfect-subtree hashes that `perfectSubtrees` names.
 *
 * Sizes and indices are JavaScript numbers and must be safe integers; bit
 * operations are done arithmetically so trees beyond 2^32 leaves work too.
 */
import { KeyledgerError } from '../platform/errors.ts';
import { EMPTY_ROOT, HASH_SIZE, hashChildren } from './merkle-hash.ts';

/** A node of the tree covering leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  level: number;
  index: number;
}

/** A perfect node created by `CompactRange.append`, for the caller to store. */
export interface PerfectNode extends NodeId {
  hash: Buffer;
}

/** A half-open leaf range [start, end). */
export type LeafRange = [start: number, end: number];

/** Looks up the stored hash of a perfect node (level 0 = the leaf hash). */
export type PerfectNodeHash = (level: number, index: number) => Buffer;

/** A tree size, index or range that breaks a function's stated precondition. */
export class MerkleRangeError extends KeyledgerError {
  override readonly name = 'MerkleRangeError';
  constructor(message: string) {
    super('ledger.range_invalid', message);
  }
}

// ---------------------------------------------------------------------------
// Safe-integer bit arithmetic (JS bitwise operators stop at 32 bits).

const TWO_32 = 2 ** 32;

function bitLength(x: number): number {
  return x < TWO_32 ? 32 - Math.clz32(x) : 64 - Math.clz32(Math.floor(x / TWO_32));
}

// Requires x > 0.
function trailingZeros(x: number): number {
  const lo = x % TWO_32;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  return 32 + trailingZeros(Math.floor(x / TWO_32));
}

function popCount32(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

function popCount(x: number): number {
  return popCount32(x % TWO_32) + popCount32(Math.floor(x / TWO_32));
}

function isCount(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

function requireRange(start: number, end: number): void {
  if (!isCount(start) || !isCount(end) || start > end) {
    throw new MerkleRangeError(
      `invalid leaf range [${start}, ${end}): expected safe integers with 0 <= start <= end`,
    );
  }
}

// ---------------------------------------------------------------------------
// Tree shape.

/**
 * Returns k, the largest power of two with k < n <= 2k (RFC 6962's split point).
 * Requires n to be a safe integer >= 2.
 */
export function largestPowerOfTwoBelow(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) {
    throw new MerkleRangeError(`largestPowerOfTwoBelow needs a safe integer n >= 2, got ${n}`);
  }
  return 2 ** (bitLength(n - 1) - 1);
}

/**
 * Decomposes the leaf range [start, end) into maximal aligned perfect subtrees,
 * left to right. For [0, size) this is the tree's right frontier (largest first).
 * Requires 0 <= start <= end (safe integers); an empty range gives [].
 */
export function perfectSubtrees(start: number, end: number): NodeId[] {
  requireRange(start, end);
  const nodes: NodeId[] = [];
  while (start < end) {
    const fits = bitLength(end - start) - 1;
    const level = start === 0 ? fits : Math.min(trailingZeros(start), fits);
    const width = 2 ** level;
    nodes.push({ level, index: start / width });
    start += width;
  }
  return nodes;
}

/**
 * Leaf ranges whose Merkle tree hashes form the RFC 6962 §2.1.1 audit path of
 * leaf `index` in a tree of `size`, in proof order (bottom-up).
 * Requires 0 <= index < size (safe integers).
 */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  if (!isCount(index) || !isCount(size) || index >= size) {
    throw new MerkleRangeError(`inclusion proof needs 0 <= index < size, got index ${index}, size ${size}`);
  }
  const ranges: LeafRange[] = [];
  let lo = 0;
  let n = size;
  while (n > 1) {
    const k = largestPowerOfTwoBelow(n);
    if (index < lo + k) {
      ranges.push([lo + k, lo + n]);
      n = k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
      n -= k;
    }
  }
  return ranges.reverse();
}

/**
 * Leaf ranges whose Merkle tree hashes form the RFC 6962 §2.1.2 consistency
 * proof from tree size m to n, in proof order. m == n gives [].
 * Requires 0 < m <= n (safe integers).
 */
export function consistencyProofRanges(m: number, n: number): LeafRange[] {
  if (!isCount(m) || !isCount(n) || m === 0 || m > n) {
    throw new MerkleRangeError(`consistency proof needs 0 < m <= n, got m ${m}, n ${n}`);
  }
  const ranges: LeafRange[] = [];
  let lo = 0;
  let size = n;
  let first = m;
  let wholeOldTree = true; // RFC 6962 SUBPROOF's flag b
  while (first !== size) {
    const k = largestPowerOfTwoBelow(size);
    if (first <= k) {
      ranges.push([lo + k, lo + size]);
      size = k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
      first -= k;
      size -= k;
      wholeOldTree = false;
    }
  }
  if (!wholeOldTree) ranges.push([lo, lo + size]);
  return ranges.reverse();
}

/**
 * Computes MTH(D[start:end]) from perfect-subtree hashes by folding the
 * `perfectSubtrees` decomposition right to left.
 *
 * Requires start to be a multiple of k, the largest power of two below
 * end - start (RFC 6962's split point for the range). Exactly then does every
 * RFC 6962 split fall on a boundary of the aligned decomposition, so the right
 * fold equals MTH; [1, 4), for one, would fold as H(l1, H(l2, l3)) where MTH
 * is H(H(l1, l2), l3). Every range from `inclusionProofRanges` /
 * `consistencyProofRanges`, and every [0, size), meets it. An empty range
 * yields EMPTY_ROOT.
 */
export function hashRange(start: number, end: number, perfectNodeHash: PerfectNodeHash): Buffer {
  requireRange(start, end);
  if (start === end) return EMPTY_ROOT;
  const split = end - start === 1 ? 1 : largestPowerOfTwoBelow(end - start);
  if (start % split !== 0) {
    throw new MerkleRangeError(
      `hashRange [${start}, ${end}): start must be a multiple of the range's split size ${split} for the fold to equal MTH`,
    );
  }
  const nodes = perfectSubtrees(start, end);
  let last = nodes[nodes.length - 1];
  let hash = perfectNodeHash(last.level, last.index);
  for (let i = nodes.length - 2; i >= 0; i--) {
    last = nodes[i];
    hash = hashChildren(perfectNodeHash(last.level, last.index), hash);
  }
  return hash;
}

// ---------------------------------------------------------------------------
// Append-only frontier.

function requireHash(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH_SIZE) {
    throw new MerkleRangeError(`${what} is ${hash.length} bytes, expected ${HASH_SIZE}`);
  }
}

/**
 * The right frontier of an append-only tree: the hashes of
 * `perfectSubtrees(0, size)`, enough to append leaves and compute the root.
 */
export class CompactRange {
  #size: number;
  readonly #frontier: Buffer[];

  /**
   * Resumes from a stored state. Requires `frontier` to hold exactly the
   * hashes of `perfectSubtrees(0, size)` in order (one per set bit of size).
   */
  constructor(size = 0, frontier: readonly Buffer[] = []) {
    if (!isCount(size)) throw new MerkleRangeError(`tree size must be a safe integer >= 0, got ${size}`);
    if (frontier.length !== popCount(size)) {
      throw new MerkleRangeError(
        `a tree of size ${size} has ${popCount(size)} frontier hashes, got ${frontier.length}`,
      );
    }
    frontier.forEach((hash, i) => requireHash(hash, `frontier[${i}]`));
    this.#size = size;
    this.#frontier = [...frontier];
  }

  /** Same as the constructor; reads better at a resume site. */
  static fromFrontier(size: number, frontier: readonly Buffer[]): CompactRange {
    return new CompactRange(size, frontier);
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** The frontier hashes (of `perfectSubtrees(0, size)`), as a copy. */
  frontier(): Buffer[] {
    return [...this.#frontier];
  }

  /**
   * Appends one leaf hash (32 bytes) and returns the perfect nodes of level
   * >= 1 that it completes, lowest first, so the caller can store them.
   */
  append(leafHash: Buffer): PerfectNode[] {
    requireHash(leafHash, 'leaf hash');
    const created: PerfectNode[] = [];
    let hash = leafHash;
    let index = this.#size;
    let level = 0;
    while (index % 2 === 1) {
      hash = hashChildren(this.#frontier.pop()!, hash);
      index = (index - 1) / 2;
      level++;
      created.push({ level, index, hash });
    }
    this.#frontier.push(hash);
    this.#size++;
    return created;
  }

  /** Like `append` without reporting the new nodes (the verification fast path). */
  push(leafHash: Buffer): void {
    requireHash(leafHash, 'leaf hash');
    let hash = leafHash;
    for (let index = this.#size; index % 2 === 1; index = (index - 1) / 2) {
      hash = hashChildren(this.#frontier.pop()!, hash);
    }
    this.#frontier.push(hash);
    this.#size++;
  }

  /** MTH of the leaves so far; EMPTY_ROOT when there are none. */
  root(): Buffer {
    const f = this.#frontier;
    if (f.length === 0) return EMPTY_ROOT;
    let hash = f[f.length - 1];
    for (let i = f.length - 2; i >= 0; i--) hash = hashChildren(f[i], hash);
    return hash;
  }
}

/** MTH of all the given leaf hashes (each 32 bytes), in one pass. */
export function rootOfLeaves(leafHashes: Iterable<Buffer>): Buffer {
  const range = new CompactRange();
  for (const leaf of leafHashes) range.push(leaf);
  return range.root();
}

/**
 * Roots of the tree at each of `sizes` (any order, duplicates allowed), in one
 * pass over the leaf hashes; result i is the root at sizes[i]. Stops reading
 * once the largest size is reached. Requires each size to be a safe integer
 * >= 0 and the leaves to reach the largest size.
 */
export function rootsAtSizes(leafHashes: Iterable<Buffer>, sizes: readonly number[]): Buffer[] {
  for (const s of sizes) {
    if (!isCount(s)) throw new MerkleRangeError(`tree size must be a safe integer >= 0, got ${s}`);
  }
  const wanted = [...new Set(sizes)].sort((a, b) => a - b);
  const roots = new Map<number, Buffer>();
  const range = new CompactRange();
  let next = 0;
  if (wanted[next] === 0) roots.set(wanted[next++], EMPTY_ROOT);
  if (next < wanted.length) {
    for (const leaf of leafHashes) {
      range.push(leaf);
      if (range.size === wanted[next]) {
        roots.set(wanted[next++], range.root());
        if (next === wanted.length) break;
      }
    }
  }
  if (next < wanted.length) {
    throw new MerkleRangeError(
      `leaves ran out at tree size ${range.size}, but a root was requested at size ${wanted[next]}`,
    );
  }
  return sizes.map((s) => roots.get(s)!);
}
