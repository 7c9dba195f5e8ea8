/**
 * Reading and checking a ledger checkpoint in the browser: the C2SP signed
 * note written by src/audit/checkpoint-note.ts, signed with Ed25519.
 *
 *   body      = <origin> "\n" <tree size, decimal> "\n" <base64 root hash> "\n"
 *   note      = body "\n" ( "— " <key name> " " base64(key ID ‖ signature) "\n" )+
 *   key ID    = SHA-256(<key name> ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]
 *   verifier  = <key name> "+" <hex key ID> "+" base64(0x01 ‖ public key)
 *
 * As in golang.org/x/mod/sumdb/note: the note splits at its last blank line,
 * at most 100 signature lines, lines by other keys are ignored and the first
 * line by the pinned key (same name AND key ID) decides.
 */
import { concatBytes, fromBase64, LedgerVerifyError, sha256, toHex, utf8Bytes } from './bytes.ts';

/** A verifier key the operator pinned, parsed and its key ID checked. */
export interface PinnedVerifierKey {
  keyName: string;
  /** 8 lowercase hex digits */
  keyId: string;
  rawPublicKey: Uint8Array;
}

/** One signature line of a note. */
export interface NoteSignature {
  keyName: string;
  /** 8 lowercase hex digits, from the first 4 bytes of the signature */
  keyId: string;
  signature: Uint8Array;
}

/** A note split into its signed text and its signature lines (nothing verified yet). */
export interface SignedNote {
  text: string;
  signatures: NoteSignature[];
}

/** What a checkpoint body says. */
export interface CheckpointBody {
  origin: string;
  size: number;
  rootHash: Uint8Array;
}

const ALG_ED25519 = 0x01;
const SIGNATURE_PREFIX = '— ';
const MAX_SIGNATURES = 100;
const NAME_FORBIDDEN = /[\s\u0085+\x00-\x1f]|\p{Cs}/u;
const NOTE_FORBIDDEN = /[\x00-\x09\x0b-\x1f]|\p{Cs}/u; // controls other than \n; lone surrogates
const DECIMAL = /^(0|[1-9][0-9]*)$/;

const fail = (reason: string, message: string): never => {
  throw new LedgerVerifyError(reason, message);
};

/** Returns the signed-note key ID (8 hex digits) of a raw 32-byte Ed25519 key under `keyName`. */
export async function keyIdFor(keyName: string, rawPublicKey: Uint8Array): Promise<string> {
  const digest = await sha256(utf8Bytes(keyName), new Uint8Array([0x0a, ALG_ED25519]), rawPublicKey);
  return toHex(digest.subarray(0, 4));
}

/**
 * Parses a verifier key `<name>+<8 hex key ID>+<base64(0x01 ‖ 32-byte key)>`
 * and checks that the key ID is the one of that name and key, so the ID the
 * console shows is bound to the key it verifies with. Throws
 * LedgerVerifyError ('malformed_key').
 */
export async function parseVerifierKey(text: string): Promise<PinnedVerifierKey> {
  if (typeof text !== 'string') return fail('malformed_key', 'verifier key is not a string');
  const trimmed = text.trim();
  // The base64 part may itself contain '+': split at the first two only.
  const first = trimmed.indexOf('+');
  const second = first < 0 ? -1 : trimmed.indexOf('+', first + 1);
  if (second < 0) fail('malformed_key', `verifier key ${JSON.stringify(trimmed)} is not <name>+<key id>+<key>`);
  const keyName = trimmed.slice(0, first);
  const idHex = trimmed.slice(first + 1, second);
  if (keyName === '' || NAME_FORBIDDEN.test(keyName)) fail('malformed_key', `verifier key name ${JSON.stringify(keyName)} is invalid`);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) fail('malformed_key', `verifier key ID ${JSON.stringify(idHex)} is not 8 hex digits`);
  const key = fromBase64(trimmed.slice(second + 1));
  if (key === null || key.length !== 33 || key[0] !== ALG_ED25519) {
    fail('malformed_key', 'verifier key must end in base64 of 0x01 followed by a 32-byte Ed25519 public key');
  }
  const rawPublicKey = key!.subarray(1);
  const keyId = await keyIdFor(keyName, rawPublicKey);
  if (keyId !== idHex.toLowerCase()) fail('malformed_key', `verifier key ID ${idHex} does not match its name and key, expected ${keyId}`);
  return { keyName, keyId, rawPublicKey };
}

/** Splits a signed note into its text and signature lines. Throws LedgerVerifyError ('malformed_note'). */
export function parseSignedNote(note: string): SignedNote {
  if (typeof note !== 'string') return fail('malformed_note', 'checkpoint note is not a string');
  if (NOTE_FORBIDDEN.test(note)) fail('malformed_note', 'note contains control characters or invalid UTF-16');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) fail('malformed_note', 'note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) fail('malformed_note', 'note signature block is empty or does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) fail('malformed_note', `note has ${lines.length} signature lines, at most ${MAX_SIGNATURES} allowed`);
  const signatures = lines.map((line): NoteSignature => {
    if (!line.startsWith(SIGNATURE_PREFIX)) fail('malformed_note', `signature line ${JSON.stringify(line)} does not start with "— "`);
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const keyName = space < 0 ? rest : rest.slice(0, space);
    if (keyName === '' || NAME_FORBIDDEN.test(keyName)) fail('malformed_note', `signature line names an invalid key ${JSON.stringify(keyName)}`);
    const bytes = space < 0 ? null : fromBase64(rest.slice(space + 1));
    if (bytes === null || bytes.length < 5) fail('malformed_note', `signature by ${keyName} is not base64 of a 4-byte key ID and a signature`);
    return { keyName, keyId: toHex(bytes!.subarray(0, 4)), signature: bytes!.subarray(4) };
  });
  return { text, signatures };
}

/** Parses a checkpoint body (origin, size, root; no extension lines). Throws LedgerVerifyError ('malformed_checkpoint'). */
export function parseCheckpointBody(text: string): CheckpointBody {
  if (!text.endsWith('\n')) fail('malformed_checkpoint', 'checkpoint body does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 3) fail('malformed_checkpoint', `checkpoint body has ${lines.length} lines, expected 3 (origin, size, root hash)`);
  const [origin, sizeText, rootText] = lines;
  if (origin === '') fail('malformed_checkpoint', 'checkpoint origin line is empty');
  if (!DECIMAL.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) fail('malformed_checkpoint', `checkpoint size ${JSON.stringify(sizeText)} is not a decimal safe integer`);
  const rootHash = fromBase64(rootText);
  if (rootHash === null || rootHash.length !== 32) fail('malformed_checkpoint', `checkpoint root hash ${JSON.stringify(rootText)} is not base64 of 32 bytes`);
  return { origin, size: Number(sizeText), rootHash: rootHash! };
}

/** The first signature line by the pinned key (same name and key ID), or null: lines by other keys are ignored. */
export function findSignatureBy(note: SignedNote, key: Pick<PinnedVerifierKey, 'keyName' | 'keyId'>): NoteSignature | null {
  return note.signatures.find((s) => s.keyName === key.keyName && s.keyId === key.keyId) ?? null;
}

/** Whether `signature` is a valid Ed25519 signature by `key` over the note text's UTF-8 bytes (Web Crypto). */
export async function verifyNoteSignature(text: string, signature: NoteSignature, key: PinnedVerifierKey): Promise<boolean> {
  if (signature.signature.length !== 64) return false;
  const publicKey = await globalThis.crypto.subtle.importKey('raw', concatBytes(key.rawPublicKey), { name: 'Ed25519' }, false, ['verify']);
  return globalThis.crypto.subtle.verify({ name: 'Ed25519' }, publicKey, concatBytes(signature.signature), concatBytes(utf8Bytes(text)));
}
