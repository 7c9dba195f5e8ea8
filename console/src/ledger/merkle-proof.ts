/**
 * RFC 6962 / RFC 9162 Merkle hashing and inclusion-proof verification with
 * Web Crypto, for checking in the browser what src/audit/merkle-proof.ts
 * checks on the server:
 *
 *   leaf hash = SHA-256(0x00 ‖ data)
 *   node hash = SHA-256(0x01 ‖ left ‖ right)
 *
 * The root is computed as transparency-dev/merkle `proof/verify.go` does: the
 * proof splits into an inner part (the path below the point where the leaf's
 * and the last leaf's paths meet) and a border part (left siblings above it).
 * The proof's length is checked against the one RFC 6962 prescribes before
 * any hashing, so a truncated or padded proof is named as such.
 */
import { concatBytes, LedgerVerifyError, sha256 } from './bytes.ts';

export const HASH_SIZE = 32;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** Returns the RFC 6962 leaf hash SHA-256(0x00 ‖ data). */
export function hashLeaf(data: Uint8Array): Promise<Uint8Array> {
  return sha256(LEAF_PREFIX, data);
}

/** Returns the RFC 6962 interior node hash SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

const bitLength = (n: bigint): number => n.toString(2).replace(/^0+/, '').length;
const onesCount = (n: bigint): number => n.toString(2).replaceAll('0', '').length;

/** Inner and border lengths of the inclusion proof of leaf `index` in a tree of `size`. Requires 0 <= index < size. */
function decomposeInclusionProof(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(BigInt(index) ^ BigInt(size - 1));
  return { inner, border: onesCount(BigInt(index) >> BigInt(inner)) };
}

/** The number of hashes RFC 6962 prescribes for the inclusion proof of leaf `index` in a tree of `size`. Requires 0 <= index < size. */
export function inclusionProofLength(index: number, size: number): number {
  const { inner, border } = decomposeInclusionProof(index, size);
  return inner + border;
}

const fail = (reason: string, message: string): never => {
  throw new LedgerVerifyError(reason, message);
};

/**
 * Computes the root implied by an inclusion proof for leaf `index` in a tree
 * of `size` (RFC 9162 §2.1.3.2). Requires safe integers 0 <= index < size, a
 * 32-byte leaf hash and exactly the RFC 6962 number of 32-byte proof hashes;
 * throws LedgerVerifyError ('bad_size', 'index_out_of_range', 'hash_size',
 * 'proof_size') otherwise.
 */
export async function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(index) || index < 0) fail('bad_size', `leaf index must be a safe integer >= 0, got ${index}`);
  if (!Number.isSafeInteger(size) || size < 0) fail('bad_size', `tree size must be a safe integer >= 0, got ${size}`);
  if (index >= size) fail('index_out_of_range', `leaf index ${index} is beyond tree size ${size}`);
  if (leafHash.length !== HASH_SIZE) fail('hash_size', `leaf hash is ${leafHash.length} bytes, expected ${HASH_SIZE}`);
  const { inner, border } = decomposeInclusionProof(index, size);
  if (proof.length !== inner + border) {
    fail('proof_size', `inclusion proof for leaf ${index} in tree size ${size} has ${proof.length} hashes, expected ${inner + border}`);
  }
  proof.forEach((h, i) => {
    if (h.length !== HASH_SIZE) fail('hash_size', `proof[${i}] is ${h.length} bytes, expected ${HASH_SIZE}`);
  });

  let node = leafHash;
  for (let i = 0; i < inner; i++) {
    // Bit i of the index says whether the running node is a right child at height i.
    const isRight = (BigInt(index) >> BigInt(i)) & 1n;
    node = isRight ? await hashChildren(proof[i], node) : await hashChildren(node, proof[i]);
  }
  for (let i = inner; i < proof.length; i++) node = await hashChildren(proof[i], node);
  return node;
}
