import { createHmac, timingSafeEqual } from 'node:crypto';
import { KeyledgerError } from '../platform/errors.ts';

/** How far the signature's timestamp may be from the server's clock, either way (replays older than this are refused outright). */
export const SIGNATURE_WINDOW_SECONDS = 300;

/** The parts of a `Keyledger-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` header. */
export interface SignatureHeader {
  timestamp: number;
  /** Every v1 signature given (a sender rotating its secret may sign with both). */
  signatures: Buffer[];
}

/**
 * Parses a signature header. Requires exactly one `t` (whole unix seconds) and at
 * least one `v1` (64 hex digits); other schemes are ignored, as senders may add
 * newer ones. Throws `lifecycle.signature_invalid` saying what is wrong.
 */
export function parseSignatureHeader(header: string | undefined): SignatureHeader {
  if (typeof header !== 'string' || header.length === 0) throw new KeyledgerError('lifecycle.signature_invalid', 'the Keyledger-Signature header is missing');
  if (header.length > 1024) throw new KeyledgerError('lifecycle.signature_invalid', 'the Keyledger-Signature header is too long');
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== null || !/^\d{1,12}$/.test(value)) throw new KeyledgerError('lifecycle.signature_invalid', `the Keyledger-Signature header needs one t=<unix seconds>, got ${JSON.stringify(header.slice(0, 80))}`);
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) throw new KeyledgerError('lifecycle.signature_invalid', 'a v1 signature must be 64 hex digits (HMAC-SHA256)');
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === null) throw new KeyledgerError('lifecycle.signature_invalid', 'the Keyledger-Signature header has no t=<unix seconds>');
  if (signatures.length === 0) throw new KeyledgerError('lifecycle.signature_invalid', 'the Keyledger-Signature header has no v1=<hex HMAC-SHA256>');
  return { timestamp, signatures };
}

/** HMAC-SHA256(secret, `${timestamp}.` ‖ body): what a sender puts in v1 (hex). */
export function signHrEvent(secret: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * Checks a signed request (pure): the timestamp within ±5 minutes of `now`,
 * then some v1 signature equal, compared in constant time, to the HMAC of the
 * raw body under one of `secrets` (the current secret and, during a rotation's
 * overlap, the previous one). Throws `lifecycle.signature_invalid` or
 * `lifecycle.timestamp_outside_window`.
 */
export function verifyHrSignature(header: string | undefined, body: Buffer, secrets: string[], now: Date): void {
  const parsed = parseSignatureHeader(header);
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - parsed.timestamp);
  if (skew > SIGNATURE_WINDOW_SECONDS) {
    throw new KeyledgerError('lifecycle.timestamp_outside_window', `the signature's timestamp ${parsed.timestamp} is ${skew} seconds from the server's clock; at most ${SIGNATURE_WINDOW_SECONDS} are accepted`);
  }
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signHrEvent(secret, parsed.timestamp, body), 'hex');
    // Every candidate is compared (no early exit), each in constant time.
    for (const given of parsed.signatures) if (timingSafeEqual(expected, given)) matched = true;
  }
  if (!matched) throw new KeyledgerError('lifecycle.signature_invalid', 'no v1 signature matches the body under this source’s secret');
}
