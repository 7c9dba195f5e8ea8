/**
 * Byte helpers for the in-browser ledger verifier. Only globals that browsers
 * and Node 20 share: crypto.subtle, TextEncoder, atob and btoa.
 */

/** A malformed input the verifier refuses; `reason` is stable, the message says what was found. */
export class LedgerVerifyError extends Error {
  override readonly name = 'LedgerVerifyError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const utf8 = new TextEncoder();

/** The UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/** SHA-256 of `parts`, concatenated. */
export async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', concatBytes(...parts)));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard padded base64, refusing any other spelling (no whitespace,
 * no URL alphabet, no stray bits in the last character), as the server does.
 * Returns null for anything else, including the empty string.
 */
export function fromBase64(text: unknown): Uint8Array | null {
  if (typeof text !== 'string' || text === '' || !BASE64.test(text)) return null;
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return toBase64(bytes) === text ? bytes : null;
}
