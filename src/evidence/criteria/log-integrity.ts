import type { LedgerEvent } from '../../audit/event.ts';
import type { ConsistencyProof } from '../../audit/ledger-queries.ts';
import type { Checkpoint } from '../../audit/sequencer.ts';
import type { Runtime } from '../../runtime.ts';
import { CONSISTENCY_PROOF_FILE, type Attachment, type CitedRow, type CollectorFactory, type Column, type CriterionCollector, type CriterionSection, type EvidenceContext, type Fact, type Row, type RowBuilder } from '../model.ts';

/**
 * Log integrity: the audit ledger the evidence comes from is append-only and
 * tamper-evident. The package carries the signed checkpoint before the window
 * and the package checkpoint, a consistency proof between them (the later tree
 * extends the earlier one: nothing was changed or removed), the history of the
 * ledger signing keys, and how to check all of it.
 */

const SIGNING_KEY_COLUMNS: Column[] = [
  { name: 'key_id', description: 'The signed-note key id (hex) checkpoints carry.' },
  { name: 'key_name', description: 'The signed-note key name (the ledger origin).' },
  { name: 'verifier_key', description: 'The public verifier key: checkpoint signatures are checked against it.' },
  { name: 'created_at', description: 'When the key was generated.' },
];

/** One ledger signing key from its ledger.signing_key.created event. */
export const buildLedgerKeyRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const e = cited.find((x) => x.action === 'ledger.signing_key.created');
  const d = e?.data ?? {};
  const s = (v: unknown) => (typeof v === 'string' ? v : null);
  return { key_id: s(d.keyId), key_name: s(d.keyName), verifier_key: s(d.verifierKey), created_at: e?.time ?? null };
};

/** The row builders of this criterion, by the name a table's `recompute` gives. */
export const LOG_INTEGRITY_ROW_BUILDERS: Record<string, RowBuilder> = { 'log-integrity.signing-key': buildLedgerKeyRow };

/** The attachment's name inside the criterion's folder. */
const PROOF_NAME = CONSISTENCY_PROOF_FILE.slice(CONSISTENCY_PROOF_FILE.indexOf('/') + 1);

const checkpointRow = (role: string, cp: Checkpoint | null, fallback: { size: number; rootHash: string; createdAt: string } | null, note: string): Row => ({
  checkpoint: role,
  tree_size: cp?.size ?? fallback?.size ?? null,
  root_hash: cp ? cp.rootHash.toString('base64') : (fallback?.rootHash ?? null),
  created_at: cp?.createdAt ?? fallback?.createdAt ?? null,
  key_id: cp?.keyId ?? null,
  file: note,
});

/** Collects log integrity: signing keys from the ledger; checkpoints and the consistency proof from the ledger's tree. */
export const collectLogIntegrity: CollectorFactory = (ctx: EvidenceContext, rt: Runtime): CriterionCollector => {
  const keyRows: CitedRow[] = [];
  return {
    actions: ['ledger.signing_key.created'],
    add(e) {
      keyRows.push({ row: buildLedgerKeyRow([e], ctx.params), cites: [e.id] });
    },
    async finish(): Promise<CriterionSection> {
      const end = ctx.checkpoint;
      const endCp = await rt.ledger.checkpointAt(end.size);
      const start = await rt.ledger.latestCheckpointBefore(ctx.params.from);
      // Without a checkpoint before the window, the proof starts at the first event (size 1).
      const fromSize = start && start.size <= end.size ? start.size : 1;
      let proof: ConsistencyProof | null = null;
      let proofError: string | null = null;
      try {
        proof = await rt.ledger.consistencyProof(fromSize, end.size);
      } catch (err) {
        proofError = err instanceof Error ? err.message : String(err);
      }

      const attachments: Attachment[] = [];
      if (proof) {
        attachments.push({
          name: PROOF_NAME,
          content: JSON.stringify(proof, null, 2) + '\n',
          description: `Consistency proof from tree size ${proof.fromSize} to ${proof.toSize}: the package checkpoint's tree extends the ${start ? 'tree signed before the window' : 'tree of the first event (no checkpoint was signed before the window)'} without changing or removing anything (RFC 6962/9162).`,
        });
      }
      if (start) attachments.push({ name: 'checkpoint-window-start.txt', content: start.note, description: `The last signed checkpoint before the window start (tree size ${start.size}, signed ${start.createdAt}), as a C2SP signed note.` });
      attachments.push({ name: 'checkpoint-window-end.txt', content: end.note, description: `The package checkpoint (tree size ${end.size}, signed ${end.createdAt}) every embedded event is proven against, as a C2SP signed note.` });

      const facts: Fact[] = [
        { label: 'Package checkpoint tree size', value: end.size },
        { label: 'Checkpoint before the window', value: start ? `tree size ${start.size}, signed ${start.createdAt}` : 'none (the ledger’s first checkpoint is inside the window)' },
        { label: 'Events appended from that checkpoint to the package checkpoint', value: end.size - fromSize },
        { label: 'Consistency proof', value: proof ? `${proof.proof.length} hashes, ${proof.fromSize} → ${proof.toSize}` : `not available: ${proofError}`, attention: !proof },
        { label: 'Ledger signing keys', value: keyRows.length },
      ];
      const headline = proof
        ? `The ledger grew from ${fromSize} to ${end.size} events between ${start ? 'the last checkpoint before the window' : 'its first event'} and the package checkpoint, and a consistency proof shows nothing before was changed or removed.`
        : `No consistency proof could be built from tree size ${fromSize} to ${end.size}: ${proofError}.`;

      return {
        id: 'log-integrity',
        title: 'Log integrity — the audit ledger',
        summary: 'Evidence is only as good as the log it comes from. Keyledger’s audit ledger is an append-only RFC 6962 Merkle tree whose checkpoints are signed with the ledger key; this section shows that the ledger at the window’s start is a prefix of the ledger the package is proven against.',
        status: proof ? 'pass' : 'attention',
        headline,
        facts,
        tables: [
          {
            name: 'checkpoints',
            title: 'Signed checkpoints',
            description: 'The last checkpoint signed before the window start and the package checkpoint, read from the ledger’s checkpoint store at export time. Each is a signed note in this folder; consistency-proof.json links the two.',
            columns: [
              { name: 'checkpoint', description: 'window_start (the last one signed before the window) or package (the one every embedded event is proven against).' },
              { name: 'tree_size', description: 'Number of ledger events the tree holds.' },
              { name: 'root_hash', description: 'The Merkle root (base64).' },
              { name: 'created_at', description: 'When it was signed.' },
              { name: 'key_id', description: 'The signing key id (hex).' },
              { name: 'file', description: 'The signed note in this folder, or why there is none.' },
            ],
            rows: [
              { row: checkpointRow('window_start', start, null, start ? 'checkpoint-window-start.txt' : 'none: no checkpoint was signed before the window start; the proof starts at tree size 1'), cites: [] },
              { row: checkpointRow('package', endCp, end, 'checkpoint-window-end.txt'), cites: [] },
            ],
          },
          {
            name: 'signing-keys',
            title: 'Ledger signing keys',
            description: 'Every ledger signing key, from its ledger.signing_key.created event. Check that the verifier key matches the one published by the organization before trusting the checkpoints.',
            columns: SIGNING_KEY_COLUMNS,
            rows: keyRows,
            recompute: 'log-integrity.signing-key',
            sampleKey: 'key_id',
          },
          {
            name: 'retention',
            title: 'Retention',
            description: 'How long ledger events are kept. This is the configuration at export time.',
            columns: [
              { name: 'topic', description: 'What the statement is about.' },
              { name: 'statement', description: 'The configuration, in words.' },
            ],
            rows: [
              { row: { topic: 'event retention', statement: 'Keyledger keeps every ledger event. No pruning is configured: no event has been removed from this ledger, and the consistency proof would fail if one had.' }, cites: [] },
              { row: { topic: 'tamper resistance', statement: 'The database refuses UPDATE and DELETE on ledger tables (triggers on SQLite and PostgreSQL); every checkpoint is signed with the ledger key (Ed25519).' }, cites: [] },
              { row: { topic: 'ledger size at export', statement: `${end.size} events covered by the package checkpoint signed ${end.createdAt}.` }, cites: [] },
            ],
          },
          {
            name: 'verification',
            title: 'How to verify',
            description: 'What the verification commands check, and how to run them.',
            columns: [
              { name: 'command', description: 'The command to run.' },
              { name: 'checks', description: 'What it checks.' },
            ],
            rows: [
              { row: { command: 'keyledger evidence verify FILE.zip', checks: 'Offline, with no database and no network: the manifest signature and every file hash, the inclusion of every embedded event in the package checkpoint, this consistency proof, and every recomputable row against the events it cites.' }, cites: [] },
              { row: { command: 'keyledger audit verify --verifier-key <published key>', checks: 'On the deployment: recomputes every leaf hash from the stored events, rebuilds the Merkle tree, checks every checkpoint root and its signature, and names the first event that does not match.' }, cites: [] },
              { row: { command: `keyledger audit consistency --from ${fromSize} --to ${end.size}`, checks: 'On the deployment: prints the consistency proof between the two tree sizes again, to compare with consistency-proof.json.' }, cites: [] },
            ],
          },
        ],
        charts: [],
        attachments,
      };
    },
  };
};
