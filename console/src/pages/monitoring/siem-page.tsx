import { Page } from '../../components/page.tsx';
import { PagedTable, type Column } from '../../components/table.tsx';
import { Badge, EmptyState } from '../../components/states.tsx';
import { usePaged } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { formatDuration, formatTime, plural } from '../../format.ts';
import { statusTone, type Destination } from './monitoring-types.ts';
import { KIND_LABELS, type Kind } from './siem-form.tsx';

export const SIEM_API = '/api/v1/siem-destinations';

const columns: Column<Destination>[] = [
  { header: 'Destination', cell: (d) => <Link to={`/monitoring/siem/${d.id}`}>{d.name}</Link> },
  { header: 'Kind', cell: (d) => KIND_LABELS[d.kind as Kind] ?? d.kind },
  { header: 'Status', cell: (d) => <Badge tone={statusTone(d.health.status)}>{d.health.status}</Badge> },
  { header: 'Lag', cell: (d) => `${plural(d.health.lagEvents, 'event')} · ${formatDuration(d.health.lagSeconds)}` },
  { header: 'Last delivery', cell: (d) => (d.health.lastDeliveredAt ? <time dateTime={d.health.lastDeliveredAt}>{formatTime(d.health.lastDeliveredAt)}</time> : 'Never') },
  { header: 'Last error', cell: (d) => d.health.lastError ?? '—' },
];

/** SIEM destinations the ledger streams to: kind, status and lag of each; a new one from here. */
export function SiemPage() {
  const list = usePaged<Destination>(SIEM_API, {}, 25);
  return (
    <Page
      title="SIEM streaming"
      subtitle="Where the ledger is streamed, and how far behind each destination is."
      actions={
        <>
          <button type="button" onClick={list.reload}>
            Refresh
          </button>
          <Link to="/monitoring/siem/new" className="button primary">
            Add a destination
          </Link>
        </>
      }
    >
      <PagedTable
        list={list}
        caption="SIEM destinations"
        rowKey={(d) => d.id}
        columns={columns}
        empty={<EmptyState title="No SIEM destinations">Nothing is streamed yet. Add a destination (a webhook, Splunk HEC, syslog over TLS, or JSONL files) to send the ledger to your SIEM.</EmptyState>}
      />
    </Page>
  );
}
