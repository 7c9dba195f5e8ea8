import { useState } from 'react';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { Badge, EmptyState, ErrorNote } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { PagedTable } from '../../components/table.tsx';
import { usePaged } from '../../hooks.ts';
import { apiSend } from '../../api.ts';
import { formatDuration, formatTime, plural } from '../../format.ts';
import { statusTone, words, type Destination } from './monitoring-types.ts';

const base = '/api/v1/siem-destinations';

/** SIEM destinations the ledger streams to: health and lag of each, pause, resume and rewind. */
export function SiemPage() {
  const list = usePaged<Destination>(base, {}, 10);
  const [error, setError] = useState<unknown>(null);
  async function act(d: Destination, path: string, body?: unknown) {
    setError(null);
    try {
      await apiSend('POST', `${base}/${d.id}/${path}`, body);
      list.reload();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Page title="SIEM streaming" subtitle="Where the ledger is streamed, and how far behind each destination is." actions={<button type="button" onClick={list.reload}>Refresh</button>}>
      <ErrorNote error={error} />
      <PagedTable
        list={list}
        caption="SIEM destinations"
        rowKey={(d) => d.id}
        columns={[
          { header: 'Destination', cell: (d) => <DestinationCard d={d} act={act} /> },
        ]}
        empty={<EmptyState title="No SIEM destinations">Create one through the API (POST /api/v1/siem-destinations); docs/console-monitoring.md says how.</EmptyState>}
      />
    </Page>
  );
}

function DestinationCard({ d, act }: { d: Destination; act: (d: Destination, path: string, body?: unknown) => Promise<void> }) {
  const h = d.health;
  const [fromSeq, setFromSeq] = useState('');
  return (
    <Panel title={d.name} id={`dest-${d.id}`} actions={<Badge tone={statusTone(h.status)}>{h.status}</Badge>}>
      <Facts
        items={[
          ['Kind', words(d.kind)],
          ['Scope', d.orgId ? <code>{d.orgId}</code> : 'Whole deployment'],
          ['Filter', d.filter.actionPrefixes.length ? d.filter.actionPrefixes.join(', ') : 'Every action'],
          ['Lag', `${plural(h.lagEvents, 'event')} · ${formatDuration(h.lagSeconds)}`],
          ['Delivered up to', `seq ${h.cursorSeq} of ${h.headSeq}`],
          ['Last delivery', h.lastDeliveredAt ? `${formatTime(h.lastDeliveredAt)} (seq ${h.lastDeliveredSeq ?? '—'})` : 'Never'],
          ['Consecutive failures', String(h.consecutiveFailures)],
          ['Last error', h.lastError ? `${h.lastError} (${formatTime(h.lastErrorAt)})` : null],
          ['Next attempt', h.nextAttemptAt ? formatTime(h.nextAttemptAt) : null],
        ]}
      />
      <div className="actions siem-actions">
        {d.status === 'active' ? (
          <button type="button" onClick={() => void act(d, 'pause')}>
            Pause {d.name}
          </button>
        ) : (
          <button type="button" onClick={() => void act(d, 'resume')}>
            Resume {d.name}
          </button>
        )}
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(d, 'rewind', { fromSeq: Number(fromSeq) });
          }}
        >
          <Field label={`Deliver again from seq (${d.name})`}>
            <input type="number" min={0} value={fromSeq} onChange={(e) => setFromSeq(e.target.value)} required />
          </Field>
          <button type="submit" disabled={fromSeq === ''}>
            Rewind
          </button>
        </form>
      </div>
    </Panel>
  );
}
