import { Facts, Page, Panel } from '../../components/page.tsx';
import { Badge, ErrorNote, Loading } from '../../components/states.tsx';
import { DataTable } from '../../components/table.tsx';
import { useApi } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { targetPage, type InclusionProof, type LedgerEvent } from './ledger-types.ts';
import { LedgerKeyPanel } from './ledger-key-panel.tsx';
import { usePinnedKey } from './pinned-key.ts';
import { VerifyPanel } from './verify-panel.tsx';

type Target = LedgerEvent['targets'][number];

/** One ledger event: every field as recorded, its place in the tree, and verification in this browser. */
export function AuditEventPage({ params }: { params: Record<string, string> }) {
  const id = params.id;
  const event = useApi<LedgerEvent>(`/api/v1/audit/events/${id}`);
  const proof = useApi<InclusionProof>(`/api/v1/audit/events/${id}/proof`);
  const pinning = usePinnedKey();
  const e = event.data;
  return (
    <Page title={e ? `Event #${e.seq}` : 'Ledger event'} subtitle={e ? <code>{e.action}</code> : null} actions={<Link to="/audit">Back to the ledger</Link>}>
      {event.loading ? <Loading /> : null}
      <ErrorNote error={event.error} title="Could not load the event" />
      {e ? (
        <>
          <Panel title="Event">
            <Facts
              items={[
                ['Event ID', <code>{e.id}</code>],
                ['Sequence number', String(e.seq)],
                ['Time', <time dateTime={e.time}>{formatTime(e.time)}</time>],
                ['Action', <code>{e.action}</code>],
                ['Outcome', <Badge tone={e.outcome === 'success' ? 'good' : 'bad'}>{e.outcome}</Badge>],
                ['Reason', e.reason ?? null],
                ['Actor', <span>{e.actor.display} <span className="muted">({e.actor.type} <code>{e.actor.id}</code>)</span></span>],
                ['Organization', e.org ? <Link to={`/audit?org=${encodeURIComponent(e.org)}`}><code>{e.org}</code></Link> : 'Deployment'],
                ['Leaf hash', proof.data ? <code className="hash">{proof.data.leafHash}</code> : null],
                ['Event format version', String(e.v)],
              ]}
            />
          </Panel>
          <Panel title="Targets">
            <DataTable<Target>
              caption="Targets of the event"
              rows={e.targets}
              rowKey={(t) => `${t.type}:${t.id}`}
              columns={[
                { header: 'Type', cell: (t) => t.type },
                { header: 'ID', cell: (t) => <code>{t.id}</code> },
                { header: 'Name', cell: (t) => t.display ?? '—' },
                {
                  header: 'Links',
                  cell: (t) => {
                    const page = targetPage(t.type, t.id);
                    return (
                      <span className="actions">
                        {page ? <Link to={page}>Open</Link> : null}
                        <Link to={`/audit?target=${encodeURIComponent(t.id)}`}>Its events</Link>
                      </span>
                    );
                  },
                },
              ]}
              empty={<p className="muted">This event has no targets.</p>}
            />
          </Panel>
          <div className="grid">
            <Panel title="Data">
              <pre className="json">{JSON.stringify(e.data, null, 2)}</pre>
            </Panel>
            <Panel title="Request context">
              <pre className="json">{JSON.stringify(e.context, null, 2)}</pre>
            </Panel>
          </div>
          <VerifyPanel eventId={e.id} pinned={pinning.pinned} />
          <LedgerKeyPanel pinning={pinning} />
        </>
      ) : null}
    </Page>
  );
}
