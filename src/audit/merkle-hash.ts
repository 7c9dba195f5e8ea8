/**
 * RFC 6962 §2.1 hashing for the audit ledger's Merkle tree (SHA-256).
 *
 *   leaf hash  = SHA-256(0x00 ‖ data)
 *   node hash  = SHA-256(0x01 ‖ left ‖ right)
 *   empty root = SHA-256("")
 *
 * These run once per event plus about once more per event during full-ledger
 * verification, so each call avoids per-call allocations beyond its result:
 * the input is assembled in a module-private scratch buffer (safe because the
 * hash is synchronous and nothing can re-enter between fill and hash).
 *
 * Why the latin1 round trip: on Node 20, `crypto.hash(alg, data, 'buffer')`
 * builds each 32-byte result as a fresh C++-allocated ArrayBuffer, which costs
 * about twice the hash itself; returning a latin1 string and decoding it with
 * `Buffer.from(s, 'latin1')` (lossless for bytes 0–255) lands the result in
 * Node's Buffer pool instead. Consequence for callers: a returned hash may be
 * a 32-byte slice of a shared pool ArrayBuffer — pass the Buffer itself (not
 * `hash.buffer`) to storage, and never write into it.
 */
import crypto from 'node:crypto';

/** Size in bytes of every hash this module returns. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

// crypto.hash exists from Node 20.12 / 21.7; fall back to createHash elsewhere.
// 'binary' is Node's name for latin1 in the typings.
const oneShot: (data: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'binary')
    : (data) => crypto.createHash('sha256').update(data).digest('binary');

function sha256(data: Uint8Array): Buffer {
  return Buffer.from(oneShot(data), 'binary');
}

/** SHA-256 of the empty string: the root of a tree with no leaves. */
export const EMPTY_ROOT: Buffer = crypto.createHash('sha256').digest();

// Fixed 65-byte input for the common case of two 32-byte children.
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
nodeInput[0] = NODE_PREFIX;

// Growable input for leaves (and for children of unusual sizes).
let scratch = new Uint8Array(1024);

function scratchOf(length: number): Uint8Array {
  if (scratch.length < length) {
    let size = scratch.length;
    while (size < length) size *= 2;
    scratch = new Uint8Array(size);
  }
  return scratch;
}

/**
 * Returns the RFC 6962 leaf hash SHA-256(0x00 ‖ data).
 * Any length of `data` is accepted; the caller owns `data` and it is not kept.
 */
export function hashLeaf(data: Uint8Array): Buffer {
  const length = data.length + 1;
  const buf = scratchOf(length);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return sha256(new Uint8Array(buf.buffer, buf.byteOffset, length));
}

/**
 * Returns the RFC 6962 interior node hash SHA-256(0x01 ‖ left ‖ right).
 * Normally both children are 32-byte hashes; other lengths are hashed
 * faithfully (plain concatenation, as RFC 6962 defines it) on a slower path.
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    nodeInput.set(left, 1);
    nodeInput.set(right, 1 + HASH_SIZE);
    return sha256(nodeInput);
  }
  const length = 1 + left.length + right.length;
  const buf = scratchOf(length);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(new Uint8Array(buf.buffer, buf.byteOffset, length));
}
