/**
 * Deterministic samples an auditor can re-derive by hand: every row of a
 * population is ranked by SHA-256(seed ‖ 0x0a ‖ key value) in lowercase hex,
 * ascending, and the first `size` rows are the sample. The key value is the
 * row's sample-key cell as text (numbers in JSON form, true/false, null as the
 * empty string). Rows whose key values tie are ordered by their JSON text, so
 * the sample never depends on the order the rows came in.
 */
import { createHash } from 'node:crypto';
import type { Cell, CitedRow } from '../model.ts';

/** The rule in one line, as written into `samples/sampling.json`. */
export const SAMPLING_RULE = 'rank each row by lowercase hex SHA-256(seed + "\\n" + key value), ascending; the sample is the first `size` rows';

/** A drawn row and its rank (the hex SHA-256 it was ordered by). */
export type SampledRow = CitedRow & { rank: string };

/** The text a key cell is hashed as. */
export function sampleKeyText(cell: Cell | undefined): string {
  return cell === null || cell === undefined ? '' : String(cell);
}

/** The rank of one key value under a seed: hex SHA-256(seed ‖ 0x0a ‖ key). */
export function sampleRank(seed: string, keyValue: string): string {
  return createHash('sha256').update(`${seed}\n${keyValue}`, 'utf8').digest('hex');
}

/**
 * Draws the sample of `size` rows from `rows` ranked by their `key` column
 * under `seed`; `size` at or above the population returns every row (ranked).
 * Requires size to be an integer >= 0.
 */
export function drawSample(rows: readonly CitedRow[], key: string, seed: string, size: number): SampledRow[] {
  const ranked = rows.map((r) => ({ ...r, rank: sampleRank(seed, sampleKeyText(r.row[key])), tie: JSON.stringify(r) }));
  ranked.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0));
  return ranked.slice(0, Math.max(0, size)).map(({ tie: _tie, ...r }) => r);
}
