import { Facts, Panel } from '../../components/page.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi } from '../../hooks.ts';
import { ApiError } from '../../api.ts';
import { formatTime } from '../../format.ts';
import type { Checkpoint } from './ledger-types.ts';

/** The newest signed checkpoint: tree size, root, signing key, when. */
export function LatestCheckpointPanel() {
  const cp = useApi<Checkpoint>('/api/v1/audit/checkpoints/latest');
  return (
    <Panel title="Latest checkpoint" actions={<button type="button" onClick={cp.reload}>Refresh</button>}>
      {cp.loading && !cp.data ? <Loading /> : null}
      {cp.error instanceof ApiError && cp.error.code === 'ledger.checkpoint_not_found' ? (
        <EmptyState title="No signed checkpoint yet">The ledger signs a checkpoint shortly after events are recorded; refresh in a moment.</EmptyState>
      ) : cp.error ? (
        <ErrorNote error={cp.error} title="Could not read the latest checkpoint" />
      ) : null}
      {cp.data ? (
        <>
          <Facts
            items={[
              ['Tree size', cp.data.size.toLocaleString()],
              ['Root hash', <code className="hash">{cp.data.rootHash}</code>],
              ['Signing key ID', <code>{cp.data.keyId}</code>],
              ['Signed', <time dateTime={cp.data.createdAt}>{formatTime(cp.data.createdAt)}</time>],
            ]}
          />
          <details>
            <summary>Signed note</summary>
            <pre className="note-text">{cp.data.note}</pre>
          </details>
        </>
      ) : null}
    </Panel>
  );
}
