/**
 * Writes an evidence package: a zip an auditor verifies offline (see
 * docs/evidence-verify.md for the layout). Deterministic: the same input
 * gives the same bytes (entries in a fixed order, every mtime = the window's
 * end, JSON with fixed key order).
 */
import { createHash } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import { signNote, type NoteSigner } from '../../audit/checkpoint-note.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import type { CriterionSection, EvidenceContext, EvidenceParameters, EvidenceTable, Status } from '../model.ts';
import type { BatchProof } from './batch-proof.ts';
import { renderCsv } from './csv.ts';
import { criterionReadme, packageReadme } from './package-readme.ts';
import { SAMPLING_RULE, drawSample, sampleKeyText } from './sampling.ts';

export const PACKAGE_FORMAT = 'keyledger-evidence/1';
export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_SIG_FILE = 'manifest.sig';
export const EVENTS_FILE = 'ledger/events.jsonl';
export const PROOF_FILE = 'ledger/batch-proof.json';
export const CHECKPOINT_FILE = 'ledger/checkpoint.txt';
export const VERIFIER_KEY_FILE = 'ledger/verifier-key.txt';
export const SAMPLING_FILE = 'samples/sampling.json';

/** The ledger part of a package: the checkpoint, the key, the cited events (canonical bodies, seq order) and their proof. */
export interface PackageLedger {
  checkpoint: { size: number; rootHash: string; note: string };
  verifierKey: string;
  events: Array<{ seq: number; body: string }>;
  proof: BatchProof;
}

/** Samples to draw: sizes by `<criterion>/<table>`. */
export interface SamplingRequest {
  seed: string;
  sizes: Record<string, number>;
}

export interface PackageFile {
  path: string;
  content: string | Uint8Array;
}

export interface EvidencePackageInput {
  ctx: EvidenceContext;
  sections: CriterionSection[];
  ledger: PackageLedger;
  sampling?: SamplingRequest;
  /** Files added as they are (report.html, chart SVGs), listed in the manifest like the rest. */
  extraFiles?: PackageFile[];
  signer: NoteSigner;
}

/** `<criterion>/<table>.json`. */
export interface TableDocument {
  criterion: string;
  table: string;
  title: string;
  description: string;
  columns: Array<{ name: string; description: string }>;
  recompute: string | null;
  sampleKey: string | null;
  rows: Array<Record<string, unknown> & { cites: string[] }>;
}

/** `samples/sampling.json`. */
export interface SamplingDocument {
  seed: string;
  rule: string;
  sizes: Record<string, number>;
  drawn: Record<string, string[]>;
}

export interface PackageManifest {
  format: typeof PACKAGE_FORMAT;
  org: { id: string; slug: string; name: string };
  window: { from: string; to: string };
  generatedAt: string;
  parameters: EvidenceParameters;
  checkpoint: { size: number; rootHash: string };
  verifierKey: string;
  sections: Array<{ id: string; title: string; status: Status; headline: string; tables: string[] }>;
  files: Array<{ path: string; sha256: string; bytes: number }>;
}

/** The text `manifest.sig` signs: it names the SHA-256 of the manifest's bytes. */
export function manifestSignatureText(manifestBytes: Uint8Array): string {
  return `keyledger-evidence-manifest\nsha256 ${createHash('sha256').update(manifestBytes).digest('hex')}\n`;
}

/** `<criterion>/<table>.json` of a table. */
export function tableDocument(criterion: string, t: EvidenceTable): TableDocument {
  return {
    criterion,
    table: t.name,
    title: t.title,
    description: t.description,
    columns: t.columns.map((c) => ({ name: c.name, description: c.description })),
    recompute: t.recompute ?? null,
    sampleKey: t.sampleKey ?? null,
    rows: t.rows.map((r) => ({ ...Object.fromEntries(t.columns.map((c) => [c.name, r.row[c.name] ?? null])), cites: r.cites })),
  };
}

/** Path of a sample's CSV. */
export function samplePath(key: string): string {
  return `samples/${key.replace('/', '-')}.csv`;
}

/** The CSV of a drawn sample: its rank first, then the population's columns. */
export function renderSampleCsv(columns: readonly string[], sample: ReturnType<typeof drawSample>): string {
  return renderCsv(['sample_rank', ...columns], sample.map((s) => ({ row: { sample_rank: s.rank, ...s.row }, cites: s.cites })));
}

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';
const internal = (message: string): never => {
  throw new KeyledgerError('internal', message);
};

function requireConsistent(input: EvidencePackageInput): void {
  const { ledger, sections } = input;
  const seqs = ledger.events.map((e) => e.seq);
  const proofSeqs = ledger.proof.leaves.map((l) => l.seq);
  if (seqs.join(',') !== proofSeqs.join(',')) internal('the embedded events and the batch proof must cover the same leaves, in seq order');
  if (ledger.proof.treeSize !== ledger.checkpoint.size) internal(`the batch proof is for tree size ${ledger.proof.treeSize}, the checkpoint for ${ledger.checkpoint.size}`);
  const ids = new Set(ledger.events.map((e) => (JSON.parse(e.body) as { id: string }).id));
  for (const s of sections) {
    for (const t of s.tables) {
      t.rows.forEach((r, i) => {
        for (const id of r.cites) if (!ids.has(id)) internal(`${s.id}/${t.name} row ${i + 1} cites event ${id}, which is not embedded`);
      });
    }
  }
}

function sampleFiles(sections: readonly CriterionSection[], sampling: SamplingRequest): PackageFile[] {
  const files: PackageFile[] = [];
  const drawn: Record<string, string[]> = {};
  for (const [key, size] of Object.entries(sampling.sizes)) {
    const [criterion, name] = key.split('/');
    const t = sections.find((s) => s.id === criterion)?.tables.find((x) => x.name === name);
    if (!t) return internal(`sampling asks for ${key}, which is not a table of this package`);
    if (!t.sampleKey) return internal(`sampling asks for ${key}, which has no sample key`);
    const sample = drawSample(t.rows, t.sampleKey, sampling.seed, size);
    drawn[key] = sample.map((r) => sampleKeyText(r.row[t.sampleKey!]));
    files.push({ path: samplePath(key), content: renderSampleCsv(t.columns.map((c) => c.name), sample) });
  }
  const doc: SamplingDocument = { seed: sampling.seed, rule: SAMPLING_RULE, sizes: sampling.sizes, drawn };
  files.push({ path: SAMPLING_FILE, content: json(doc) });
  return files;
}

/** Every file of the package but the manifest and its signature, in package order. */
export function packageFiles(input: EvidencePackageInput): PackageFile[] {
  requireConsistent(input);
  const { ctx, sections, ledger } = input;
  const files: PackageFile[] = [{ path: 'README.md', content: packageReadme(ctx, sections, { size: ledger.checkpoint.size, events: ledger.events.length }, input.sampling) }];
  for (const s of sections) {
    files.push({ path: `${s.id}/README.md`, content: criterionReadme(s) });
    for (const t of s.tables) {
      files.push({ path: `${s.id}/${t.name}.csv`, content: renderCsv(t.columns.map((c) => c.name), t.rows) });
      files.push({ path: `${s.id}/${t.name}.json`, content: json(tableDocument(s.id, t)) });
    }
    for (const a of s.attachments) files.push({ path: `${s.id}/${a.name}`, content: a.content });
  }
  if (input.sampling) files.push(...sampleFiles(sections, input.sampling));
  files.push(
    { path: EVENTS_FILE, content: ledger.events.map((e) => e.body + '\n').join('') },
    { path: PROOF_FILE, content: json(ledger.proof) },
    { path: CHECKPOINT_FILE, content: ledger.checkpoint.note },
    { path: VERIFIER_KEY_FILE, content: ledger.verifierKey + '\n' },
  );
  files.push(...(input.extraFiles ?? []));
  const seen = new Set<string>([MANIFEST_FILE, MANIFEST_SIG_FILE]);
  for (const f of files) {
    if (seen.has(f.path)) internal(`package file ${f.path} is written twice`);
    if (f.path.startsWith('/') || f.path.split('/').some((part) => part === '' || part === '.' || part === '..')) internal(`package path ${JSON.stringify(f.path)} is not a plain relative path`);
    seen.add(f.path);
  }
  return files;
}

/** Zip timestamps are local time: shift so the entries read as the window's end in UTC wherever this runs. */
function zipTime(iso: string): Date {
  const t = Date.parse(iso);
  return new Date(t + new Date(t).getTimezoneOffset() * 60_000);
}

/**
 * Builds the package zip: the files of `packageFiles`, `manifest.json` listing
 * each with its SHA-256 and size, and `manifest.sig` signing the manifest's
 * SHA-256 with the ledger key. Throws KeyledgerError('internal') when the
 * input is inconsistent (a cited event not embedded, events and proof apart).
 */
export function writeEvidencePackage(input: EvidencePackageInput): Uint8Array {
  const encoder = new TextEncoder();
  const bytesOf = (c: string | Uint8Array): Uint8Array => (typeof c === 'string' ? encoder.encode(c) : c);
  const files = packageFiles(input).map((f) => ({ path: f.path, bytes: bytesOf(f.content) }));
  const { ctx, sections, ledger } = input;
  const manifest: PackageManifest = {
    format: PACKAGE_FORMAT,
    org: ctx.org,
    window: { from: ctx.params.from, to: ctx.params.to },
    generatedAt: ctx.generatedAt,
    parameters: ctx.params,
    checkpoint: { size: ledger.checkpoint.size, rootHash: ledger.checkpoint.rootHash },
    verifierKey: ledger.verifierKey,
    sections: sections.map((s) => ({ id: s.id, title: s.title, status: s.status, headline: s.headline, tables: s.tables.map((t) => t.name) })),
    files: files.map((f) => ({ path: f.path, sha256: createHash('sha256').update(f.bytes).digest('hex'), bytes: f.bytes.length })),
  };
  const manifestBytes = encoder.encode(json(manifest));
  const sig = signNote(manifestSignatureText(manifestBytes), input.signer);
  const mtime = zipTime(ctx.params.to);
  const zippable: Zippable = {};
  for (const f of [...files, { path: MANIFEST_FILE, bytes: manifestBytes }, { path: MANIFEST_SIG_FILE, bytes: encoder.encode(sig) }]) {
    zippable[f.path] = [f.bytes, { mtime, level: 6 }];
  }
  return zipSync(zippable);
}
