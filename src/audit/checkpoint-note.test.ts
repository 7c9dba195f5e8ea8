import { thrown } from '../../test/support/thrown.ts';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CheckpointNoteError,
  formatCheckpointBody,
  keyIdFor,
  openCheckpoint,
  openNote,
  parseCheckpointBody,
  parseVerifierKey,
  rawEd25519PublicKey,
  signCheckpoint,
  signNote,
  verifierKeyFromRaw,
  verifierKeyString,
} from './checkpoint-note.ts';


const refusal = (reason: string) => ({ name: 'CheckpointNoteError', code: 'ledger.checkpoint_invalid', reason, expose: true });

const ORIGIN = 'id.example.com/keyledger';
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const signer = { keyName: ORIGIN, privateKey };
const rootHash = createHash('sha256').update('some root').digest();
const body = formatCheckpointBody({ origin: ORIGIN, size: 5, rootHash });
const note = signCheckpoint(body, signer);
const vkey = verifierKeyString(ORIGIN, publicKey);

/** Swaps the signed text of a note for `text`, keeping its signature lines. */
const withText = (text: string) => text + note.slice(note.lastIndexOf('\n\n') + 1);

describe('checkpoint bodies', () => {
  it('are origin, decimal size and base64 root, one per line', () => {
    expect(body).toBe(`${ORIGIN}\n5\n${rootHash.toString('base64')}\n`);
    expect(parseCheckpointBody(body)).toEqual({ origin: ORIGIN, size: 5, rootHash });
  });

  it('refuse inputs that cannot be written faithfully', () => {
    const ok = { origin: ORIGIN, size: 1, rootHash };
    for (const bad of [
      { ...ok, origin: '' },
      { ...ok, origin: 'a\nb' },
      { ...ok, origin: 'tab\there' },
      { ...ok, size: -1 },
      { ...ok, size: 1.5 },
      { ...ok, size: 2 ** 53 },
      { ...ok, rootHash: rootHash.subarray(1) },
    ]) {
      expect(thrown(() => formatCheckpointBody(bad))).toMatchObject(refusal('invalid_input'));
    }
  });

  it('refuse extension lines, non-decimal sizes and bad roots when parsed', () => {
    const root = rootHash.toString('base64');
    for (const bad of [
      `${ORIGIN}\n5\n${root}\nextension\n`,
      `${ORIGIN}\n5\n${root}`,
      `\n5\n${root}\n`,
      `${ORIGIN}\n05\n${root}\n`,
      `${ORIGIN}\n+5\n${root}\n`,
      `${ORIGIN}\n5.0\n${root}\n`,
      `${ORIGIN}\n5\n${root.slice(0, -1)}\n`,
      `${ORIGIN}\n5\n${Buffer.alloc(31).toString('base64')}\n`,
    ]) {
      expect(thrown(() => parseCheckpointBody(bad)), JSON.stringify(bad)).toMatchObject(refusal('malformed_checkpoint'));
    }
  });
});

describe('signed checkpoints', () => {
  it('round-trip through openCheckpoint with a verifier key string or a key object', () => {
    expect(note.startsWith(`${body}\n\u2014 ${ORIGIN} `)).toBe(true);
    expect(openCheckpoint(note, vkey)).toEqual({ origin: ORIGIN, size: 5, rootHash });
    expect(openCheckpoint(note, { keyName: ORIGIN, publicKey })).toEqual({ origin: ORIGIN, size: 5, rootHash });
    expect(openCheckpoint(note, vkey, ORIGIN).size).toBe(5);
  });

  it('verify by an independent reading of the C2SP signed-note spec', () => {
    // Everything below uses node:crypto directly, not the module's helpers.
    const split = note.lastIndexOf('\n\n');
    const text = note.slice(0, split + 1);
    const lines = note.slice(split + 2).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+=*)$/.exec(lines[0]);
    expect(match).not.toBeNull();
    const [, name, b64] = match!;
    expect(name).toBe(ORIGIN);
    const decoded = Buffer.from(b64, 'base64');
    expect(decoded).toHaveLength(4 + 64);

    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const raw = spki.subarray(spki.length - 32);
    const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.from([0x01]), raw])).digest().subarray(0, 4);
    expect(decoded.subarray(0, 4).toString('hex')).toBe(keyId.toString('hex'));

    const rebuilt = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
      format: 'der',
      type: 'spki',
    });
    expect(verify(null, Buffer.from(text, 'utf8'), rebuilt, decoded.subarray(4))).toBe(true);
    expect(vkey).toBe(`${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`);
  });

  it('refuse a changed size, root or origin', () => {
    const root = rootHash.toString('base64');
    const other = Buffer.alloc(32, 1).toString('base64');
    for (const text of [`${ORIGIN}\n6\n${root}\n`, `${ORIGIN}\n5\n${other}\n`, `evil.example.com/keyledger\n5\n${root}\n`]) {
      expect(thrown(() => openCheckpoint(withText(text), vkey))).toMatchObject(refusal('signature_invalid'));
    }
  });

  it('refuse a changed signature, and a changed key ID as a missing signature', () => {
    const line = note.slice(note.lastIndexOf('\n\n') + 2, -1);
    const prefix = line.slice(0, line.lastIndexOf(' ') + 1);
    const sig = Buffer.from(line.slice(prefix.length), 'base64');
    const flip = (at: number) => {
      const copy = Buffer.from(sig);
      copy[at] ^= 0x01;
      return `${body}\n${prefix}${copy.toString('base64')}\n`;
    };
    expect(thrown(() => openCheckpoint(flip(10), vkey))).toMatchObject(refusal('signature_invalid'));
    expect(thrown(() => openCheckpoint(flip(67), vkey))).toMatchObject(refusal('signature_invalid'));
    expect(thrown(() => openCheckpoint(flip(0), vkey))).toMatchObject(refusal('no_signature'));
  });

  it('refuse a note checked against another key, naming the key it wanted', () => {
    const other = generateKeyPairSync('ed25519').publicKey;
    const err = thrown(() => openCheckpoint(note, verifierKeyString(ORIGIN, other)));
    expect(err).toMatchObject(refusal('no_signature'));
    expect((err as Error).message).toContain(keyIdFor(ORIGIN, other).toString('hex'));
    expect((err as Error).message).toContain(keyIdFor(ORIGIN, publicKey).toString('hex'));
    expect(thrown(() => openCheckpoint(note, { keyName: ORIGIN, publicKey: other }))).toMatchObject(refusal('no_signature'));
    expect(thrown(() => openCheckpoint(note, verifierKeyString('other.example.com/keyledger', publicKey)))).toMatchObject(refusal('no_signature'));
  });

  it('refuse an unexpected origin', () => {
    expect(thrown(() => openCheckpoint(note, vkey, 'other.example.com/keyledger'))).toMatchObject(refusal('origin_mismatch'));
  });

  it('ignore signatures by other keys, and let the first signature by ours decide', () => {
    const otherKeys = generateKeyPairSync('ed25519');
    const theirs = signNote(body, { keyName: 'witness.example.org', privateKey: otherKeys.privateKey });
    const theirLine = theirs.slice(theirs.lastIndexOf('\n\n') + 2);
    const ourLine = note.slice(note.lastIndexOf('\n\n') + 2);
    expect(openCheckpoint(`${body}\n${theirLine}${ourLine}`, vkey).size).toBe(5);

    const forged = signNote(`${ORIGIN}\n6\n${rootHash.toString('base64')}\n`, signer);
    const forgedLine = forged.slice(forged.lastIndexOf('\n\n') + 2);
    expect(thrown(() => openCheckpoint(`${body}\n${forgedLine}${ourLine}`, vkey))).toMatchObject(refusal('signature_invalid'));
  });

  it('refuse malformed notes', () => {
    const sigs = note.slice(note.lastIndexOf('\n\n') + 2);
    for (const bad of [
      body,
      `${body}\n`,
      note.slice(0, -1),
      note.replace('\u2014 ', '-- '),
      `${note.slice(0, -2)}\n`, // signature base64 without its padding
      `\u0001${note}`,
      `${body}\n${sigs.repeat(101)}`,
      `${body}\n${sigs}not a signature\n`,
      `${body}\n\u2014 bad+name ${sigs.slice(sigs.lastIndexOf(' ') + 1)}`,
    ]) {
      expect(thrown(() => openCheckpoint(bad, vkey)), JSON.stringify(bad.slice(-40))).toMatchObject(refusal('malformed_note'));
    }
  });

  it('refuse to sign with bad key names, non-Ed25519 keys or a malformed body', () => {
    for (const keyName of ['', 'has space', 'a+b', 'tab\tname', 'nbsp\u00a0name', 'nel\u0085name']) {
      expect(thrown(() => signCheckpoint(body, { keyName, privateKey }))).toMatchObject(refusal('invalid_input'));
    }
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(thrown(() => signCheckpoint(body, { keyName: ORIGIN, privateKey: ec }))).toMatchObject(refusal('invalid_input'));
    expect(thrown(() => signCheckpoint(body, { keyName: ORIGIN, privateKey: publicKey }))).toMatchObject(refusal('invalid_input'));
    expect(thrown(() => signCheckpoint(`${body}extension\n`, signer))).toMatchObject(refusal('malformed_checkpoint'));
    expect(thrown(() => signNote('no final newline', signer))).toMatchObject(refusal('invalid_input'));
  });
});

// Known-answer vectors from golang.org/x/mod/sumdb/note (note_test.go): Ed25519
// is deterministic, so our signer must reproduce Go's bytes exactly.
describe('interoperability with golang.org/x/mod/sumdb/note', () => {
  const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
  const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
  const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const PETER_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
  const ENOCH_SIG = '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

  const seed = Buffer.from(PETER_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1);
  const peterKey: KeyObject = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  });

  it('derives the same key ID and verifier key', () => {
    expect(keyIdFor('PeterNeumann', peterKey).toString('hex')).toBe('c74f20a3');
    expect(verifierKeyString('PeterNeumann', peterKey)).toBe(PETER_VKEY);
    expect(verifierKeyFromRaw('PeterNeumann', rawEd25519PublicKey(peterKey))).toBe(PETER_VKEY);
    expect(parseVerifierKey(ENOCH_VKEY).keyId.toString('hex')).toBe('af0cfe78');
  });

  it('signs exactly as Go does', () => {
    expect(signNote(TEXT, { keyName: 'PeterNeumann', privateKey: peterKey })).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it("opens Go's doubly signed note with either key", () => {
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, PETER_VKEY)).toBe(TEXT);
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, ENOCH_VKEY)).toBe(TEXT);
    const broken = `${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    expect(thrown(() => openNote(broken, PETER_VKEY))).toBeInstanceOf(CheckpointNoteError);
  });

  it('refuses every truncation and single-character change of a verifier key', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        expect(thrown(() => parseVerifierKey(PETER_VKEY.slice(i, j)))).toMatchObject(refusal('malformed_key'));
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const changed = PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expect(thrown(() => parseVerifierKey(changed)), changed).toMatchObject(refusal('malformed_key'));
    }
    // Go's own extra cases: wrong key length and unknown algorithm, each with a matching key hash.
    expect(thrown(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='))).toMatchObject(refusal('malformed_key'));
    expect(thrown(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'))).toMatchObject(refusal('malformed_key'));
  });

  it('parses a verifier key into name, key ID and a usable public key', () => {
    const parsed = parseVerifierKey(PETER_VKEY);
    expect(parsed.keyName).toBe('PeterNeumann');
    expect(parsed.rawPublicKey.equals(rawEd25519PublicKey(peterKey))).toBe(true);
    expect(verify(null, Buffer.from('hi'), parsed.publicKey, Buffer.from(randomBytes(64)))).toBe(false);
  });
});
