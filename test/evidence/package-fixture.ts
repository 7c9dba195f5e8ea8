/**
 * A synthetic evidence package built entirely in memory: ledger events with a
 * real RFC 6962 tree over them, a signed checkpoint, sections citing the
 * events, a consistency proof and samples. Tests tamper with it file by file.
 */
import { generateKeyPairSync } from 'node:crypto';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { canonicalize } from '../../src/audit/canonical-json.ts';
import { formatCheckpointBody, signCheckpoint, signNote, verifierKeyString, type NoteSigner } from '../../src/audit/checkpoint-note.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';
import { hashLeaf } from '../../src/audit/merkle-hash.ts';
import { consistencyProofRanges, rootOfLeaves } from '../../src/audit/merkle-tree.ts';
import type { CriterionSection, EvidenceContext, Row, RowBuilder } from '../../src/evidence/model.ts';
import { batchProofRanges, type BatchProof } from '../../src/evidence/package/batch-proof.ts';
import { manifestSignatureText, writeEvidencePackage, type EvidencePackageInput, type PackageManifest } from '../../src/evidence/package/write-package.ts';
import { createHash } from 'node:crypto';

export const KEY_NAME = 'evidence.test/keyledger';

export function newSigner(keyName = KEY_NAME): NoteSigner & { verifierKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { keyName, privateKey, verifierKey: verifierKeyString(keyName, privateKey) };
}

/** The row builder the synthetic "new users" table is recomputed with. */
export const newUserRow: RowBuilder = (cited, params): Row => {
  const created = cited.find((e) => e.action === 'identity.user.created')!;
  return {
    user_id: created.targets[0].id,
    email: String(created.data.email),
    created_at: created.time,
    in_window: created.time >= params.from && created.time < params.to,
  };
};
export const BUILDERS: Record<string, RowBuilder> = { 'test.new-user': newUserRow };

function event(seq: number, action: string, extra: Partial<LedgerEvent> = {}): LedgerEvent {
  return {
    id: `0190a000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    seq,
    time: new Date(Date.UTC(2026, 2, 1) + seq * 3_600_000).toISOString(),
    action,
    outcome: 'success',
    actor: { type: 'system', id: 'test', display: 'test' },
    org: 'org-1',
    targets: [],
    context: { requestId: `r${seq}`, ip: null, userAgent: null },
    data: {},
    v: 1,
    ...extra,
  };
}

export interface SyntheticLedger {
  events: LedgerEvent[];
  bodies: string[];
  leaves: Buffer[];
  signer: ReturnType<typeof newSigner>;
}

/** 40 events: users u0..u9 created at seq 3, 7, 11, …; everything else filler. */
export function syntheticLedger(signer = newSigner()): SyntheticLedger {
  const events: LedgerEvent[] = [];
  for (let seq = 0; seq < 40; seq++) {
    const user = (seq - 3) / 4;
    events.push(
      Number.isInteger(user) && user >= 0
        ? event(seq, 'identity.user.created', { targets: [{ type: 'user', id: `u${user}`, display: `user ${user}` }], data: { email: user === 4 ? `=cmd|'/c calc'!A1` : `user${user}@example.com` } })
        : event(seq, 'authn.login.succeeded'),
    );
  }
  const bodies = events.map((e) => canonicalize(e));
  return { events, bodies, leaves: bodies.map((b) => hashLeaf(Buffer.from(b, 'utf8'))), signer };
}

const mth = (leaves: Buffer[], [a, b]: [number, number]): string => rootOfLeaves(leaves.slice(a, b)).toString('base64');

export function checkpointNote(l: SyntheticLedger, size: number): string {
  return signCheckpoint(formatCheckpointBody({ origin: KEY_NAME, size, rootHash: rootOfLeaves(l.leaves.slice(0, size)) }), l.signer);
}

/** Everything writeEvidencePackage needs, from a synthetic ledger; `rows` may override the new-user rows (a dishonest exporter). */
export function packageInput(l: SyntheticLedger, options: { rows?: Row[]; sampling?: boolean } = {}): EvidencePackageInput {
  const size = l.events.length;
  const created = l.events.filter((e) => e.action === 'identity.user.created');
  const ctx: EvidenceContext = {
    org: { id: 'org-1', slug: 'acme', name: 'Acme' },
    generatedAt: '2026-04-02T10:00:00.000Z',
    checkpoint: { size, rootHash: rootOfLeaves(l.leaves).toString('base64'), note: checkpointNote(l, size), createdAt: '2026-04-02T09:00:00.000Z' },
    params: { orgId: 'org-1', orgSlug: 'acme', from: '2026-03-01T10:00:00.000Z', to: '2026-04-01T00:00:00.000Z', deprovisioningSlaHours: 24 },
  };
  const rows = created.map((e, i) => ({ row: options.rows?.[i] ?? newUserRow([e], ctx.params), cites: [e.id] }));
  const from = 17;
  const consistency = {
    fromSize: from,
    toSize: size,
    fromRoot: rootOfLeaves(l.leaves.slice(0, from)).toString('base64'),
    toRoot: ctx.checkpoint.rootHash,
    proof: consistencyProofRanges(from, size).map((r) => mth(l.leaves, r)),
    fromCheckpoint: checkpointNote(l, from),
    toCheckpoint: ctx.checkpoint.note,
  };
  const sections: CriterionSection[] = [
    {
      id: 'CC6.2',
      title: 'Registration and authorization of new users',
      summary: 'New users are registered and authorized before access is granted.',
      status: 'pass',
      headline: `${rows.length} users were created.`,
      facts: [{ label: 'users created', value: rows.length }],
      tables: [
        {
          name: 'new-users',
          title: 'New users',
          description: 'Every user created, from the ledger.',
          columns: [
            { name: 'user_id', description: 'The user.' },
            { name: 'email', description: 'Their email address.' },
            { name: 'created_at', description: 'When the user was created.' },
            { name: 'in_window', description: 'Whether that was inside the window.' },
          ],
          rows,
          recompute: 'test.new-user',
          sampleKey: 'user_id',
        },
        {
          name: 'settings',
          title: 'Registration settings',
          description: 'The configuration at export time.',
          columns: [{ name: 'setting', description: 'Name.' }, { name: 'value', description: 'Value.' }],
          rows: [{ row: { setting: 'self_signup', value: 'off' }, cites: [] }],
        },
      ],
      charts: [],
      attachments: [],
    },
    {
      id: 'log-integrity',
      title: 'Log integrity',
      summary: 'The ledger only grew.',
      status: 'pass',
      headline: `The ledger grew from ${from} to ${size} events, append-only.`,
      facts: [],
      tables: [],
      charts: [],
      attachments: [{ name: 'consistency-proof.json', content: JSON.stringify(consistency, null, 2) + '\n', description: 'Consistency proof between two signed checkpoints.' }],
    },
  ];
  const cited = created.map((e) => e.seq);
  const proof: BatchProof = {
    treeSize: size,
    leaves: cited.map((seq) => ({ seq, leafHash: l.leaves[seq].toString('base64') })),
    hashes: batchProofRanges(cited, size).map((r) => mth(l.leaves, r)),
  };
  return {
    ctx,
    sections,
    ledger: { checkpoint: { size, rootHash: ctx.checkpoint.rootHash, note: ctx.checkpoint.note }, verifierKey: l.signer.verifierKey, events: cited.map((seq) => ({ seq, body: l.bodies[seq] })), proof },
    sampling: options.sampling === false ? undefined : { seed: 'audit-2026-q1', sizes: { 'CC6.2/new-users': 3 } },
    extraFiles: [{ path: 'report.html', content: '<!doctype html><title>report</title>' }],
    signer: l.signer,
  };
}

/** The package's files (without directories). */
export function unzip(zip: Uint8Array): Record<string, Uint8Array> {
  return unzipSync(zip);
}

/** Rebuilds a zip after changing its files. */
export function rezip(zip: Uint8Array, change: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(zip);
  change(files);
  const z: Zippable = {};
  for (const [path, bytes] of Object.entries(files)) z[path] = bytes;
  return zipSync(z);
}

/** Changes one byte of a file: the first occurrence of `from` becomes `to`. */
export function replaceIn(files: Record<string, Uint8Array>, path: string, from: string, to: string): void {
  const text = Buffer.from(files[path]).toString('utf8');
  if (!text.includes(from)) throw new Error(`${path} does not contain ${JSON.stringify(from)}`);
  files[path] = Buffer.from(text.replace(from, to), 'utf8');
}

/**
 * What someone holding the ledger key could do after tampering: list the
 * files' new digests in the manifest and sign it again. Isolates the checks
 * that do not rest on the manifest.
 */
export function reseal(files: Record<string, Uint8Array>, signer: NoteSigner): void {
  const manifest = JSON.parse(Buffer.from(files['manifest.json']).toString('utf8')) as PackageManifest;
  manifest.files = manifest.files.map((f) => ({ path: f.path, sha256: createHash('sha256').update(files[f.path]).digest('hex'), bytes: files[f.path].length }));
  files['manifest.json'] = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
  files['manifest.sig'] = Buffer.from(signNote(manifestSignatureText(files['manifest.json']), signer));
}

export function buildPackage(l = syntheticLedger(), options: Parameters<typeof packageInput>[1] = {}): Uint8Array {
  return writeEvidencePackage(packageInput(l, options));
}
