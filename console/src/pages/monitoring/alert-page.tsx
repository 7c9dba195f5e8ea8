import { useState, type FormEvent } from 'react';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { Badge, ErrorNote, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { apiSend } from '../../api.ts';
import { Link } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { severityTone, statusTone, words, type Alert, type AlertWithEvents } from './monitoring-types.ts';
import { LedgerTimeline } from './ledger-timeline.tsx';

/** One alert: the rule, the subject, its triage, and the ledger events (occurrences) that raised it. */
export function AlertPage({ params }: { params: Record<string, string> }) {
  const alert = useApi<AlertWithEvents>(`/api/v1/alerts/${params.id}`);
  const a = alert.data;
  return (
    <Page title={a ? `Alert: ${words(a.rule)}` : 'Alert'} subtitle={a ? `${a.subject} (${a.subjectType})` : null} actions={<Link to="/monitoring/alerts">All alerts</Link>}>
      {alert.loading && !a ? <Loading /> : null}
      <ErrorNote error={alert.error} title="Could not load the alert" />
      {a ? (
        <>
          <Panel title="Alert">
            <Facts
              items={[
                ['Status', <Badge tone={statusTone(a.status)}>{a.status}</Badge>],
                ['Severity', <Badge tone={severityTone(a.severity)}>{a.severity}</Badge>],
                ['Raised', formatTime(a.raisedAt)],
                ['First seen', formatTime(a.firstSeenAt)],
                ['Last seen', formatTime(a.lastSeenAt)],
                ['Occurrences', String(a.eventCount)],
                ['Acknowledged', a.acknowledgedAt ? `${formatTime(a.acknowledgedAt)} by ${a.acknowledgedBy ?? '—'}` : null],
                ['Closed', a.closedAt ? `${formatTime(a.closedAt)} by ${a.closedBy ?? '—'} as ${words(a.disposition ?? '')}` : null],
                ['Note', a.note],
              ]}
            />
            <details>
              <summary>Details</summary>
              <pre className="json">{JSON.stringify(a.details, null, 2)}</pre>
            </details>
          </Panel>
          {a.status !== 'closed' ? <AlertActions alert={a} onDone={alert.reload} /> : null}
          <Panel title="Occurrences">
            <LedgerTimeline events={a.events} label="Events that raised the alert" />
          </Panel>
        </>
      ) : null}
    </Page>
  );
}

function AlertActions({ alert, onDone }: { alert: Alert; onDone: () => void }) {
  const [disposition, setDisposition] = useState('true_positive');
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction();
  async function send(path: string, body: unknown) {
    await run(async () => {
      await apiSend('POST', `/api/v1/alerts/${alert.id}/${path}`, body);
      onDone();
    });
  }
  const withNote = note.trim() ? { note } : {};
  const close = (e: FormEvent) => {
    e.preventDefault();
    void send('close', { disposition, ...withNote });
  };
  return (
    <Panel title="Triage">
      <ErrorNote error={error} />
      <form onSubmit={close} aria-label="Triage the alert">
        <Field label="Note" hint="Optional; recorded in the ledger.">
          <textarea rows={2} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
        </Field>
        <Field label="Disposition">
          <select value={disposition} onChange={(e) => setDisposition(e.target.value)}>
            <option value="true_positive">True positive</option>
            <option value="false_positive">False positive</option>
            <option value="benign">Benign</option>
          </select>
        </Field>
        <div className="actions">
          {alert.status === 'open' ? (
            <button type="button" disabled={busy} onClick={() => void send('acknowledge', withNote)}>
              Acknowledge
            </button>
          ) : null}
          <button type="submit" className="primary" disabled={busy}>
            Close alert
          </button>
          <Link to={`/monitoring/incidents?fromAlert=${alert.id}`}>Open an incident from this alert</Link>
        </div>
      </form>
    </Panel>
  );
}
