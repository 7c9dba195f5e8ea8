/**
 * Package checks beyond the files and the ledger:
 *
 *  - every table named by the manifest is present as JSON and CSV, every id
 *    it cites is an embedded event, its CSV is exactly the CSV its JSON rows
 *    render to, and each row of a table with `recompute` equals what that
 *    row builder computes from the cited events and the manifest parameters;
 *  - log-integrity/consistency-proof.json (when present): both checkpoints
 *    open with the key, match the proof's sizes and roots and the package's
 *    checkpoint, and the proof holds;
 *  - samples/sampling.json (when present): each sample re-drawn from its
 *    population is the one recorded, and its CSV is what it renders to.
 */
import { openCheckpoint } from '../../audit/checkpoint-note.ts';
import type { LedgerEvent } from '../../audit/event.ts';
import type { ConsistencyProof } from '../../audit/ledger-queries.ts';
import { verifyConsistency } from '../../audit/merkle-proof.ts';
import { CONSISTENCY_PROOF_FILE, type CitedRow, type Row, type RowBuilder } from '../model.ts';
import { firstCsvDifference } from './csv.ts';
import { drawSample, sampleKeyText } from './sampling.ts';
import type { ProblemLog, VerifyPackageReport } from './verify-report.ts';
import type { PackageFiles } from './verify-package.ts';
import { EVENTS_FILE, SAMPLING_FILE, renderSampleCsv, samplePath, type PackageManifest, type SamplingDocument, type TableDocument } from './write-package.ts';

/** A population as the verifier read it, by `<criterion>/<table>`. */
export interface ReadTable {
  doc: TableDocument;
  rows: CitedRow[];
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function readTable(files: PackageFiles, path: string, log: ProblemLog): ReadTable | null {
  if (!files.has(path)) return log.add('tables', { code: 'table.missing', file: path, message: `${path} is named by the manifest but missing` }), null;
  const doc = files.json<TableDocument>(path);
  const fine = doc && Array.isArray(doc.columns) && Array.isArray(doc.rows) && doc.rows.every((r) => r && Array.isArray(r.cites) && r.cites.every((c) => typeof c === 'string'));
  if (!fine) return log.add('tables', { code: 'table.malformed', file: path, message: `${path} is not a population ({ columns, rows: [{ …, cites }] })` }), null;
  const names = doc.columns.map((c) => c.name);
  return { doc, rows: doc.rows.map((r) => ({ row: Object.fromEntries(names.map((n) => [n, (r[n] ?? null) as Row[string]])), cites: r.cites })) };
}

/** The first column where `recomputed` differs from `row` (keys in column order), or null. */
function firstDifference(columns: string[], row: Row, recomputed: Row): string | null {
  const keys = Object.keys(recomputed);
  for (let i = 0; i < Math.max(columns.length, keys.length); i++) {
    const c = columns[i] ?? keys[i];
    if (keys[i] !== columns[i]) return c;
    if (!same(row[c], recomputed[c])) return c;
  }
  return null;
}

function recomputeRows(path: string, t: ReadTable, events: Map<string, LedgerEvent>, build: RowBuilder, params: PackageManifest['parameters'], log: ProblemLog, counts: VerifyPackageReport['counts']): void {
  const columns = t.doc.columns.map((c) => c.name);
  t.rows.forEach((r, i) => {
    const row = i + 1;
    const cited = r.cites.map((id) => events.get(id));
    if (cited.some((e) => !e)) return; // reported as table.cite_missing
    const ordered = (cited as LedgerEvent[]).sort((a, b) => a.seq - b.seq);
    let recomputed: Row;
    try {
      recomputed = build(ordered, params);
    } catch (err) {
      return log.add('recompute', { code: 'table.row_mismatch', file: path, row, message: `row ${row}: rule ${t.doc.recompute} failed on its cited events: ${message(err)}` });
    }
    const column = firstDifference(columns, r.row, recomputed);
    if (column === null) counts.rowsRecomputed++;
    else {
      log.add('recompute', {
        code: 'table.row_mismatch',
        file: path,
        row,
        message: `row ${row}, column ${column}: the package says ${JSON.stringify(r.row[column]) ?? '(absent)'}, recomputed from the cited events: ${JSON.stringify(recomputed[column]) ?? '(absent)'}`,
      });
    }
  });
}

/** Checks every population the manifest names; returns them by `<criterion>/<table>` for the sample check. */
export function verifyTables(files: PackageFiles, manifest: PackageManifest, events: Map<string, LedgerEvent>, builders: Record<string, RowBuilder>, log: ProblemLog, counts: VerifyPackageReport['counts']): Map<string, ReadTable> {
  const tables = new Map<string, ReadTable>();
  let recomputable = 0;
  for (const section of manifest.sections) {
    for (const name of Array.isArray(section.tables) ? section.tables : []) {
      const path = `${section.id}/${name}.json`;
      const t = readTable(files, path, log);
      if (!t) continue;
      tables.set(`${section.id}/${name}`, t);
      counts.rows += t.rows.length;
      t.rows.forEach((r, i) => {
        for (const id of r.cites) {
          if (!events.has(id)) log.add('tables', { code: 'table.cite_missing', file: path, row: i + 1, message: `row ${i + 1} cites event ${id}, which is not in ${EVENTS_FILE}` });
        }
      });
      const csvPath = `${section.id}/${name}.csv`;
      const csv = files.text(csvPath);
      if (csv === null) log.add('tables', { code: 'table.missing', file: csvPath, message: `${csvPath} is missing or not UTF-8` });
      else {
        const diff = firstCsvDifference(csv, t.doc.columns.map((c) => c.name), t.rows);
        if (diff !== null) {
          const where = diff === 0 ? 'the header' : diff > t.rows.length ? `what follows row ${t.rows.length}` : `row ${diff}`;
          log.add('tables', { code: 'table.csv_mismatch', file: csvPath, row: diff, message: `${csvPath} differs from ${path} at ${where}` });
        }
      }
      if (!t.doc.recompute) continue;
      recomputable++;
      const build = builders[t.doc.recompute];
      if (!build) log.add('recompute', { code: 'table.unknown_builder', file: path, message: `${path} names the rule ${t.doc.recompute}, which this verifier does not know (a newer Keyledger may)` });
      else recomputeRows(path, t, events, build, manifest.parameters, log, counts);
    }
  }
  if (recomputable === 0) log.skip('recompute');
  return tables;
}

/** Checks log-integrity/consistency-proof.json when the package has one. */
export function verifyConsistencyFile(files: PackageFiles, checkpoint: { size: number; rootHash: Buffer } | null, key: string | null, log: ProblemLog): void {
  const file = CONSISTENCY_PROOF_FILE;
  if (!files.has(file)) return log.skip('consistency');
  const doc = files.json<ConsistencyProof>(file);
  if (!doc || !Array.isArray(doc.proof) || typeof doc.toCheckpoint !== 'string') return log.add('consistency', { code: 'consistency.malformed', file, message: `${file} is not a consistency proof` });
  if (!key) return log.add('consistency', { code: 'consistency.checkpoint_invalid', file, message: 'no usable verifier key to open its checkpoints with' });
  const open = (note: string, which: string) => {
    try {
      return openCheckpoint(note, key);
    } catch (err) {
      log.add('consistency', { code: 'consistency.checkpoint_invalid', file, message: `${which}: ${message(err)}` });
      return null;
    }
  };
  const to = open(doc.toCheckpoint, 'toCheckpoint');
  if (to && (to.size !== doc.toSize || to.rootHash.toString('base64') !== doc.toRoot)) {
    log.add('consistency', { code: 'consistency.mismatch', file, message: `toCheckpoint is size ${to.size} root ${to.rootHash.toString('base64')}, the proof says size ${doc.toSize} root ${doc.toRoot}` });
  }
  if (to && checkpoint && (to.size !== checkpoint.size || !to.rootHash.equals(checkpoint.rootHash))) {
    log.add('consistency', { code: 'consistency.mismatch', file, message: `toCheckpoint is size ${to.size}, not the package's checkpoint (size ${checkpoint.size})` });
  }
  if (doc.fromCheckpoint !== null) {
    const from = open(doc.fromCheckpoint, 'fromCheckpoint');
    if (from && (from.size !== doc.fromSize || from.rootHash.toString('base64') !== doc.fromRoot)) {
      log.add('consistency', { code: 'consistency.mismatch', file, message: `fromCheckpoint is size ${from.size} root ${from.rootHash.toString('base64')}, the proof says size ${doc.fromSize} root ${doc.fromRoot}` });
    }
  }
  try {
    const b64 = (s: string) => Buffer.from(s, 'base64');
    verifyConsistency(doc.fromSize, doc.toSize, doc.proof.map(b64), b64(doc.fromRoot), b64(doc.toRoot));
  } catch (err) {
    log.add('consistency', { code: 'consistency.invalid', file, message: message(err) });
  }
}

/** Re-draws every recorded sample from its population. */
export function verifySamples(files: PackageFiles, tables: Map<string, ReadTable>, log: ProblemLog): void {
  if (!files.has(SAMPLING_FILE)) return log.skip('samples');
  const doc = files.json<SamplingDocument>(SAMPLING_FILE);
  if (!doc || typeof doc.seed !== 'string' || typeof doc.sizes !== 'object' || typeof doc.drawn !== 'object' || doc.sizes === null || doc.drawn === null) {
    return log.add('samples', { code: 'sample.malformed', file: SAMPLING_FILE, message: `${SAMPLING_FILE} is not { seed, rule, sizes, drawn }` });
  }
  for (const [key, size] of Object.entries(doc.sizes)) {
    const t = tables.get(key);
    if (!t || !t.doc.sampleKey) {
      log.add('samples', { code: 'sample.mismatch', file: SAMPLING_FILE, message: `the sample of ${key} has no population with a sample key in the package` });
      continue;
    }
    const sample = drawSample(t.rows, t.doc.sampleKey, doc.seed, size);
    const keys = sample.map((r) => sampleKeyText(r.row[t.doc.sampleKey!]));
    if (!same(keys, doc.drawn[key])) {
      log.add('samples', { code: 'sample.mismatch', file: SAMPLING_FILE, message: `the sample of ${key} re-drawn with seed ${JSON.stringify(doc.seed)} is ${JSON.stringify(keys)}, the package says ${JSON.stringify(doc.drawn[key] ?? null)}` });
    }
    const csvPath = samplePath(key);
    const csv = files.text(csvPath);
    const expected = renderSampleCsv(t.doc.columns.map((c) => c.name), sample);
    if (csv !== expected) log.add('samples', { code: 'sample.csv_mismatch', file: csvPath, message: `${csvPath} is not the CSV of the re-drawn sample` });
  }
  for (const key of Object.keys(doc.drawn)) {
    if (!(key in doc.sizes)) log.add('samples', { code: 'sample.mismatch', file: SAMPLING_FILE, message: `a sample of ${key} is listed without a size` });
  }
}
