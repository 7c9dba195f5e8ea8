import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, HASH_SIZE, hashChildren, hashLeaf } from './merkle-hash.ts';

// Written straight from RFC 6962 §2.1 with createHash, to compare against.
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

describe('merkle-hash', () => {
  it('has the SHA-256 of the empty string as the empty root', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('hashes the empty leaf as in the RFC 6962 reference tree', () => {
    // Leaf 0 of the transparency-dev reference tree (fixtures' leafHash of inclusion/0).
    expect(hashLeaf(new Uint8Array()).toString('base64')).toBe('bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=');
  });

  it('computes SHA-256(0x00 ‖ data) for leaves of every size, across scratch growth', () => {
    for (const length of [0, 1, 31, 32, 33, 400, 1023, 1024, 1025, 2047, 5000, 70_000]) {
      const data = randomBytes(length);
      const copy = Buffer.from(data);
      expect(hashLeaf(data).equals(sha256(Buffer.from([0]), data)), `length ${length}`).toBe(true);
      expect(data.equals(copy)).toBe(true);
    }
  });

  it('computes SHA-256(0x01 ‖ left ‖ right), including for unusual child sizes', () => {
    for (const [l, r] of [[32, 32], [0, 0], [9, 32], [32, 0], [33, 31], [2000, 5]]) {
      const left = randomBytes(l);
      const right = randomBytes(r);
      expect(hashChildren(left, right).equals(sha256(Buffer.from([1]), left, right)), `${l}+${r}`).toBe(true);
    }
  });

  it('accepts Uint8Array views with an offset', () => {
    const backing = randomBytes(100);
    const left = new Uint8Array(backing.buffer, backing.byteOffset + 3, 32);
    const right = new Uint8Array(backing.buffer, backing.byteOffset + 50, 32);
    expect(hashChildren(left, right).equals(sha256(Buffer.from([1]), left, right))).toBe(true);
    expect(hashLeaf(left).equals(sha256(Buffer.from([0]), left))).toBe(true);
  });

  it('returns independent 32-byte results that later calls do not overwrite', () => {
    const a = randomBytes(400);
    const b = randomBytes(400);
    const first = hashLeaf(a);
    const firstHex = first.toString('hex');
    const node = hashChildren(first, first);
    const nodeHex = node.toString('hex');
    for (let i = 0; i < 1000; i++) hashChildren(hashLeaf(b), node);
    expect(first.length).toBe(HASH_SIZE);
    expect(first.toString('hex')).toBe(firstHex);
    expect(node.toString('hex')).toBe(nodeHex);
  });
});
