// Leaf hashing for full-ledger verification, shared by the in-process path and
// the verification worker threads. Plain JavaScript so that a worker thread
// loads it without a TypeScript loader, whatever started the process.
import crypto from 'node:crypto';

/** SHA-256 as a latin1 string (one byte a character): lands in Node's buffer pool when written out, unlike a fresh Buffer. */
const sha256Latin1 =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'latin1')
    : (data) => crypto.createHash('sha256').update(data).digest('latin1');

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

/** Rows read per query when hashing a range. */
export const PAGE_SIZE = 5_000;

/**
 * Hashes the events at positions [start, end) into `out`, reading them a page
 * at a time with `readPage(from, to)`, which returns how many rows it found and
 * their canonical texts joined by newlines in sequence order (canonical JSON
 * never contains a raw newline, so the join splits back exactly; a page that
 * does not — a tampered body — is read again row by row with `readRows`).
 * Returns the first position whose event is missing or not the one that
 * belongs there, or null.
 * @param {(from: number, to: number) => Promise<{ n: number, bodies: string | null }>} readPage
 * @param {(from: number, to: number) => Promise<string[]>} readRows
 * @param {number} start
 * @param {number} end
 * @param {Buffer} out
 * @param {number} base
 * @returns {Promise<null | { position: number }>}
 */
export async function hashLedgerRange(readPage, readRows, start, end, out, base) {
  for (let from = start; from < end; from += PAGE_SIZE) {
    const to = Math.min(from + PAGE_SIZE, end);
    const { n, bodies } = await readPage(from, to);
    let texts = n > 0 && bodies !== null ? bodies.split('\n') : [];
    if (texts.length !== n) texts = await readRows(from, to);
    const r = hashLeafBodies(texts, from, out, base);
    if (r.mismatch) return { position: r.mismatch.position };
    if (r.count < to - from) return { position: from + r.count };
  }
  return null;
}

/**
 * Fills in the perfect Merkle nodes of levels `fromLevel`..`toLevel` whose
 * leaves all lie in [start, end): node i of level L is
 * SHA-256(0x01 ‖ node 2i of level L-1 ‖ node 2i+1 of level L-1).
 * `levels[L]` holds the nodes of level L, 32 bytes each, from index 0.
 * Requires the nodes of level fromLevel-1 in that range to be present.
 * @param {Buffer[]} levels
 * @param {number} start
 * @param {number} end
 * @param {number} fromLevel
 * @param {number} toLevel
 */
export function hashLevels(levels, start, end, fromLevel, toLevel) {
  const input = Buffer.alloc(65);
  input[0] = 1;
  for (let level = fromLevel; level <= toLevel && level < levels.length; level++) {
    const width = 2 ** level;
    const below = levels[level - 1];
    const here = levels[level];
    const last = Math.floor(end / width);
    for (let i = Math.ceil(start / width); i < last; i++) {
      below.copy(input, 1, 64 * i, 64 * i + 64);
      here.write(sha256Latin1(input), 32 * i, 32, 'latin1');
    }
  }
}
