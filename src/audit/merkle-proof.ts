/**
 * Verifier side of RFC 6962 Merkle proofs: the algorithms of RFC 9162
 * §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), with the accept/reject
 * behaviour of transparency-dev/merkle `proof/verify.go` — including that a
 * consistency proof from size 0 is refused even when both sizes are 0.
 *
 * Before hashing anything, the proof length is checked against the length
 * RFC 6962 prescribes for those sizes, so a truncated or padded proof is
 * reported as such ("expected 3 hashes, got 4") rather than as a root mismatch.
 */
import { KeyledgerError } from '../platform/errors.ts';
import { HASH_SIZE, hashChildren } from './merkle-hash.ts';
import { consistencyProofRanges, inclusionProofRanges } from './merkle-tree.ts';

/** What a proof check found wrong (stable, for callers and tests). */
export type MerkleProofFailure =
  | 'bad_size'
  | 'index_out_of_range'
  | 'empty_tree'
  | 'hash_size'
  | 'proof_size'
  | 'root_mismatch';

/** A proof that does not verify; `expected` / `got` say what differed. */
export class MerkleProofError extends KeyledgerError {
  override readonly name = 'MerkleProofError';
  constructor(
    readonly reason: MerkleProofFailure,
    message: string,
    readonly expected?: string,
    readonly got?: string,
  ) {
    super('ledger.proof_invalid', message, { reason, expected, got });
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const isOdd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);
const isPowerOfTwo = (x: number): boolean => x > 0 && 2 ** Math.round(Math.log2(x)) === x;

function requireCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MerkleProofError('bad_size', `${name} must be a safe integer >= 0, got ${value}`);
  }
}

function requireHashSize(name: string, h: Uint8Array): void {
  if (h.length !== HASH_SIZE) {
    throw new MerkleProofError('hash_size', `${name} is ${h.length} bytes, expected ${HASH_SIZE}`, `${HASH_SIZE}`, `${h.length}`);
  }
}

function requireProofLength(what: string, proof: readonly Uint8Array[], want: number): void {
  if (proof.length !== want) {
    throw new MerkleProofError('proof_size', `${what} has ${proof.length} hashes, expected ${want}`, `${want}`, `${proof.length}`);
  }
  proof.forEach((h, i) => requireHashSize(`proof[${i}]`, h));
}

function requireMatch(which: string, calculated: Buffer, expected: Uint8Array): void {
  if (!calculated.equals(expected)) {
    throw new MerkleProofError(
      'root_mismatch',
      `calculated ${which} ${hex(calculated)} does not match expected ${which} ${hex(expected) || '(empty)'}`,
      hex(expected),
      hex(calculated),
    );
  }
}

/**
 * Computes the root implied by an inclusion proof for leaf `index` in a tree
 * of `size` (RFC 9162 §2.1.3.2 steps 1–4). Requires 0 <= index < size, a
 * 32-byte leaf hash and a proof of exactly the RFC 6962 length made of 32-byte
 * hashes; throws MerkleProofError otherwise.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Buffer {
  requireCount('leaf index', index);
  requireCount('tree size', size);
  if (index >= size) {
    throw new MerkleProofError('index_out_of_range', `leaf index ${index} is beyond tree size ${size}`, `< ${size}`, `${index}`);
  }
  requireHashSize('leaf hash', leafHash);
  requireProofLength(`inclusion proof for leaf ${index} in tree size ${size}`, proof, inclusionProofRanges(index, size).length);

  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return r; // sn is 0 here: the proof length was checked up front
}

/**
 * Verifies that `leafHash` is leaf `index` of the tree of `size` whose root is
 * `root`. Requires 0 <= index < size. Returns on success; throws
 * MerkleProofError saying what was expected and what was found.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  requireMatch('root', rootFromInclusionProof(leafHash, index, size, proof), root);
}

/**
 * Checks a consistency proof against `root1`, the root at size1, and returns
 * the root it implies at size2 (RFC 9162 §2.1.4.2). Requires
 * 0 < size1 <= size2: a proof from an empty tree is meaningless and refused;
 * size1 == size2 needs an empty proof and returns root1 as given. Throws
 * MerkleProofError.
 */
export function rootFromConsistencyProof(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
): Buffer {
  requireCount('size1', size1);
  requireCount('size2', size2);
  if (size2 < size1) {
    throw new MerkleProofError('bad_size', `size2 (${size2}) is smaller than size1 (${size1})`, `>= ${size1}`, `${size2}`);
  }
  if (size1 === 0) {
    throw new MerkleProofError('empty_tree', 'a consistency proof from an empty tree (size1 = 0) is meaningless', '> 0', '0');
  }
  if (size1 === size2) {
    if (proof.length !== 0) {
      throw new MerkleProofError('proof_size', `size1 = size2 = ${size1} needs an empty proof, got ${proof.length} hashes`, '0', `${proof.length}`);
    }
    return Buffer.from(root1);
  }
  requireProofLength(`consistency proof from size ${size1} to ${size2}`, proof, consistencyProofRanges(size1, size2).length);
  requireHashSize('root1', root1);

  // When size1 is a power of two, the old tree is a node of the new one and
  // the proof omits its hash: root1 takes its place.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  requireMatch('root1', fr, root1);
  return sr;
}

/**
 * Verifies that the tree of size2 with `root2` is an append-only extension of
 * the tree of size1 with `root1`. Requires 0 < size1 <= size2. Returns on
 * success; throws MerkleProofError saying what was expected and what was found.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  requireMatch('root2', rootFromConsistencyProof(size1, size2, proof, root1), root2);
}
