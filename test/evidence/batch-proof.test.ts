import { jsonFilesUnder, merkleFixturesDir } from '../support/merkle-fixtures.ts';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, hashChildren, hashLeaf } from '../../src/audit/merkle-hash.ts';
import { inclusionProofRanges, rootOfLeaves } from '../../src/audit/merkle-tree.ts';
import { BatchProofError, batchProofRanges, rootFromBatchProof, verifyBatchProof, type BatchProof } from '../../src/evidence/package/batch-proof.ts';
import { thrown } from '../support/thrown.ts';

// RFC 6962 vectors from transparency-dev/merkle (see /work/shared/fixtures/README.md).
const FIXTURES = merkleFixturesDir();

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  wantErr: boolean;
  file: string;
}
const probes: InclusionProbe[] = jsonFilesUnder(join(FIXTURES, 'inclusion')).map((p) => ({ ...JSON.parse(readFileSync(p, 'utf8')), file: relative(FIXTURES, p) }));

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/** An RFC 6962 audit path reordered as a one-leaf batch proof lists it (kept as is when the vector's sizes are impossible). */
function leftToRight(p: InclusionProbe): string[] {
  const proof = p.proof ?? [];
  let ranges: Array<[number, number]>;
  try {
    ranges = inclusionProofRanges(p.leafIdx, p.treeSize);
  } catch {
    return proof;
  }
  if (ranges.length !== proof.length) return proof;
  return ranges.map((r, i) => ({ start: r[0], hash: proof[i] })).sort((a, b) => a.start - b.start).map((x) => x.hash);
}

function naiveMth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hashChildren(naiveMth(leaves.slice(0, k)), naiveMth(leaves.slice(k)));
}

/** A batch proof built in memory from all the leaf hashes (what buildBatchProof reads from storage). */
function proofOf(leaves: readonly Buffer[], seqs: number[]): { proof: BatchProof; bySeq: Map<number, Buffer> } {
  const sorted = [...seqs].sort((a, b) => a - b);
  const hashes = batchProofRanges(sorted, leaves.length).map(([a, b]) => naiveMth(leaves.slice(a, b)).toString('base64'));
  return {
    proof: { treeSize: leaves.length, leaves: sorted.map((seq) => ({ seq, leafHash: leaves[seq].toString('base64') })), hashes },
    bySeq: new Map(sorted.map((s) => [s, leaves[s]])),
  };
}

// Deterministic pseudo-random numbers (a test that fails must fail the same way again).
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const leavesOf = (n: number, tag = 0): Buffer[] => Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`leaf ${tag}/${i}`)));

describe('batch inclusion proofs against the transparency-dev inclusion vectors', () => {
  // A batch of one leaf holds that leaf's audit path, ordered left to right (by range start) instead of bottom-up.
  it('a one-leaf batch with the audit path in range order gives the vector root', () => {
    const happy = probes.filter((p) => !p.wantErr && p.treeSize > 0);
    expect(happy.length).toBeGreaterThanOrEqual(5);
    for (const p of happy) {
      const proof: BatchProof = { treeSize: p.treeSize, leaves: [{ seq: p.leafIdx, leafHash: p.leafHash }], hashes: leftToRight(p) };
      expect(rootFromBatchProof(new Map([[p.leafIdx, b64(p.leafHash)]]), proof).toString('base64'), p.file).toBe(p.root);
    }
  });

  it('every tampered vector is refused', () => {
    const bad = probes.filter((p) => p.wantErr);
    expect(bad.length).toBeGreaterThanOrEqual(50);
    for (const p of bad) {
      const proof: BatchProof = { treeSize: p.treeSize, leaves: [{ seq: p.leafIdx, leafHash: p.leafHash }], hashes: leftToRight(p) };
      const leaf = Buffer.from(p.leafHash, 'base64');
      const err = thrown(() => verifyBatchProof(new Map([[p.leafIdx, leaf]]), proof, b64(p.root)));
      expect(err, p.file).toBeInstanceOf(BatchProofError);
      expect(err).toMatchObject({ code: 'ledger.proof_invalid' });
    }
  });
});

describe('batch inclusion proofs over generated trees', () => {
  it('give the tree root for every subset of the 8-leaf reference tree at every size', () => {
    const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
    const leaves = inputs.map((h) => hashLeaf(Buffer.from(h, 'hex')));
    expect(naiveMth(leaves).toString('hex')).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
    for (let n = 1; n <= 8; n++) {
      for (let mask = 1; mask < 2 ** n; mask++) {
        const seqs = [...Array(n).keys()].filter((i) => mask & (1 << i));
        const { proof, bySeq } = proofOf(leaves.slice(0, n), seqs);
        expect(rootFromBatchProof(bySeq, proof).equals(naiveMth(leaves.slice(0, n))), `n=${n} leaves=${seqs}`).toBe(true);
      }
    }
  });

  it('give rootOfLeaves for random trees and random leaf subsets, including n = 1, all leaves, first and last', () => {
    const rand = prng(6962);
    const sizes = [1, 2, 3, 5, 8, 13, 64, 100, 257, 1000];
    for (const n of sizes) {
      const leaves = leavesOf(n, n);
      const root = rootOfLeaves(leaves);
      const subsets = [[0], [n - 1], [...Array(n).keys()], [0, n - 1]];
      for (let t = 0; t < 20; t++) {
        const p = rand();
        subsets.push([...Array(n).keys()].filter(() => rand() < p));
      }
      for (const seqs of subsets.filter((s) => s.length > 0)) {
        const { proof, bySeq } = proofOf(leaves, [...new Set(seqs)]);
        expect(() => verifyBatchProof(bySeq, proof, root), `n=${n} ${seqs.length} leaves`).not.toThrow();
      }
    }
  });

  it('needs no hashes when every leaf is proven and log2-many for one leaf', () => {
    expect(batchProofRanges([...Array(13).keys()], 13)).toEqual([]);
    expect(batchProofRanges([5], 8)).toEqual([[0, 4], [4, 5], [6, 8]]);
    expect(batchProofRanges([0], 1)).toEqual([]);
  });
});

describe('a tampered batch proof is refused', () => {
  const leaves = leavesOf(37);
  const root = rootOfLeaves(leaves);
  const { proof, bySeq } = proofOf(leaves, [3, 4, 17, 30, 36]);
  const check = (p: BatchProof, hashes = bySeq) => thrown(() => verifyBatchProof(hashes, p, root));

  it('the untampered proof verifies and has several hashes', () => {
    expect(() => verifyBatchProof(bySeq, proof, root)).not.toThrow();
    expect(proof.hashes.length).toBeGreaterThanOrEqual(5);
  });

  it('a flipped bit in any hash', () => {
    for (let i = 0; i < proof.hashes.length; i++) {
      const bytes = b64(proof.hashes[i]);
      bytes[i % 32] ^= 1 << i % 8;
      const hashes = proof.hashes.with(i, bytes.toString('base64'));
      expect(check({ ...proof, hashes }), `hash ${i}`).toMatchObject({ reason: 'root_mismatch', expected: root.toString('hex') });
    }
  });

  it('a dropped or an extra hash, naming the expected and found counts', () => {
    const n = proof.hashes.length;
    expect(check({ ...proof, hashes: proof.hashes.slice(1) })).toMatchObject({ reason: 'proof_size', expected: `${n}`, got: `${n - 1}` });
    expect(check({ ...proof, hashes: [...proof.hashes, proof.hashes[0]] })).toMatchObject({ reason: 'proof_size', expected: `${n}`, got: `${n + 1}` });
  });

  it('a swapped pair of hashes', () => {
    for (let i = 0; i + 1 < proof.hashes.length; i++) {
      const hashes = [...proof.hashes];
      [hashes[i], hashes[i + 1]] = [hashes[i + 1], hashes[i]];
      expect(check({ ...proof, hashes }), `swap ${i}`).toMatchObject({ reason: 'root_mismatch' });
    }
  });

  it('a changed leaf hash', () => {
    const changed = new Map(bySeq);
    changed.set(17, leaves[18]);
    expect(check(proof, changed)).toMatchObject({ reason: 'root_mismatch' });
  });

  it('unsorted, duplicate, out-of-range or no leaves, and a missing leaf hash', () => {
    const swapped = [...proof.leaves];
    [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
    expect(check({ ...proof, leaves: swapped })).toMatchObject({ reason: 'unsorted_leaves' });
    expect(check({ ...proof, leaves: [...proof.leaves, proof.leaves[4]] })).toMatchObject({ reason: 'unsorted_leaves', got: '36' });
    expect(check({ ...proof, leaves: [...proof.leaves, { seq: 37, leafHash: '' }] })).toMatchObject({ reason: 'index_out_of_range', expected: '< 37', got: '37' });
    expect(check({ ...proof, leaves: [] })).toMatchObject({ reason: 'empty_batch' });
    expect(check({ ...proof, treeSize: 0 })).toMatchObject({ reason: 'bad_size' });
    const without = new Map(bySeq);
    without.delete(30);
    expect(check(proof, without)).toMatchObject({ reason: 'missing_leaf_hash' });
  });

  it('a hash that is not 32 bytes of canonical base64', () => {
    expect(check({ ...proof, hashes: proof.hashes.with(0, proof.hashes[0].slice(0, -4)) })).toMatchObject({ reason: 'hash_size' });
    expect(check({ ...proof, hashes: proof.hashes.with(0, 'not base64!') })).toMatchObject({ reason: 'hash_size' });
  });

  it('a proof for another tree size', () => {
    expect(check({ ...proof, treeSize: 38 })).toBeInstanceOf(BatchProofError);
  });
});
