import { useEffect, useState } from 'react';
import { PagedTable, type Column } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote } from '../../components/states.tsx';
import { formatTime } from '../../format.ts';
import { usePaged } from '../../hooks.ts';
import { setSearch } from '../../router.tsx';
import { downloadPackage } from './download.ts';
import { STATUS_TONES } from './export-status.tsx';
import { describeWindow } from './window.ts';
import type { EvidenceExport } from './types.ts';

/** The organization's exports, newest first, paged on the server (GET /api/v1/evidence/exports?org=). */
export function PastExports({ orgId, refresh, shown }: { orgId: string; refresh: number; shown: string | null }) {
  const list = usePaged<EvidenceExport>('/api/v1/evidence/exports', { org: orgId }, 10);
  const [error, setError] = useState<unknown>(null);
  const { reload } = list;
  useEffect(() => {
    if (refresh > 0) reload();
  }, [refresh, reload]);

  const columns: Column<EvidenceExport>[] = [
    { header: 'Requested', cell: (x) => <span title={x.requestedAt}>{formatTime(x.requestedAt)}</span> },
    { header: 'Window', cell: (x) => describeWindow(x.from, x.to) },
    { header: 'By', cell: (x) => x.requestedBy.display ?? x.requestedBy.id },
    {
      header: 'Status',
      cell: (x) => (
        <>
          <Badge tone={STATUS_TONES[x.status]}>{x.status}</Badge>
          {x.status === 'running' ? <span className="muted small"> {x.progress.percent}%</span> : null}
          {x.error ? <span className="muted small"> <code>{x.error.code}</code></span> : null}
        </>
      ),
    },
    { header: 'Package SHA-256', cell: (x) => (x.package ? <code title={x.package.sha256}>{x.package.sha256.slice(0, 16)}…</code> : <span className="muted">—</span>) },
    {
      header: 'Actions',
      cell: (x) => (
        <div className="actions">
          <button type="button" onClick={() => setSearch({ export: x.id })} aria-pressed={shown === x.id} aria-label={`Show the export of ${describeWindow(x.from, x.to)} requested ${formatTime(x.requestedAt)}`}>
            Show
          </button>
          {x.status === 'succeeded' ? (
            <button type="button" onClick={() => void downloadPackage(x.id).catch(setError)} aria-label={`Download the package of ${describeWindow(x.from, x.to)} requested ${formatTime(x.requestedAt)}`}>
              Download
            </button>
          ) : null}
        </div>
      ),
    },
  ];

  return (
    <>
      <ErrorNote error={error} title="Could not download the package" />
      <PagedTable
        list={list}
        caption="Past evidence exports"
        columns={columns}
        rowKey={(x) => x.id}
        empty={<EmptyState title="No exports yet">Choose a window above and run an export; each one is listed here with its package’s SHA-256.</EmptyState>}
      />
    </>
  );
}
