/**
 * Verifies an evidence package offline — no database, no network — and says
 * what is wrong with it, file by file:
 *
 *  - the manifest signature opens with the verifier key (the pinned one, which
 *    the package's key must then equal, else the package's own) and names the
 *    SHA-256 of manifest.json, whose format and key are the expected ones;
 *  - every file matches the manifest's SHA-256 and size; none missing, none
 *    extra, no name twice in the zip;
 *  - the checkpoint opens with the key and is the manifest's;
 *  - each embedded event is canonical JSON, its leaf hash is the proof's, and
 *    the batch proof gives the checkpoint's root;
 *  - the populations, consistency proof and samples (verify-tables.ts).
 */
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { canonicalize } from '../../audit/canonical-json.ts';
import { openCheckpoint, openNote, parseVerifierKey } from '../../audit/checkpoint-note.ts';
import type { LedgerEvent } from '../../audit/event.ts';
import { hashLeaf } from '../../audit/merkle-hash.ts';
import type { RowBuilder } from '../model.ts';
import { ROW_BUILDERS } from '../row-builders.ts';
import { BatchProofError, rootFromBatchProof, type BatchProof } from './batch-proof.ts';
import { ProblemLog, type VerifyPackageReport } from './verify-report.ts';
import { verifyConsistencyFile, verifySamples, verifyTables } from './verify-tables.ts';
import { CHECKPOINT_FILE, EVENTS_FILE, MANIFEST_FILE, MANIFEST_SIG_FILE, PACKAGE_FORMAT, PROOF_FILE, VERIFIER_KEY_FILE, manifestSignatureText, type PackageManifest } from './write-package.ts';

export type { VerifyPackageReport, PackageProblem } from './verify-report.ts';

export interface VerifyPackageOptions {
  /** The published verifier key; when given, the package's own key must equal it. */
  verifierKey?: string;
  /** Row builders by name (default: ROW_BUILDERS). */
  builders?: Record<string, RowBuilder>;
}

/** The package's files, read once: raw bytes and strict UTF-8 text. */
export class PackageFiles {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  constructor(readonly entries: Map<string, Uint8Array>) {}
  has(path: string): boolean {
    return this.entries.has(path);
  }
  /** The file as text, or null when absent or not UTF-8. */
  text(path: string): string | null {
    const bytes = this.entries.get(path);
    if (!bytes) return null;
    try {
      return this.#decoder.decode(bytes);
    } catch {
      return null;
    }
  }
  /** The file parsed as JSON, or undefined when absent or malformed. */
  json<T>(path: string): T | undefined {
    const text = this.text(path);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  }
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Unzips, noting entries that appear twice (another unzip tool could show the other copy). */
function readZip(zip: Uint8Array, log: ProblemLog): PackageFiles | null {
  const names: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, { filter: (f) => (names.push(f.name), true) });
  } catch (err) {
    log.add('files', { code: 'package.unreadable', file: '(package)', message: `the package is not a readable zip: ${message(err)}` });
    return null;
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) log.add('files', { code: 'file.duplicate', file: n, message: `${n} appears more than once in the zip` });
    seen.add(n);
  }
  return new PackageFiles(new Map(Object.entries(files).filter(([path]) => !path.endsWith('/'))));
}

function chooseKey(files: PackageFiles, pinned: string | undefined, log: ProblemLog): string | null {
  const own = files.text(VERIFIER_KEY_FILE)?.trim() ?? null;
  if (own === null) log.add('key', { code: 'file.missing', file: VERIFIER_KEY_FILE, message: `${VERIFIER_KEY_FILE} is missing or not UTF-8` });
  const key = pinned?.trim() ?? own;
  if (key === null) return null;
  try {
    parseVerifierKey(key);
  } catch (err) {
    log.add('key', { code: 'key.malformed', file: pinned ? '(--key)' : VERIFIER_KEY_FILE, message: message(err) });
    return null;
  }
  if (pinned && own !== null && own !== key) {
    log.add('key', { code: 'key.mismatch', file: VERIFIER_KEY_FILE, message: `the package's verifier key ${own} is not the pinned key ${key}` });
  }
  return key;
}

function checkSignature(files: PackageFiles, key: string | null, log: ProblemLog): void {
  const sig = files.text(MANIFEST_SIG_FILE);
  const manifest = files.entries.get(MANIFEST_FILE);
  if (sig === null) return log.add('signature', { code: 'file.missing', file: MANIFEST_SIG_FILE, message: `${MANIFEST_SIG_FILE} is missing or not UTF-8` });
  if (!manifest || !key) return log.add('signature', { code: 'manifest.signature_invalid', file: MANIFEST_SIG_FILE, message: 'the signature cannot be checked without the manifest and a verifier key' });
  let text: string;
  try {
    text = openNote(sig, key);
  } catch (err) {
    return log.add('signature', { code: 'manifest.signature_invalid', file: MANIFEST_SIG_FILE, message: message(err) });
  }
  const expected = manifestSignatureText(manifest);
  if (text !== expected) {
    log.add('signature', { code: 'manifest.digest_mismatch', file: MANIFEST_FILE, message: `manifest.sig signs ${JSON.stringify(text)}, expected ${JSON.stringify(expected)} (the SHA-256 of manifest.json)` });
  }
}

function checkFiles(files: PackageFiles, manifest: PackageManifest, log: ProblemLog): void {
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const bytes = files.entries.get(f.path);
    if (!bytes) {
      log.add('files', { code: 'file.missing', file: f.path, message: `${f.path} is listed in the manifest but not in the package` });
      continue;
    }
    const digest = sha256(bytes);
    if (digest !== f.sha256) log.add('files', { code: 'file.digest_mismatch', file: f.path, message: `SHA-256 of ${f.path} is ${digest}, the manifest says ${f.sha256}` });
    else if (bytes.length !== f.bytes) log.add('files', { code: 'file.size_mismatch', file: f.path, message: `${f.path} is ${bytes.length} bytes, the manifest says ${f.bytes}` });
  }
  for (const path of files.entries.keys()) {
    if (!listed.has(path) && path !== MANIFEST_FILE && path !== MANIFEST_SIG_FILE) {
      log.add('files', { code: 'file.unlisted', file: path, message: `${path} is in the package but not in the manifest` });
    }
  }
}

function checkCheckpoint(files: PackageFiles, manifest: PackageManifest, key: string | null, log: ProblemLog): { size: number; rootHash: Buffer } | null {
  const note = files.text(CHECKPOINT_FILE);
  if (note === null) return log.add('checkpoint', { code: 'file.missing', file: CHECKPOINT_FILE, message: `${CHECKPOINT_FILE} is missing or not UTF-8` }), null;
  if (!key) return log.add('checkpoint', { code: 'checkpoint.invalid', file: CHECKPOINT_FILE, message: 'no usable verifier key to open the checkpoint with' }), null;
  try {
    const cp = openCheckpoint(note, key);
    const root = cp.rootHash.toString('base64');
    if (cp.size !== manifest.checkpoint?.size || root !== manifest.checkpoint?.rootHash) {
      log.add('checkpoint', { code: 'checkpoint.mismatch', file: CHECKPOINT_FILE, message: `the signed checkpoint is size ${cp.size} root ${root}, the manifest says size ${manifest.checkpoint?.size} root ${manifest.checkpoint?.rootHash}` });
    }
    return { size: cp.size, rootHash: cp.rootHash };
  } catch (err) {
    log.add('checkpoint', { code: 'checkpoint.invalid', file: CHECKPOINT_FILE, message: message(err) });
    return null;
  }
}

/** Reads events.jsonl (canonical, ascending seq) and checks it against the batch proof and the checkpoint root. */
function checkLedger(files: PackageFiles, checkpoint: { size: number; rootHash: Buffer } | null, log: ProblemLog): Map<string, LedgerEvent> {
  const events = new Map<string, LedgerEvent>();
  const text = files.text(EVENTS_FILE);
  const proof = files.json<BatchProof>(PROOF_FILE);
  if (text === null) log.add('events', { code: 'file.missing', file: EVENTS_FILE, message: `${EVENTS_FILE} is missing or not UTF-8` });
  if (!proof || !Array.isArray(proof.leaves) || !Array.isArray(proof.hashes)) {
    log.add('proof', { code: 'proof.malformed', file: PROOF_FILE, message: `${PROOF_FILE} is missing or not a batch proof ({ treeSize, leaves, hashes })` });
  }
  if (text === null) return events;
  const listed = new Map<number, string>(proof && Array.isArray(proof.leaves) ? proof.leaves.map((l) => [l.seq, l.leafHash]) : []);
  const computed = new Map<number, Buffer>();
  const lines = text.split('\n');
  if (lines.pop() !== '') log.add('events', { code: 'events.malformed', file: EVENTS_FILE, line: lines.length + 1, message: 'the last line does not end with a newline' });
  let previous = -1;
  lines.forEach((body, i) => {
    const line = i + 1;
    let event: LedgerEvent;
    try {
      event = JSON.parse(body) as LedgerEvent;
    } catch (err) {
      return log.add('events', { code: 'events.malformed', file: EVENTS_FILE, line, message: `line ${line} is not JSON: ${message(err)}` });
    }
    if (typeof event?.id !== 'string' || !Number.isSafeInteger(event.seq)) {
      return log.add('events', { code: 'events.malformed', file: EVENTS_FILE, line, message: `line ${line} is not a ledger event (no id or seq)` });
    }
    let canonical: string | null = null;
    try {
      canonical = canonicalize(event);
    } catch {
      /* reported below */
    }
    if (canonical !== body) log.add('events', { code: 'events.not_canonical', file: EVENTS_FILE, line, message: `line ${line} (event ${event.id}) is not canonical JSON (RFC 8785)` });
    if (event.seq <= previous) log.add('events', { code: 'events.order', file: EVENTS_FILE, line, message: `line ${line} (event ${event.id}) has seq ${event.seq} after ${previous}: events must be in ascending seq order` });
    previous = Math.max(previous, event.seq);
    events.set(event.id, event);
    const leaf = hashLeaf(Buffer.from(body, 'utf8'));
    computed.set(event.seq, leaf);
    const want = listed.get(event.seq);
    if (want === undefined) log.add('events', { code: 'events.not_in_proof', file: EVENTS_FILE, line, message: `line ${line} (event ${event.id}, seq ${event.seq}) is not a leaf of the batch proof` });
    else if (want !== leaf.toString('base64')) {
      log.add('events', { code: 'events.leaf_mismatch', file: EVENTS_FILE, line, message: `line ${line} (event ${event.id}) hashes to leaf ${leaf.toString('base64')}, the batch proof lists ${want} for seq ${event.seq}` });
    }
  });
  if (!proof || !Array.isArray(proof.leaves) || !Array.isArray(proof.hashes)) return events;
  for (const seq of listed.keys()) {
    if (!computed.has(seq)) log.add('proof', { code: 'proof.leaf_without_event', file: PROOF_FILE, message: `the batch proof lists leaf ${seq}, but no embedded event has that seq` });
  }
  if (checkpoint && proof.treeSize !== checkpoint.size) {
    log.add('proof', { code: 'proof.tree_size_mismatch', file: PROOF_FILE, message: `the batch proof is for tree size ${proof.treeSize}, the checkpoint is size ${checkpoint.size}` });
  }
  // A package that cites no event has nothing to prove.
  if (proof.leaves.length === 0 && computed.size === 0 && proof.hashes.length === 0) return log.skip('proof'), events;
  try {
    const root = rootFromBatchProof(computed, proof);
    if (checkpoint && !root.equals(checkpoint.rootHash)) {
      log.add('proof', { code: 'proof.root_mismatch', file: PROOF_FILE, message: `the batch proof gives root ${root.toString('base64')}, the checkpoint's root is ${checkpoint.rootHash.toString('base64')}` });
    }
  } catch (err) {
    if (!(err instanceof BatchProofError)) throw err;
    log.add('proof', { code: 'proof.invalid', file: PROOF_FILE, message: err.message });
  }
  return events;
}

/**
 * Verifies an evidence package zip offline. Never throws for a bad package:
 * every finding is a problem in the report (`ok` is true only with none).
 */
export function verifyEvidencePackage(zip: Uint8Array, options: VerifyPackageOptions = {}): VerifyPackageReport {
  const log = new ProblemLog();
  const counts = { files: 0, events: 0, rows: 0, rowsRecomputed: 0 };
  const pinned = options.verifierKey !== undefined;
  const files = readZip(zip, log);
  const done = (key: string | null, checkpoint: VerifyPackageReport['checkpoint']): VerifyPackageReport => ({
    ok: log.problems.length === 0 && log.omitted === 0,
    checkpoint,
    verifierKey: key,
    pinned,
    counts,
    checks: log.checks(),
    problems: log.problems,
    problemsOmitted: log.omitted,
  });
  if (!files) return done(options.verifierKey ?? null, null);
  counts.files = files.entries.size;
  const key = chooseKey(files, options.verifierKey, log);
  checkSignature(files, key, log);
  const manifest = files.json<PackageManifest>(MANIFEST_FILE);
  if (!manifest || !Array.isArray(manifest.files) || !Array.isArray(manifest.sections)) {
    log.add('files', { code: 'manifest.malformed', file: MANIFEST_FILE, message: `${MANIFEST_FILE} is missing or is not a package manifest` });
    return done(key, null);
  }
  if (manifest.format !== PACKAGE_FORMAT) {
    log.add('files', { code: 'manifest.malformed', file: MANIFEST_FILE, message: `manifest format is ${JSON.stringify(manifest.format)}, expected ${JSON.stringify(PACKAGE_FORMAT)}` });
  }
  if (key && manifest.verifierKey !== key) {
    log.add('key', { code: 'key.mismatch', file: MANIFEST_FILE, message: `the manifest names the verifier key ${manifest.verifierKey}, the package is checked with ${key}` });
  }
  checkFiles(files, manifest, log);
  const checkpoint = checkCheckpoint(files, manifest, key, log);
  const events = checkLedger(files, checkpoint, log);
  counts.events = events.size;
  const tables = verifyTables(files, manifest, events, options.builders ?? ROW_BUILDERS, log, counts);
  verifyConsistencyFile(files, checkpoint, key, log);
  verifySamples(files, tables, log);
  return done(key, checkpoint ? { size: checkpoint.size, rootHash: checkpoint.rootHash.toString('base64') } : manifest.checkpoint ?? null);
}
