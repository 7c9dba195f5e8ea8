import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.ts';

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits, so ids sort by
 * creation time. A counter in the random part keeps ids from one process
 * monotonic within the same millisecond.
 */
export function createIdGenerator(clock: Clock): () => string {
  let lastMs = -1;
  let counter = 0;
  // Random bytes are drawn 4 KiB at a time: one system call per 227 ids instead of two per id.
  let pool = randomBytes(4096);
  let offset = 0;
  return () => {
    if (offset + 18 > pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    let ms = clock.now().getTime();
    if (ms <= lastMs) {
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        ms = lastMs + 1;
        counter = 0;
      }
    } else {
      counter = pool.readUInt16BE(offset + 16) & 0x3ff;
    }
    lastMs = ms;
    const bytes = Buffer.from(pool.subarray(offset, offset + 16));
    offset += 18;
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | ((counter >> 8) & 0x0f);
    bytes[7] = counter & 0xff;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/**
 * A secret token with a recognisable prefix (`kl_<kind>_`) so secret scanners
 * can find leaks: 32 random bytes, base64url.
 */
export function generateToken(kind: string): string {
  return `kl_${kind}_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are high-entropy, so a plain SHA-256 is the right stored form (no salt or KDF needed). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
