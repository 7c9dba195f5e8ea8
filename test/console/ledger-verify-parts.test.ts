/**
 * The console's in-browser ledger verifier, part by part, against the server's
 * own code and against the RFC 6962 vectors of transparency-dev/merkle: the
 * canonical JSON must produce the server's bytes, the Merkle code must accept
 * exactly the vectors that should verify, and the note parsing must agree
 * with the server's signed-note code.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { jsonFilesUnder, merkleFixturesDir } from '../support/merkle-fixtures.ts';
import { canonicalize as serverCanonicalize } from '../../src/audit/canonical-json.ts';
import { hashChildren as serverHashChildren, hashLeaf as serverHashLeaf } from '../../src/audit/merkle-hash.ts';
import { inclusionProofRanges } from '../../src/audit/merkle-tree.ts';
import { formatCheckpointBody, signCheckpoint, verifierKeyString } from '../../src/audit/checkpoint-note.ts';
import { canonicalize } from '../../console/src/ledger/canonical-json.ts';
import { fromBase64, toBase64 } from '../../console/src/ledger/bytes.ts';
import { hashChildren, hashLeaf, inclusionProofLength, rootFromInclusionProof } from '../../console/src/ledger/merkle-proof.ts';
import { findSignatureBy, parseCheckpointBody, parseSignedNote, parseVerifierKey, verifyNoteSignature } from '../../console/src/ledger/checkpoint-note.ts';

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const FIXTURES = merkleFixturesDir();
const probes = jsonFilesUnder(join(FIXTURES, 'inclusion')).map((path) => ({ ...(JSON.parse(readFileSync(path, 'utf8')) as InclusionProbe), file: relative(FIXTURES, path) }));
const b64 = (s: string) => Buffer.from(s, 'base64');

/** Whether the console code accepts a vector: the proof recomputes the vector's root. */
async function accepts(p: InclusionProbe): Promise<boolean> {
  try {
    const root = await rootFromInclusionProof(b64(p.leafHash), p.leafIdx, p.treeSize, (p.proof ?? []).map(b64));
    return Buffer.from(root).equals(b64(p.root));
  } catch (err) {
    expect(err).toMatchObject({ name: 'LedgerVerifyError' });
    return false;
  }
}

describe('console Merkle code: transparency-dev RFC 6962 inclusion vectors', () => {
  it('are all present, valid and tampered ones', () => {
    expect(probes.length).toBeGreaterThanOrEqual(80);
    expect(probes.filter((p) => !p.wantErr).length).toBeGreaterThanOrEqual(5);
  });

  it.each(probes.map((p) => [p.file, p] as const))('%s', async (_file, p) => {
    expect(await accepts(p)).toBe(!p.wantErr);
  });
});

describe('console Merkle code against the server', () => {
  it('hashes leaves and nodes as the server does', async () => {
    for (const data of ['', '00', '2021', 'ff'.repeat(1500)]) {
      const bytes = Buffer.from(data, 'hex');
      expect(Buffer.from(await hashLeaf(bytes)).equals(serverHashLeaf(bytes))).toBe(true);
    }
    const [l, r] = [serverHashLeaf(Buffer.from('a')), serverHashLeaf(Buffer.from('b'))];
    expect(Buffer.from(await hashChildren(l, r)).equals(serverHashChildren(l, r))).toBe(true);
  });

  it('expects the proof length the server builds, for every leaf of trees up to 70 and a few large ones', () => {
    for (let size = 1; size <= 70; size++) {
      for (let index = 0; index < size; index++) expect(inclusionProofLength(index, size), `${index}/${size}`).toBe(inclusionProofRanges(index, size).length);
    }
    for (const [index, size] of [[0, 2 ** 40], [2 ** 40 - 1, 2 ** 40], [123_456_789, 2 ** 52 + 3], [2 ** 53 - 2, 2 ** 53 - 1]]) {
      expect(inclusionProofLength(index, size), `${index}/${size}`).toBe(inclusionProofRanges(index, size).length);
    }
  });

  it('names a truncated or padded proof before hashing', async () => {
    const leaf = serverHashLeaf(Buffer.from('x'));
    await expect(rootFromInclusionProof(leaf, 2, 5, [leaf])).rejects.toMatchObject({ reason: 'proof_size', message: expect.stringContaining('expected 3') });
    await expect(rootFromInclusionProof(leaf, 5, 5, [])).rejects.toMatchObject({ reason: 'index_out_of_range' });
    await expect(rootFromInclusionProof(leaf, 0, 2, [leaf.subarray(1)])).rejects.toMatchObject({ reason: 'hash_size' });
  });
});

describe('console canonical JSON against the server', () => {
  const values: unknown[] = [
    JSON.parse(String.raw`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}`),
    { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\ud83d\ude00': 5, '\u0080': 6, '\u00f6': 7, Z: 8, a: 9 },
    { z: [3, { b: 2, a: [true, null, { d: undefined, c: 'x' }] }, 1], a: { y: {}, x: [] }, m: undefined, '': 'empty key' },
    [1e21, 1e20, 0.000001, 1e-7, -0, 9007199254740992, 333333333.3333332, 100, -1.5, 0.1 + 0.2, 5e-324],
    { controls: Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '"\\/\u007f\u2028\u2029', emoji: '𝄞 Äcme — “quoted”' },
    Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 }),
  ];

  it.each(values.map((v, i) => [i, v] as const))('writes value %i byte for byte as the server', (_i, value) => {
    expect(canonicalize(value)).toBe(serverCanonicalize(value));
  });

  it.each([
    ['a lone surrogate', { name: 'bad \ud800' }],
    ['a lone surrogate in a key', { ['\udc00']: 1 }],
    ['NaN', [Number.NaN]],
    ['Infinity', { n: Infinity }],
    ['a Date', { at: new Date(0) }],
    ['a sparse array', [1, , 3]],
    ['a BigInt', { n: 1n }],
  ])('refuses %s, as the server does', (_what, value) => {
    expect(() => serverCanonicalize(value)).toThrow();
    expect(() => canonicalize(value)).toThrow(expect.objectContaining({ name: 'LedgerVerifyError', reason: 'not_canonicalizable' }));
  });

  it('refuses a cycle', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalize(cyclic)).toThrow(expect.objectContaining({ reason: 'not_canonicalizable', message: expect.stringContaining('cycle') }));
  });
});

describe('console signed-note code against the server', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyName = 'id.example.com/keyledger';
  const verifierKey = verifierKeyString(keyName, publicKey);
  const root = serverHashLeaf(Buffer.from('root'));
  const note = signCheckpoint(formatCheckpointBody({ origin: keyName, size: 42, rootHash: root }), { keyName, privateKey });

  it('parses the server verifier key and recomputes its key ID', async () => {
    const key = await parseVerifierKey(verifierKey);
    expect(`${key.keyName}+${key.keyId}`).toBe(verifierKey.split('+').slice(0, 2).join('+'));
    expect(Buffer.from(key.rawPublicKey).equals(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'))).toBe(true);
  });

  it('refuses a verifier key whose key ID is not that of its name and key', async () => {
    const other = verifierKeyString(keyName, generateKeyPairSync('ed25519').publicKey);
    const forged = [...verifierKey.split('+').slice(0, 2), other.split('+').slice(2).join('+')].join('+');
    await expect(parseVerifierKey(forged)).rejects.toMatchObject({ reason: 'malformed_key', message: expect.stringContaining('does not match') });
    await expect(parseVerifierKey(verifierKey.replace(keyName, 'other.example.com/keyledger'))).rejects.toMatchObject({ reason: 'malformed_key' });
    await expect(parseVerifierKey('no-plus-signs')).rejects.toMatchObject({ reason: 'malformed_key' });
  });

  it('reads the checkpoint and verifies its signature with Web Crypto; a flipped bit does not verify', async () => {
    const key = await parseVerifierKey(verifierKey);
    const parsed = parseSignedNote(note);
    expect(parseCheckpointBody(parsed.text)).toEqual({ origin: keyName, size: 42, rootHash: new Uint8Array(root) });
    const signature = findSignatureBy(parsed, key)!;
    expect(signature).not.toBeNull();
    expect(await verifyNoteSignature(parsed.text, signature, key)).toBe(true);
    const flipped = { ...signature, signature: Uint8Array.from(signature.signature, (b, i) => (i === 10 ? b ^ 1 : b)) };
    expect(await verifyNoteSignature(parsed.text, flipped, key)).toBe(false);
    expect(await verifyNoteSignature(parsed.text.replace('42', '43'), signature, key)).toBe(false);
  });

  it('refuses malformed notes, checkpoint bodies and non-canonical base64', () => {
    expect(() => parseSignedNote('no blank line\n')).toThrow(expect.objectContaining({ reason: 'malformed_note' }));
    expect(() => parseSignedNote(note.replace('— ', '- '))).toThrow(expect.objectContaining({ reason: 'malformed_note' }));
    expect(() => parseCheckpointBody('origin\n42\n')).toThrow(expect.objectContaining({ reason: 'malformed_checkpoint' }));
    expect(() => parseCheckpointBody(`origin\n042\n${root.toString('base64')}\n`)).toThrow(expect.objectContaining({ reason: 'malformed_checkpoint' }));
    expect(fromBase64('QQ==')).toEqual(new Uint8Array([0x41]));
    for (const bad of ['QR==', 'QQ', 'Q Q==', 'QQ==\n', '', '-_8=']) expect(fromBase64(bad), bad).toBeNull();
    expect(toBase64(new Uint8Array([0xfb, 0xff]))).toBe('+/8=');
  });
});
