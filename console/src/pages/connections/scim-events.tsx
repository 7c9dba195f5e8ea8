import { useState } from 'react';
import { Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { EmptyState } from '../../components/states.tsx';
import { usePaged } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { EventLink, type LedgerEvent } from './shared.tsx';

const CHANGES = 'scim.user,scim.group';

function summary(e: LedgerEvent): string {
  const d = e.data;
  const name = (d.userName ?? d.displayName ?? d.email ?? d.resourceType ?? '') as string;
  return [name, e.outcome !== 'success' ? `(${e.reason ?? e.outcome})` : ''].filter(Boolean).join(' ');
}

/**
 * The directory's last sync events: ledger events whose actor is the
 * directory (GET /api/v1/audit/events?actor=<id>&action=…&order=desc),
 * newest first, each linked to the ledger explorer.
 */
export function ScimSyncEvents({ directoryId }: { directoryId: string }) {
  const [reads, setReads] = useState(false);
  const list = usePaged<LedgerEvent>('/api/v1/audit/events', { actor: directoryId, action: reads ? 'scim.' : CHANGES, order: 'desc' }, 20);
  return (
    <Panel
      title="Last sync events"
      actions={
        <button type="button" onClick={list.reload}>
          Refresh events
        </button>
      }
    >
      <p>
        <label className="inline-check">
          <input type="checkbox" checked={reads} onChange={(e) => setReads(e.target.checked)} /> Include reads <span className="muted small">(the identity provider’s lists and searches are recorded too; unchecked shows changes only)</span>
        </label>
      </p>
      <PagedTable
        list={list}
        caption="Last sync events of the directory"
        rowKey={(e) => e.id}
        empty={<EmptyState title="No sync yet">Once the identity provider pushes people or groups with the token, each change appears here.</EmptyState>}
        columns={[
          { header: 'When', cell: (e) => formatTime(e.time) },
          { header: 'Action', cell: (e) => <code>{e.action}</code> },
          { header: 'What', cell: (e) => summary(e) || '—' },
          { header: 'Ledger event', cell: (e) => <EventLink id={e.id}>event #{e.seq}</EventLink> },
        ]}
      />
    </Panel>
  );
}
