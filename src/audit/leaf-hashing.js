// Leaf hashing for full-ledger verification, shared by the in-process path and
// the verification worker threads. Plain JavaScript so that a worker thread
// loads it without a TypeScript loader, whatever started the process.
import crypto from 'node:crypto';

const sha256Latin1 =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'latin1')
    : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('latin1');

/**
 * The top-level `seq` of a canonical (RFC 8785) event: keys are sorted, and
 * `seq` is the last top-level key before `targets`, `time` and `v`, so its
 * last occurrence is the top-level one. Returns -1 when absent.
 * @param {string} body
 * @returns {number}
 */
export function embeddedSeq(body) {
  const at = body.lastIndexOf(',"seq":');
  if (at < 0) return -1;
  let n = 0;
  let i = at + 7;
  for (; i < body.length; i++) {
    const c = body.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  return i === at + 7 ? -1 : n;
}

/**
 * Writes the RFC 6962 leaf hash SHA-256(0x00 ‖ utf8(body)) of each body into
 * `out` at `(position - base) * 32`, positions counting up from `start`, and
 * checks that each body says it sits at its position. Stops at the first body
 * that does not (a deleted, inserted or moved event).
 * @param {Iterable<string>} bodies canonical event texts in ledger order
 * @param {number} start position of the first body
 * @param {Buffer} out 32 bytes per leaf
 * @param {number} base position stored at offset 0 of `out`
 * @returns {{ count: number, mismatch: null | { position: number, embeddedSeq: number } }}
 */
export function hashLeafBodies(bodies, start, out, base) {
  let position = start;
  for (const body of bodies) {
    const seq = embeddedSeq(body);
    if (seq !== position) return { count: position - start, mismatch: { position, embeddedSeq: seq } };
    // U+0000 encodes as the single byte 0x00, the RFC 6962 leaf prefix.
    out.write(sha256Latin1('\u0000' + body), (position - base) * 32, 32, 'latin1');
    position++;
  }
  return { count: position - start, mismatch: null };
}
