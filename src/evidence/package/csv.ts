/**
 * RFC 4180 CSV for evidence populations: CRLF line ends, a header row of
 * column names, fields quoted when they hold `,` `"` CR or LF (quotes
 * doubled), and a last column `ledger_event_ids` with the row's cited event
 * ids joined by a space.
 *
 * Formula-injection guard: spreadsheets run a cell starting with `=` `+` `-`
 * `@` TAB or CR as a formula, so a text cell starting with one of them is
 * written with a leading `'`. Numbers and booleans are written as they are
 * (`-3` stays a number); null is an empty field. The package README says so.
 */
import type { Cell, CitedRow } from '../model.ts';

/** Name of the CSV column that lists the cited ledger event ids. */
export const CITES_COLUMN = 'ledger_event_ids';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field for a cell value (guarded and quoted as the module comment says). */
export function csvField(cell: Cell): string {
  if (cell === null) return '';
  let text = typeof cell === 'string' ? cell : String(cell);
  if (typeof cell === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record (without its line end). */
export function csvRecord(cells: readonly Cell[]): string {
  return cells.map(csvField).join(',');
}

/**
 * The records of a population's CSV, each with its CRLF: the header first,
 * then one per row in order. Columns are taken from `columns` (a row's other
 * keys are ignored; a missing key is written as empty).
 */
export function csvRecords(columns: readonly string[], rows: readonly CitedRow[]): string[] {
  const header = csvRecord([...columns, CITES_COLUMN]) + '\r\n';
  return [header, ...rows.map((r) => csvRecord([...columns.map((c) => r.row[c] ?? null), r.cites.join(' ')]) + '\r\n')];
}

/** The whole CSV text of a population. */
export function renderCsv(columns: readonly string[], rows: readonly CitedRow[]): string {
  return csvRecords(columns, rows).join('');
}

/**
 * Compares a CSV text with the one `rows` render to: null when equal, else
 * the first differing record (0 = the header, n = the n-th row) — or
 * rows.length + 1 when the text carries more than the rows render.
 */
export function firstCsvDifference(text: string, columns: readonly string[], rows: readonly CitedRow[]): number | null {
  let offset = 0;
  const records = csvRecords(columns, rows);
  for (let i = 0; i < records.length; i++) {
    if (!text.startsWith(records[i], offset)) return i;
    offset += records[i].length;
  }
  return offset === text.length ? null : records.length;
}
