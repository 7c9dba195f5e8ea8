import { useState, type ReactNode } from 'react';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { Badge, ErrorNote, Loading } from '../../components/states.tsx';
import { Field, OneTimeSecret } from '../../components/form.tsx';
import { useAction, useApi } from '../../hooks.ts';
import { apiSend } from '../../api.ts';
import { useOrg } from '../../org-context.tsx';
import { Link, navigate } from '../../router.tsx';
import { formatDuration, formatTime, plural } from '../../format.ts';
import type { LedgerEvent } from '../ledger/ledger-types.ts';
import { statusTone, type Destination } from './monitoring-types.ts';
import { DestinationForm, KIND_LABELS, patchBody, valuesOf, type DestinationValues, type Kind } from './siem-form.tsx';
import { SIEM_API } from './siem-page.tsx';
import { LedgerTimeline } from './ledger-timeline.tsx';

/** One SIEM destination: health and lag, its settings, pause/resume/rewind, edit, rotate the webhook secret, delete; and its changes in the ledger. */
export function SiemDestinationPage({ params }: { params: Record<string, string> }) {
  const dest = useApi<Destination>(`${SIEM_API}/${params.id}`);
  const history = useApi<{ items: LedgerEvent[] }>('/api/v1/audit/events', { target: params.id, action: 'stream.destination.', order: 'desc', limit: 20 });
  const { orgs } = useOrg();
  const main = useAction();
  const edit = useAction();
  const busy = main.busy || edit.busy;
  const [secret, setSecret] = useState<string | null>(null);
  const [fromSeq, setFromSeq] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const d = dest.data;

  async function run(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    main.reset();
    edit.reset();
    const answer = await (method === 'PATCH' ? edit : main).run(async () => {
      const answer = await apiSend<unknown>(method, `${SIEM_API}/${params.id}${path}`, body);
      dest.reload();
      history.reload();
      return answer;
    });
    return answer ?? null;
  }
  async function rotate() {
    const answer = (await run('POST', '/rotate-secret')) as { secret: string } | null;
    if (answer) setSecret(answer.secret);
  }
  async function remove() {
    await main.run(async () => {
      await apiSend('DELETE', `${SIEM_API}/${params.id}`);
      navigate('/monitoring/siem');
    });
  }

  const h = d?.health;
  const scope = d?.orgId ? (orgs.find((o) => o.id === d.orgId)?.name ?? d.orgId) : 'Whole deployment';
  const orgNames = (ids: string[]) => ids.map((id) => orgs.find((o) => o.id === id)?.name ?? id).join(', ');
  return (
    <Page title={d ? d.name : 'SIEM destination'} subtitle={d ? KIND_LABELS[d.kind as Kind] ?? d.kind : null} actions={<Link to="/monitoring/siem">All destinations</Link>}>
      {dest.loading && !d ? <Loading /> : null}
      <ErrorNote error={dest.error} title="Could not load the destination" />
      <ErrorNote error={main.error} />
      {secret ? <OneTimeSecret label="New webhook signing secret" value={secret} onDone={() => setSecret(null)} /> : null}
      {d && h ? (
        <>
          <Panel title="Delivery" actions={<Badge tone={statusTone(h.status)}>{h.status}</Badge>}>
            <Facts
              items={[
                ['Lag', `${plural(h.lagEvents, 'event')} · ${formatDuration(h.lagSeconds)}`],
                ['Delivered up to', `seq ${h.cursorSeq} of ${h.headSeq}`],
                ['Last delivery', h.lastDeliveredAt ? `${formatTime(h.lastDeliveredAt)} (seq ${h.lastDeliveredSeq ?? '—'})` : 'Never'],
                ['Consecutive failures', String(h.consecutiveFailures)],
                ['Last error', h.lastError ? `${h.lastError} (${formatTime(h.lastErrorAt)})` : null],
                ['Next attempt', h.nextAttemptAt ? formatTime(h.nextAttemptAt) : null],
              ]}
            />
            <div className="actions siem-actions">
              <button type="button" disabled={busy} onClick={() => void run('POST', d.status === 'active' ? '/pause' : '/resume')}>
                {d.status === 'active' ? 'Pause delivery' : 'Resume delivery'}
              </button>
              <form
                className="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void run('POST', '/rewind', { fromSeq: Number(fromSeq) });
                }}
              >
                <Field label="Deliver again from seq">
                  <input type="number" min={0} value={fromSeq} onChange={(e) => setFromSeq(e.target.value)} required />
                </Field>
                <button type="submit" disabled={busy || fromSeq === ''}>
                  Rewind
                </button>
              </form>
            </div>
          </Panel>
          <Panel title="Settings">
            <Facts
              items={[
                ['Kind', KIND_LABELS[d.kind as Kind] ?? d.kind],
                ['Scope', scope],
                ...Object.entries(d.config).map(([k, v]): [string, ReactNode] => [k, <code>{String(v)}</code>]),
                ['Action prefixes', d.filter.actionPrefixes.length ? d.filter.actionPrefixes.join(', ') : 'Every action'],
                ['Organizations', d.filter.orgIds.length ? orgNames(d.filter.orgIds) : d.orgId ? null : 'Every organization'],
                ['Signing secret', d.secretPrefix ? <code>{d.secretPrefix}…</code> : null],
                ['Created', formatTime(d.createdAt)],
                ['Updated', formatTime(d.updatedAt)],
              ]}
            />
            {d.kind === 'webhook' ? (
              <div className="actions">
                <button type="button" disabled={busy} onClick={() => void rotate()}>
                  Rotate secret
                </button>
                <span className="muted small">The old secret signs nothing more from the next batch on.</span>
              </div>
            ) : null}
          </Panel>
          <Panel title="Edit">
            <DestinationForm key={d.updatedAt} initial={valuesOf(d)} editing submitLabel="Save changes" error={edit.error} busy={busy} onSubmit={(v: DestinationValues) => {
              const body = patchBody(v, valuesOf(d));
              if (body) void run('PATCH', '', body);
            }} />
          </Panel>
          <Panel title="Delete">
            <p>Nothing more is sent to {d.name}, and its secret is gone. The ledger keeps the record of its deliveries.</p>
            {confirmDelete ? (
              <div className="notice warn confirm-delete" role="alert">
                <p>
                  <strong>Delete {d.name} for good?</strong>
                </p>
                <div className="actions">
                  <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
                    Yes, delete {d.name}
                  </button>
                  <button type="button" onClick={() => setConfirmDelete(false)}>
                    Keep it
                  </button>
                </div>
              </div>
            ) : (
              <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
                Delete destination
              </button>
            )}
          </Panel>
          <Panel title="Changes in the ledger">
            <ErrorNote error={history.error} title="Could not read the ledger" />
            {history.data ? <LedgerTimeline events={history.data.items} label="Changes to this destination" /> : null}
          </Panel>
        </>
      ) : null}
    </Page>
  );
}
