import { thrown } from '../../test/support/thrown.ts';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, hashChildren, hashLeaf } from './merkle-hash.ts';
import { MerkleProofError, verifyConsistency, verifyInclusion } from './merkle-proof.ts';
import {
  CompactRange,
  MerkleRangeError,
  consistencyProofRanges,
  hashRange,
  inclusionProofRanges,
  largestPowerOfTwoBelow,
  perfectSubtrees,
  rootOfLeaves,
  rootsAtSizes,
  type LeafRange,
  type PerfectNode,
} from './merkle-tree.ts';

// The 8-leaf reference tree of RFC 6962 test suites (transparency-dev/merkle,
// Certificate Transparency): leaf inputs and the roots at sizes 1..8.
const REFERENCE_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const REFERENCE_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const referenceLeafHashes = REFERENCE_LEAVES.map((h) => hashLeaf(Buffer.from(h, 'hex')));

/** MTH(D[n]) exactly as RFC 6962 §2.1 defines it, recursively. */
function naiveMth(leafHashes: readonly Buffer[]): Buffer {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  if (leafHashes.length === 1) return leafHashes[0];
  let k = 1;
  while (k * 2 < leafHashes.length) k *= 2;
  return hashChildren(naiveMth(leafHashes.slice(0, k)), naiveMth(leafHashes.slice(k)));
}


const randomLeaves = (n: number): Buffer[] => Array.from({ length: n }, () => hashLeaf(randomBytes(20)));
const perfectNodeOf = (leaves: readonly Buffer[]) => (level: number, index: number) =>
  naiveMth(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));
const hashOfRange = (leaves: readonly Buffer[], [a, b]: LeafRange) => naiveMth(leaves.slice(a, b));

describe('the RFC 6962 reference tree', () => {
  it('has the published roots at sizes 1..8, by naive MTH, CompactRange and rootOfLeaves', () => {
    const range = new CompactRange();
    expect(range.root().equals(EMPTY_ROOT)).toBe(true);
    for (let size = 1; size <= 8; size++) {
      const leaves = referenceLeafHashes.slice(0, size);
      range.append(leaves[size - 1]);
      expect(naiveMth(leaves).toString('hex'), `naive MTH at size ${size}`).toBe(REFERENCE_ROOTS[size - 1]);
      expect(range.root().toString('hex'), `CompactRange at size ${size}`).toBe(REFERENCE_ROOTS[size - 1]);
      expect(rootOfLeaves(leaves).toString('hex')).toBe(REFERENCE_ROOTS[size - 1]);
    }
    expect(rootOfLeaves([]).equals(EMPTY_ROOT)).toBe(true);
  });
});

describe('largestPowerOfTwoBelow', () => {
  it('returns k with k < n <= 2k', () => {
    expect([2, 3, 4, 5, 8, 9, 1000].map(largestPowerOfTwoBelow)).toEqual([1, 2, 2, 4, 4, 8, 512]);
    expect(largestPowerOfTwoBelow(2 ** 40 + 1)).toBe(2 ** 40);
    expect(largestPowerOfTwoBelow(2 ** 40)).toBe(2 ** 39);
    expect(largestPowerOfTwoBelow(Number.MAX_SAFE_INTEGER)).toBe(2 ** 52);
  });

  it('refuses n < 2 and non-integers', () => {
    for (const n of [1, 0, -4, 2.5, Number.NaN, 2 ** 60]) expect(() => largestPowerOfTwoBelow(n)).toThrow(MerkleRangeError);
  });
});

describe('perfectSubtrees', () => {
  it('decomposes ranges into maximal aligned perfect subtrees, left to right', () => {
    expect(perfectSubtrees(0, 0)).toEqual([]);
    expect(perfectSubtrees(0, 7)).toEqual([{ level: 2, index: 0 }, { level: 1, index: 2 }, { level: 0, index: 6 }]);
    expect(perfectSubtrees(3, 13)).toEqual([
      { level: 0, index: 3 },
      { level: 2, index: 1 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(perfectSubtrees(2 ** 33, 2 ** 33 + 2 ** 32 + 1)).toEqual([{ level: 32, index: 2 }, { level: 0, index: 2 ** 33 + 2 ** 32 }]);
  });

  it('covers every range up to 64 contiguously with nodes that cannot be merged', () => {
    for (let start = 0; start <= 64; start++) {
      for (let end = start; end <= 64; end++) {
        const nodes = perfectSubtrees(start, end);
        let at = start;
        nodes.forEach((node, i) => {
          expect(node.index * 2 ** node.level).toBe(at);
          at += 2 ** node.level;
          const next = nodes[i + 1];
          // Two equal siblings side by side would be one larger node.
          if (next && next.level === node.level) expect(node.index % 2).toBe(1);
        });
        expect(at).toBe(end);
      }
    }
  });

  it('refuses inverted or fractional ranges', () => {
    expect(() => perfectSubtrees(5, 4)).toThrow(MerkleRangeError);
    expect(() => perfectSubtrees(-1, 4)).toThrow(MerkleRangeError);
    expect(() => perfectSubtrees(0, 1.5)).toThrow(MerkleRangeError);
  });
});

describe('proof ranges', () => {
  it('build inclusion proofs that verify, for every index of every size up to 40', () => {
    const leaves = randomLeaves(40);
    for (let size = 1; size <= 40; size++) {
      const tree = leaves.slice(0, size);
      const root = naiveMth(tree);
      for (let index = 0; index < size; index++) {
        const ranges = inclusionProofRanges(index, size);
        const proof = ranges.map((r) => hashOfRange(tree, r));
        expect(() => verifyInclusion(tree[index], index, size, proof, root), `index ${index} size ${size}`).not.toThrow();
        for (const r of ranges) expect(hashRange(r[0], r[1], perfectNodeOf(tree)).equals(hashOfRange(tree, r))).toBe(true);
      }
    }
  });

  it('build consistency proofs that verify, for every 0 < m <= n <= 40', () => {
    const leaves = randomLeaves(40);
    for (let n = 1; n <= 40; n++) {
      const root2 = naiveMth(leaves.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const ranges = consistencyProofRanges(m, n);
        const proof = ranges.map((r) => hashOfRange(leaves, r));
        const root1 = naiveMth(leaves.slice(0, m));
        expect(() => verifyConsistency(m, n, proof, root1, root2), `m ${m} n ${n}`).not.toThrow();
        for (const r of ranges) expect(hashRange(r[0], r[1], perfectNodeOf(leaves)).equals(hashOfRange(leaves, r))).toBe(true);
        if (proof.length > 0) {
          const tampered = [...proof];
          tampered[0] = Buffer.from(tampered[0]);
          tampered[0][0] ^= 1;
          expect(() => verifyConsistency(m, n, tampered, root1, root2)).toThrow(MerkleProofError);
        }
      }
    }
  });

  it('give the RFC 6962 §2.1.3 example proofs for the 7-leaf tree', () => {
    // Paths named in RFC 6962 §2.1.3 for leaves a..g (indices 0..6).
    expect(inclusionProofRanges(0, 7)).toEqual([[1, 2], [2, 4], [4, 7]]); // a: [b, h, l]
    expect(inclusionProofRanges(3, 7)).toEqual([[2, 3], [0, 2], [4, 7]]); // d: [c, g, l]
    expect(inclusionProofRanges(4, 7)).toEqual([[5, 6], [6, 7], [0, 4]]); // e: [f, j, k]
    expect(consistencyProofRanges(3, 7)).toEqual([[2, 3], [3, 4], [0, 2], [4, 7]]); // [c, d, g, l]
    expect(consistencyProofRanges(4, 7)).toEqual([[4, 7]]); // [l]
    expect(consistencyProofRanges(6, 7)).toEqual([[4, 6], [6, 7], [0, 4]]); // [i, j, k]
    expect(consistencyProofRanges(5, 5)).toEqual([]);
  });

  it('partition the tree around the leaf for sizes beyond 2^32', () => {
    const size = 2 ** 41 + 3;
    for (const index of [0, 2 ** 40 + 5, 2 ** 41, size - 1]) {
      const ranges = [...inclusionProofRanges(index, size), [index, index + 1] as LeafRange].sort((x, y) => x[0] - y[0]);
      let at = 0;
      for (const [a, b] of ranges) {
        expect(a).toBe(at);
        at = b;
      }
      expect(at).toBe(size);
    }
    expect(consistencyProofRanges(2 ** 40, size).length).toBeGreaterThan(0);
  });

  it('refuse arguments outside their preconditions', () => {
    expect(() => inclusionProofRanges(5, 5)).toThrow(MerkleRangeError);
    expect(() => inclusionProofRanges(-1, 5)).toThrow(MerkleRangeError);
    expect(() => consistencyProofRanges(0, 5)).toThrow(MerkleRangeError);
    expect(() => consistencyProofRanges(6, 5)).toThrow(MerkleRangeError);
    expect(thrown(() => inclusionProofRanges(7, 3))).toMatchObject({ code: 'ledger.range_invalid', status: 400, expose: true });
  });
});

describe('hashRange', () => {
  it('equals MTH for [0, size) and for empty ranges', () => {
    const leaves = randomLeaves(37);
    for (let size = 0; size <= 37; size++) {
      expect(hashRange(0, size, perfectNodeOf(leaves)).equals(naiveMth(leaves.slice(0, size)))).toBe(true);
    }
  });

  it('equals MTH exactly for ranges whose start is a multiple of their split size, and refuses the rest', () => {
    const leaves = randomLeaves(40);
    let refused = 0;
    for (let a = 0; a < 40; a++) {
      for (let b = a + 1; b <= 40; b++) {
        const split = b - a === 1 ? 1 : largestPowerOfTwoBelow(b - a);
        if (a % split === 0) {
          expect(hashRange(a, b, perfectNodeOf(leaves)).equals(naiveMth(leaves.slice(a, b))), `[${a}, ${b})`).toBe(true);
        } else {
          expect(() => hashRange(a, b, perfectNodeOf(leaves)), `[${a}, ${b})`).toThrow(MerkleRangeError);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(0);
    // [1, 4): a right fold of [1], [2, 4) is H(l1, H(l2, l3)); MTH is H(H(l1, l2), l3).
    const fold = hashChildren(leaves[1], hashChildren(leaves[2], leaves[3]));
    expect(fold.equals(naiveMth(leaves.slice(1, 4)))).toBe(false);
  });
});

describe('CompactRange', () => {
  it('agrees with naive MTH at every size up to 40, also after resuming from its frontier', () => {
    const leaves = randomLeaves(40);
    const range = new CompactRange();
    for (let size = 1; size <= 40; size++) {
      range.append(leaves[size - 1]);
      const expected = naiveMth(leaves.slice(0, size));
      expect(range.size).toBe(size);
      expect(range.root().equals(expected), `size ${size}`).toBe(true);
      expect(rootOfLeaves(leaves.slice(0, size)).equals(expected)).toBe(true);

      // The frontier is the hashes of perfectSubtrees(0, size)...
      const frontier = range.frontier();
      expect(frontier.map((h) => h.toString('hex'))).toEqual(
        perfectSubtrees(0, size).map((n) => perfectNodeOf(leaves)(n.level, n.index).toString('hex')),
      );
      // ...and enough to carry on from.
      const resumed = CompactRange.fromFrontier(size, frontier);
      for (let more = size; more < 40; more++) resumed.push(leaves[more]);
      expect(resumed.root().equals(naiveMth(leaves))).toBe(true);
    }
  });

  it('reports each perfect node of level >= 1 exactly once, when completed', () => {
    const leaves = randomLeaves(37);
    const range = new CompactRange();
    const created: PerfectNode[] = [];
    for (const leaf of leaves) created.push(...range.append(leaf));
    const expected: string[] = [];
    for (let level = 1; 2 ** level <= 37; level++) {
      for (let index = 0; (index + 1) * 2 ** level <= 37; index++) expected.push(`${level}:${index}`);
    }
    expect(created.map((n) => `${n.level}:${n.index}`).sort()).toEqual(expected.sort());
    for (const node of created) expect(node.hash.equals(perfectNodeOf(leaves)(node.level, node.index))).toBe(true);
  });

  it('refuses a frontier that does not fit the size, and leaf hashes that are not 32 bytes', () => {
    const leaves = randomLeaves(3);
    expect(() => new CompactRange(3, [leaves[0]])).toThrow(MerkleRangeError);
    expect(() => new CompactRange(2, [Buffer.alloc(31)])).toThrow(MerkleRangeError);
    expect(() => new CompactRange(-1, [])).toThrow(MerkleRangeError);
    expect(() => new CompactRange().append(Buffer.alloc(33))).toThrow(MerkleRangeError);
  });
});

describe('rootsAtSizes', () => {
  it('returns roots at several sizes in one pass, in the order asked, and stops reading', () => {
    const leaves = randomLeaves(30);
    let read = 0;
    function* stream() {
      for (const leaf of leaves) {
        read++;
        yield leaf;
      }
    }
    const sizes = [17, 0, 1, 17, 5, 20];
    const roots = rootsAtSizes(stream(), sizes);
    roots.forEach((root, i) => expect(root.equals(naiveMth(leaves.slice(0, sizes[i]))), `size ${sizes[i]}`).toBe(true));
    expect(read).toBe(20);
  });

  it('says where the leaves ran out', () => {
    expect(() => rootsAtSizes(randomLeaves(4), [2, 9])).toThrow(/ran out at tree size 4.*size 9/);
    expect(() => rootsAtSizes([], [-1])).toThrow(MerkleRangeError);
  });
});
