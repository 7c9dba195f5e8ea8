import { useState } from 'react';
import { Facts, Panel } from '../../components/page.tsx';
import { Badge, ErrorNote } from '../../components/states.tsx';
import { apiGet } from '../../api.ts';
import { useAction } from '../../hooks.ts';
import { verifyEventInclusion, type InclusionVerification, type VerificationStepName } from '../../ledger/verify-event-inclusion.ts';
import type { Checkpoint, InclusionProof, LedgerEvent } from './ledger-types.ts';
import type { PinnedKey } from './pinned-key.ts';

const STEP_LABELS: Record<VerificationStepName, string> = {
  leaf_index: 'Event sequence number is the proof’s leaf',
  leaf_hash: 'Leaf hash recomputed from the event',
  inclusion_proof: 'Inclusion proof recomputes a root',
  tree_size: 'Proof and checkpoint are of the same tree size',
  checkpoint_root: 'Recomputed root is the checkpoint’s root',
  key_id: 'Checkpoint is signed by the pinned key',
  signature: 'Ed25519 signature verifies',
};

/**
 * "Verify in this browser": fetches the event, its inclusion proof and the
 * checkpoint of the proof's size, then checks them with Web Crypto against the
 * PINNED key (docs/ledger-verify-in-browser.md). Nothing the server claims is
 * taken on trust.
 */
export function VerifyPanel({ eventId, pinned }: { eventId: string; pinned: PinnedKey | null }) {
  const [result, setResult] = useState<InclusionVerification | null>(null);
  const { busy: running, error, run: perform } = useAction();

  async function run() {
    if (!pinned) return;
    setResult(null);
    await perform(async () => {
      const event = await apiGet<LedgerEvent>(`/api/v1/audit/events/${eventId}`);
      const proof = await apiGet<InclusionProof>(`/api/v1/audit/events/${eventId}/proof`);
      const checkpoint = await apiGet<Checkpoint>(`/api/v1/audit/checkpoints/${proof.treeSize}`);
      setResult(await verifyEventInclusion({ event, proof, checkpointNote: checkpoint.note, verifierKey: pinned.verifierKey }));
    });
  }

  return (
    <Panel
      title="Verify in this browser"
      actions={
        <button type="button" className="primary" onClick={() => void run()} disabled={!pinned || running}>
          {running ? 'Verifying…' : 'Verify in this browser'}
        </button>
      }
    >
      {pinned ? (
        <p className="muted small">
          Checks with the pinned key <code>{pinned.keyName}</code> (key ID <code>{pinned.keyId}</code>) that this event is in a signed checkpoint.
        </p>
      ) : (
        <div className="notice warn" role="status">
          <p>Pin the ledger key you trust (in the Ledger key panel) before verifying: the console does not verify with a key the server hands it.</p>
        </div>
      )}
      <ErrorNote error={error} title="Could not fetch what verification needs" />
      {result ? <VerificationResult result={result} /> : null}
    </Panel>
  );
}

function VerificationResult({ result }: { result: InclusionVerification }) {
  return (
    <div aria-live="polite">
      <div className={`notice ${result.ok ? 'good' : 'error'}`} role="status">
        <p>
          <strong>{result.ok ? 'Verified' : 'Not verified'}</strong> —{' '}
          {result.ok ? 'this event is in the checkpoint signed by the pinned key.' : `the check “${STEP_LABELS[result.failedStep!]}” failed.`}
        </p>
      </div>
      <ol className="steps verify-steps" aria-label="Verification steps">
        {result.steps.map((s) => (
          <li key={s.step} className={s.ok ? 'step-ok' : 'step-failed'}>
            <span aria-hidden="true">{s.ok ? '✓' : '✗'}</span> <strong>{STEP_LABELS[s.step]}</strong> <Badge tone={s.ok ? 'good' : 'bad'}>{s.ok ? 'passed' : 'failed'}</Badge>
            <div className="muted small step-detail">{s.detail}</div>
          </li>
        ))}
      </ol>
      <Facts
        items={[
          ['Checkpoint tree size', result.checkpoint ? result.checkpoint.size.toLocaleString() : null],
          ['Checkpoint root', result.checkpoint ? <code className="hash">{result.checkpoint.rootHash}</code> : null],
          ['Checkpoint origin', result.checkpoint ? <code>{result.checkpoint.origin}</code> : null],
          ['Signed by', result.noteSigners.length ? result.noteSigners.map((s) => <code key={s}>{s} </code>) : null],
          ['Leaf hash (recomputed)', result.leafHash ? <code className="hash">{result.leafHash}</code> : null],
        ]}
      />
    </div>
  );
}
