import { thrown } from '../../test/support/thrown.ts';
import { jsonFilesUnder, merkleFixturesDir } from '../../test/support/merkle-fixtures.ts';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, hashChildren, hashLeaf } from './merkle-hash.ts';
import {
  MerkleProofError,
  rootFromConsistencyProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './merkle-proof.ts';
import { consistencyProofRanges, inclusionProofRanges } from './merkle-tree.ts';

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyProbe {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const FIXTURES = merkleFixturesDir();
const load = <T,>(path: string): T & { file: string } => ({ ...(JSON.parse(readFileSync(path, 'utf8')) as T), file: relative(FIXTURES, path) });
const inclusionProbes = jsonFilesUnder(join(FIXTURES, 'inclusion')).map((p) => load<InclusionProbe>(p));
const consistencyProbes = jsonFilesUnder(join(FIXTURES, 'consistency')).map((p) => load<ConsistencyProbe>(p));

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
// Go marshals a nil proof slice as null.
const proofOf = (p: { proof: string[] | null }): Buffer[] => (p.proof ?? []).map(b64);


// The reference tree the fixtures were generated from (README).
const REFERENCE_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const referenceLeafHashes = REFERENCE_LEAVES.map((h) => hashLeaf(Buffer.from(h, 'hex')));
function naiveMth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hashChildren(naiveMth(leaves.slice(0, k)), naiveMth(leaves.slice(k)));
}
const referenceRoot = (size: number): Buffer | null =>
  size >= 1 && size <= referenceLeafHashes.length ? naiveMth(referenceLeafHashes.slice(0, size)) : null;

describe('transparency-dev inclusion vectors', () => {
  it('are all present', () => {
    expect(inclusionProbes.length).toBeGreaterThanOrEqual(80);
    expect(inclusionProbes.filter((p) => !p.wantErr).length).toBeGreaterThanOrEqual(5);
  });

  it.each(inclusionProbes.map((p) => [p.file, p] as const))('%s', (_file, p) => {
    const check = () => verifyInclusion(b64(p.leafHash), p.leafIdx, p.treeSize, proofOf(p), b64(p.root));
    if (p.wantErr) {
      expect(thrown(check)).toMatchObject({ name: 'MerkleProofError', code: 'ledger.proof_invalid', expose: true });
    } else {
      expect(check).not.toThrow();
    }
  });

  it('are reproduced by inclusionProofRanges over the reference tree', () => {
    const happy = inclusionProbes.filter((p) => !p.wantErr && referenceRoot(p.treeSize)?.equals(b64(p.root)));
    expect(happy.length).toBeGreaterThanOrEqual(4);
    for (const p of happy) {
      const tree = referenceLeafHashes.slice(0, p.treeSize);
      const built = inclusionProofRanges(p.leafIdx, p.treeSize).map(([a, b]) => naiveMth(tree.slice(a, b)).toString('base64'));
      expect(built, p.file).toEqual(p.proof ?? []);
      expect(tree[p.leafIdx].toString('base64')).toBe(p.leafHash);
    }
  });
});

describe('transparency-dev consistency vectors', () => {
  it('are all present', () => {
    expect(consistencyProbes.length).toBeGreaterThanOrEqual(80);
    expect(consistencyProbes.filter((p) => !p.wantErr).length).toBeGreaterThanOrEqual(5);
  });

  it.each(consistencyProbes.map((p) => [p.file, p] as const))('%s', (_file, p) => {
    const check = () => verifyConsistency(p.size1, p.size2, proofOf(p), b64(p.root1), b64(p.root2));
    if (p.wantErr) {
      expect(thrown(check)).toMatchObject({ name: 'MerkleProofError', code: 'ledger.proof_invalid', expose: true });
    } else {
      expect(check).not.toThrow();
    }
  });

  it('are reproduced by consistencyProofRanges over the reference tree', () => {
    const happy = consistencyProbes.filter(
      (p) => !p.wantErr && referenceRoot(p.size1)?.equals(b64(p.root1)) && referenceRoot(p.size2)?.equals(b64(p.root2)),
    );
    expect(happy.length).toBeGreaterThanOrEqual(4);
    for (const p of happy) {
      const built = consistencyProofRanges(p.size1, p.size2).map(([a, b]) => naiveMth(referenceLeafHashes.slice(a, b)).toString('base64'));
      expect(built, p.file).toEqual(p.proof ?? []);
    }
  });
});

describe('proof errors', () => {
  const leaves = referenceLeafHashes;
  const root8 = naiveMth(leaves);
  const proofFor = (index: number) => inclusionProofRanges(index, 8).map(([a, b]) => naiveMth(leaves.slice(a, b)));

  it('name the expected and calculated roots on a mismatch', () => {
    const wrongRoot = Buffer.alloc(32, 7);
    const err = thrown(() => verifyInclusion(leaves[5], 5, 8, proofFor(5), wrongRoot));
    expect(err).toBeInstanceOf(MerkleProofError);
    expect(err).toMatchObject({ reason: 'root_mismatch', expected: wrongRoot.toString('hex'), got: root8.toString('hex') });
    expect((err as Error).message).toContain(wrongRoot.toString('hex'));
    expect((err as Error).message).toContain(root8.toString('hex'));
  });

  it('name the expected and actual proof length', () => {
    const err = thrown(() => verifyInclusion(leaves[5], 5, 8, [...proofFor(5), root8], root8));
    expect(err).toMatchObject({ reason: 'proof_size', expected: '3', got: '4' });
  });

  it('refuse bad sizes and hashes before hashing anything', () => {
    expect(thrown(() => rootFromInclusionProof(leaves[0], 8, 8, []))).toMatchObject({ reason: 'index_out_of_range' });
    expect(thrown(() => rootFromInclusionProof(leaves[0], 2 ** 64 - 1, 8, []))).toMatchObject({ reason: 'bad_size' });
    expect(thrown(() => rootFromInclusionProof(Buffer.alloc(31), 0, 1, []))).toMatchObject({ reason: 'hash_size' });
    const proof = proofFor(0);
    proof[1] = Buffer.alloc(0);
    expect(thrown(() => rootFromInclusionProof(leaves[0], 0, 8, proof))).toMatchObject({ reason: 'hash_size' });
    expect(thrown(() => rootFromConsistencyProof(0, 0, [], EMPTY_ROOT))).toMatchObject({ reason: 'empty_tree' });
    expect(thrown(() => rootFromConsistencyProof(3, 2, [], root8))).toMatchObject({ reason: 'bad_size' });
    expect(thrown(() => rootFromConsistencyProof(3, 3, [root8], root8))).toMatchObject({ reason: 'proof_size' });
  });

  it('return the new root from a consistency proof', () => {
    const proof = consistencyProofRanges(3, 8).map(([a, b]) => naiveMth(leaves.slice(a, b)));
    expect(rootFromConsistencyProof(3, 8, proof, naiveMth(leaves.slice(0, 3))).equals(root8)).toBe(true);
    expect(rootFromConsistencyProof(8, 8, [], root8).equals(root8)).toBe(true);
  });
});
