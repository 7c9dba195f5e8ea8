import { useState, type FormEvent, type ReactNode } from 'react';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { Badge, ErrorNote, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { apiSend } from '../../api.ts';
import { Link } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { eventPage } from '../ledger/ledger-types.ts';
import { severityTone, statusTone, words, type IncidentDetail, type TimelineEntry } from './monitoring-types.ts';
import { useUserNames } from './user-names.ts';
import { LinkAlert, LinkLedgerEvent } from './incident-links.tsx';

/** One incident: facts, its timeline (alerts, linked events, notes, changes), and the actions that move it on. */
export function IncidentPage({ params }: { params: Record<string, string> }) {
  const incident = useApi<IncidentDetail>(`/api/v1/incidents/${params.id}`);
  const i = incident.data;
  const userIds = i ? [i.ownerId, ...[i.openedBy, ...i.notes.map((n) => n.author)].filter((a) => a.type === 'user').map((a) => a.id)] : [];
  const { userName, actorName } = useUserNames(userIds);
  const noteAuthor = (noteId?: string) => {
    const note = i?.notes.find((n) => n.id === noteId);
    return note ? ` — ${actorName(note.author)}` : '';
  };
  return (
    <Page title={i ? i.title : 'Incident'} actions={<Link to="/monitoring/incidents">All incidents</Link>}>
      {incident.loading && !i ? <Loading /> : null}
      <ErrorNote error={incident.error} title="Could not load the incident" />
      {i ? (
        <>
          <Panel title="Incident">
            <Facts
              items={[
                ['Status', <Badge tone={statusTone(i.status)}>{i.status}</Badge>],
                ['Severity', <Badge tone={severityTone(i.severity)}>{i.severity}</Badge>],
                ['Owner', userName(i.ownerId)],
                ['Opened', `${formatTime(i.openedAt)} by ${actorName(i.openedBy)}`],
                ['Summary', i.summary],
                ['Resolved', i.resolvedAt ? formatTime(i.resolvedAt) : null],
                ['Resolution', i.resolution],
                ['Root cause', i.rootCause],
                ['Alerts', i.alerts.length ? i.alerts.map((a) => <Link key={a.id} to={`/monitoring/alerts/${a.id}`}>{words(a.rule)} </Link>) : null],
              ]}
            />
          </Panel>
          <Panel title="Timeline">
            {i.timeline.length ? (
              <ol className="timeline" aria-label="Incident timeline">
                {i.timeline.map((t, n) => (
                  <li key={n}>
                    <time dateTime={t.time}>{formatTime(t.time)}</time> · <Badge>{t.type}</Badge> {t.summary}
                    {t.type === 'note' ? noteAuthor(t.noteId) : null} {entryLink(t)}
                  </li>
                ))}
              </ol>
            ) : (
              <p className="muted">Nothing on the timeline yet.</p>
            )}
          </Panel>
          {i.status !== 'resolved' ? (
            <>
              <IncidentActions id={i.id} status={i.status} onDone={incident.reload} />
              <Panel title="Link evidence">
                <div className="grid">
                  <LinkLedgerEvent incidentId={i.id} linked={i.events.map((e) => e.id)} onDone={incident.reload} />
                  <LinkAlert incidentId={i.id} linked={i.alerts.map((a) => a.id)} onDone={incident.reload} />
                </div>
              </Panel>
            </>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}

function entryLink(t: TimelineEntry): ReactNode {
  if (t.eventId) return <Link to={eventPage(t.eventId)}>ledger event</Link>;
  if (t.alertId) return <Link to={`/monitoring/alerts/${t.alertId}`}>alert</Link>;
  return null;
}

function IncidentActions({ id, status, onDone }: { id: string; status: string; onDone: () => void }) {
  const [note, setNote] = useState('');
  const [nextStatus, setNextStatus] = useState(status);
  const [resolution, setResolution] = useState('');
  const [rootCause, setRootCause] = useState('');
  const { busy, error, run } = useAction();

  const act = (method: 'POST' | 'PATCH', path: string, body: unknown, reset: () => void) => async (e: FormEvent) => {
    e.preventDefault();
    await run(async () => {
      await apiSend(method, `/api/v1/incidents/${id}${path}`, body);
      reset();
      onDone();
    });
  };

  return (
    <Panel title="Work the incident">
      <ErrorNote error={error} />
      <div className="grid">
        <form onSubmit={act('POST', '/notes', { text: note }, () => setNote(''))} aria-label="Add a note">
          <Field label="Note">
            <textarea rows={3} value={note} onChange={(e) => setNote(e.target.value)} required maxLength={5000} />
          </Field>
          <button type="submit" disabled={busy || !note.trim()}>
            Add note
          </button>
        </form>
        <form onSubmit={act('PATCH', '', { status: nextStatus }, () => undefined)} aria-label="Change the status">
          <Field label="Status">
            <select value={nextStatus} onChange={(e) => setNextStatus(e.target.value)}>
              {['open', 'investigating', 'contained'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" disabled={busy || nextStatus === status}>
            Change status
          </button>
        </form>
        <form onSubmit={act('POST', '/resolve', { resolution, rootCause }, () => undefined)} aria-label="Resolve the incident">
          <Field label="Resolution">
            <textarea rows={2} value={resolution} onChange={(e) => setResolution(e.target.value)} required maxLength={5000} />
          </Field>
          <Field label="Root cause">
            <textarea rows={2} value={rootCause} onChange={(e) => setRootCause(e.target.value)} required maxLength={5000} />
          </Field>
          <button type="submit" className="primary" disabled={busy || !resolution.trim() || !rootCause.trim()}>
            Resolve incident
          </button>
        </form>
      </div>
    </Panel>
  );
}
