/**
 * Ledger checkpoints as C2SP tlog-checkpoint bodies in C2SP signed notes,
 * signed with Ed25519.
 *
 *   body      = <origin> "\n" <tree size, decimal> "\n" <base64 root hash> "\n"
 *   note      = body "\n" ( "— " <key name> " " base64(key ID ‖ signature) "\n" )+
 *   key ID    = SHA-256(<key name> ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]
 *   verifier  = <key name> "+" <hex key ID> "+" base64(0x01 ‖ public key)
 *
 * The signature covers the body's UTF-8 bytes, final newline included. Opening
 * follows golang.org/x/mod/sumdb/note `Open`: split at the last blank line,
 * at most 100 signature lines, lines by other keys ignored, and the first line
 * by our key decides. This ledger writes no extension lines, so a checkpoint
 * with any is refused rather than half-understood.
 */
import { KeyledgerError } from '../platform/errors.ts';
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** Why a note, checkpoint or key was refused (stable, for callers and tests). */
export type CheckpointNoteFailure =
  | 'invalid_input'
  | 'malformed_note'
  | 'malformed_checkpoint'
  | 'malformed_key'
  | 'no_signature'
  | 'signature_invalid'
  | 'origin_mismatch';

/** A checkpoint, note or key that is malformed or does not verify. */
export class CheckpointNoteError extends KeyledgerError {
  override readonly name = 'CheckpointNoteError';
  constructor(
    readonly reason: CheckpointNoteFailure,
    message: string,
  ) {
    super('ledger.checkpoint_invalid', message, { reason });
  }
}

/** What a checkpoint says: the log, its size and its Merkle root. */
export interface CheckpointContent {
  origin: string;
  size: number;
  rootHash: Buffer;
}

/** The key that signs notes: a signed-note key name and an Ed25519 private key. */
export interface NoteSigner {
  keyName: string;
  privateKey: KeyObject;
}

/** A parsed verifier key. */
export interface VerifierKey {
  keyName: string;
  keyId: Buffer;
  publicKey: KeyObject;
  rawPublicKey: Buffer;
}

const ALG_ED25519 = 0x01;
const SIGNATURE_PREFIX = '— ';
const MAX_SIGNATURES = 100;

const fail = (reason: CheckpointNoteFailure, message: string): never => {
  throw new CheckpointNoteError(reason, message);
};

// Go's unicode.IsSpace is JavaScript's \s plus U+0085.
const NAME_FORBIDDEN = /[\s\u0085+\x00-\x1f]|\p{Cs}/u;
const NOTE_FORBIDDEN = /[\x00-\x09\x0b-\x1f]|\p{Cs}/u; // controls other than \n; lone surrogates
const DECIMAL = /^(0|[1-9][0-9]*)$/;

function requireKeyName(name: string): void {
  if (name === '' || NAME_FORBIDDEN.test(name)) {
    fail('invalid_input', `key name ${JSON.stringify(name)} is invalid: expected non-empty, without spaces, '+' or control characters`);
  }
}

/** Decodes standard padded base64, refusing any non-canonical spelling. */
function decodeBase64(text: string, what: string, reason: CheckpointNoteFailure): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (text === '' || bytes.toString('base64') !== text) fail(reason, `${what} is not valid base64: ${JSON.stringify(text)}`);
  return bytes;
}

/**
 * Returns the raw 32-byte Ed25519 public key of `key` (a public key, or the
 * private key whose public half is wanted). Requires an Ed25519 KeyObject.
 */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    fail('invalid_input', `expected an Ed25519 key, got ${publicKey.asymmetricKeyType ?? publicKey.type}`);
  }
  const { x } = publicKey.export({ format: 'jwk' });
  return Buffer.from(x!, 'base64url');
}

function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/**
 * Returns the 4-byte signed-note key ID of an Ed25519 key under `keyName`.
 * `publicKey` is a KeyObject or the raw 32 bytes. Requires a valid key name.
 */
export function keyIdFor(keyName: string, publicKey: KeyObject | Uint8Array): Buffer {
  requireKeyName(keyName);
  const raw = publicKey instanceof Uint8Array ? publicKey : rawEd25519PublicKey(publicKey);
  if (raw.length !== 32) fail('invalid_input', `Ed25519 public key is ${raw.length} bytes, expected 32`);
  return createHash('sha256').update(keyName, 'utf8').update(Buffer.from([0x0a, ALG_ED25519])).update(raw).digest().subarray(0, 4);
}

/** Returns the verifier key `<name>+<hex id>+<base64(0x01 ‖ raw key)>` for raw key bytes. */
export function verifierKeyFromRaw(keyName: string, rawPublicKey: Uint8Array): string {
  const id = keyIdFor(keyName, rawPublicKey);
  return `${keyName}+${id.toString('hex')}+${Buffer.concat([Buffer.from([ALG_ED25519]), rawPublicKey]).toString('base64')}`;
}

/** Returns the verifier key string for an Ed25519 key (public or private KeyObject). */
export function verifierKeyString(keyName: string, publicKey: KeyObject): string {
  return verifierKeyFromRaw(keyName, rawEd25519PublicKey(publicKey));
}

/**
 * Parses `<name>+<8 hex key ID>+<base64(0x01 ‖ 32-byte key)>`, checking the
 * key ID against the name and key. Throws CheckpointNoteError ('malformed_key').
 */
export function parseVerifierKey(text: string): VerifierKey {
  // The base64 part may itself contain '+': split at the first two only.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) fail('malformed_key', `verifier key ${JSON.stringify(text)} is not <name>+<key id>+<key>`);
  const keyName = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  if (keyName === '' || NAME_FORBIDDEN.test(keyName)) fail('malformed_key', `verifier key name ${JSON.stringify(keyName)} is invalid`);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) fail('malformed_key', `verifier key ID ${JSON.stringify(idHex)} is not 8 hex digits`);
  const key = decodeBase64(text.slice(second + 1), 'verifier key', 'malformed_key');
  if (key.length !== 33 || key[0] !== ALG_ED25519) {
    fail('malformed_key', `verifier key must be 0x01 followed by 32 bytes (Ed25519), got ${key.length} bytes starting 0x${key.subarray(0, 1).toString('hex')}`);
  }
  const rawPublicKey = key.subarray(1);
  const keyId = keyIdFor(keyName, rawPublicKey);
  if (keyId.toString('hex') !== idHex.toLowerCase()) {
    fail('malformed_key', `verifier key ID ${idHex} does not match its name and key, expected ${keyId.toString('hex')}`);
  }
  return { keyName, keyId, publicKey: publicKeyFromRaw(rawPublicKey), rawPublicKey };
}

/** Formats a checkpoint body. Requires an origin without newlines, a safe-integer size and a 32-byte root. */
export function formatCheckpointBody({ origin, size, rootHash }: CheckpointContent): string {
  if (origin === '' || NOTE_FORBIDDEN.test(origin) || origin.includes('\n')) {
    fail('invalid_input', `checkpoint origin ${JSON.stringify(origin)} must be non-empty, one line, without control characters`);
  }
  if (!Number.isSafeInteger(size) || size < 0) fail('invalid_input', `checkpoint size must be a safe integer >= 0, got ${size}`);
  if (rootHash.length !== 32) fail('invalid_input', `checkpoint root hash is ${rootHash.length} bytes, expected 32`);
  return `${origin}\n${size}\n${rootHash.toString('base64')}\n`;
}

/** Parses a checkpoint body written by `formatCheckpointBody`. Throws CheckpointNoteError ('malformed_checkpoint'). */
export function parseCheckpointBody(body: string): CheckpointContent {
  if (!body.endsWith('\n')) fail('malformed_checkpoint', 'checkpoint body does not end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length !== 3) {
    fail('malformed_checkpoint', `checkpoint body has ${lines.length} lines, expected 3 (origin, size, root hash; no extension lines)`);
  }
  const [origin, sizeText, rootText] = lines;
  if (origin === '') fail('malformed_checkpoint', 'checkpoint origin line is empty');
  if (!DECIMAL.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    fail('malformed_checkpoint', `checkpoint size ${JSON.stringify(sizeText)} is not a decimal safe integer`);
  }
  const rootHash = decodeBase64(rootText, 'checkpoint root hash', 'malformed_checkpoint');
  if (rootHash.length !== 32) fail('malformed_checkpoint', `checkpoint root hash is ${rootHash.length} bytes, expected 32`);
  return { origin, size: Number(sizeText), rootHash };
}

/**
 * Signs `text` as a signed note with one Ed25519 signature line.
 * Requires text ending in "\n" with no control characters but newlines, a
 * valid key name and an Ed25519 private key.
 */
export function signNote(text: string, { keyName, privateKey }: NoteSigner): string {
  requireKeyName(keyName);
  if (!text.endsWith('\n') || NOTE_FORBIDDEN.test(text)) {
    fail('invalid_input', 'note text must end with a newline and contain no control characters other than newlines');
  }
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    fail('invalid_input', `expected an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? ''} ${privateKey.type} key`);
  }
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  const keyId = keyIdFor(keyName, privateKey);
  return `${text}\n${SIGNATURE_PREFIX}${keyName} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

/** Signs a checkpoint body (as made by `formatCheckpointBody`); returns the full note text. */
export function signCheckpoint(body: string, signer: NoteSigner): string {
  parseCheckpointBody(body);
  return signNote(body, signer);
}

function resolveKey(key: string | { keyName: string; publicKey: KeyObject }): VerifierKey {
  if (typeof key === 'string') return parseVerifierKey(key);
  const rawPublicKey = rawEd25519PublicKey(key.publicKey);
  return { keyName: key.keyName, keyId: keyIdFor(key.keyName, rawPublicKey), publicKey: key.publicKey, rawPublicKey };
}

/**
 * Opens a signed note: checks its syntax and the signature by `verifierKey`
 * (a verifier key string, or a key name with a public key) and returns the
 * signed text. Throws CheckpointNoteError when the note is malformed, carries
 * no signature by that key, or that signature does not verify.
 */
export function openNote(note: string, verifierKey: string | { keyName: string; publicKey: KeyObject }): string {
  const key = resolveKey(verifierKey);
  const wanted = `${key.keyName}+${key.keyId.toString('hex')}`;
  if (NOTE_FORBIDDEN.test(note)) fail('malformed_note', 'note contains control characters or invalid UTF-16');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) fail('malformed_note', 'note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) fail('malformed_note', 'note signature block is empty or does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) fail('malformed_note', `note has ${lines.length} signature lines, at most ${MAX_SIGNATURES} allowed`);

  const found: string[] = [];
  let ours: Buffer | null = null;
  for (const line of lines) {
    if (!line.startsWith(SIGNATURE_PREFIX)) fail('malformed_note', `signature line ${JSON.stringify(line)} does not start with "— "`);
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    if (name === '' || NAME_FORBIDDEN.test(name)) fail('malformed_note', `signature line names an invalid key ${JSON.stringify(name)}`);
    const sig = decodeBase64(space < 0 ? '' : rest.slice(space + 1), `signature by ${name}`, 'malformed_note');
    if (sig.length < 5) fail('malformed_note', `signature by ${name} is ${sig.length} bytes, expected a 4-byte key ID and a signature`);
    const id = `${name}+${sig.subarray(0, 4).toString('hex')}`;
    found.push(id);
    if (id === wanted && ours === null) ours = sig.subarray(4);
  }
  if (ours === null) {
    return fail('no_signature', `note has no signature by ${wanted}; found signatures by ${found.join(', ')}`);
  }
  if (ours.length !== 64 || !verify(null, Buffer.from(text, 'utf8'), key.publicKey, ours)) {
    fail('signature_invalid', `signature by ${wanted} does not verify over the note text`);
  }
  return text;
}

/**
 * Opens a signed checkpoint: verifies the note signature by `verifierKey`,
 * parses the body and, when `expectedOrigin` is given, checks the origin.
 * Throws CheckpointNoteError (code `ledger.checkpoint_invalid`).
 */
export function openCheckpoint(
  note: string,
  verifierKey: string | { keyName: string; publicKey: KeyObject },
  expectedOrigin?: string,
): CheckpointContent {
  const checkpoint = parseCheckpointBody(openNote(note, verifierKey));
  if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) {
    fail('origin_mismatch', `checkpoint origin is ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(expectedOrigin)}`);
  }
  return checkpoint;
}
