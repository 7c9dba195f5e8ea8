import { useState, type FormEvent } from 'react';
import { Field } from '../../components/form.tsx';
import { ErrorNote } from '../../components/states.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { apiGet, apiSend } from '../../api.ts';
import { Link } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { eventPage, type LedgerEvent } from '../ledger/ledger-types.ts';
import { words, type Alert } from './monitoring-types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Finds a ledger event by its id (GET /api/v1/audit/events/{id}), shows what it is, and links it to the incident. */
export function LinkLedgerEvent({ incidentId, linked, onDone }: { incidentId: string; linked: readonly string[]; onDone: () => void }) {
  const [id, setId] = useState('');
  const [found, setFound] = useState<LedgerEvent | null>(null);
  const { busy, error, setError, run } = useAction();
  const wanted = id.trim();

  async function lookUp(e: FormEvent) {
    e.preventDefault();
    setFound(null);
    setError(null);
    if (!UUID.test(wanted)) {
      setError(new Error(`"${wanted}" is not a ledger event id (a UUID, as the ledger explorer shows it)`));
      return;
    }
    await run(async () => setFound(await apiGet<LedgerEvent>(`/api/v1/audit/events/${wanted}`)));
  }
  async function link(event: LedgerEvent) {
    await run(async () => {
      await apiSend('POST', `/api/v1/incidents/${incidentId}/events`, { eventIds: [event.id] });
      setFound(null);
      setId('');
      onDone();
    });
  }

  return (
    <div>
      <form onSubmit={lookUp} aria-label="Find a ledger event">
        <Field label="Ledger event ID" hint="Paste an event id from the ledger explorer, then check it before linking.">
          <input value={id} onChange={(e) => setId(e.target.value)} spellCheck={false} autoComplete="off" />
        </Field>
        <button type="submit" disabled={busy || !wanted}>
          Find event
        </button>
      </form>
      <ErrorNote error={error} title="No event linked" />
      {found ? (
        <div className="notice info" role="region" aria-label="Ledger event found">
          <p>
            <Link to={eventPage(found.id)}>Ledger event #{found.seq}</Link>: <code>{found.action}</code> ({found.outcome}) by {found.actor.display || found.actor.id} ({found.actor.type}) at{' '}
            <time dateTime={found.time}>{formatTime(found.time)}</time>
            {typeof found.context.ip === 'string' ? ` from ${found.context.ip}` : ''}
          </p>
          {linked.includes(found.id) ? (
            <p className="muted">Already linked to this incident.</p>
          ) : (
            <button type="button" className="primary" disabled={busy} onClick={() => void link(found)}>
              Link event #{found.seq}
            </button>
          )}
        </div>
      ) : null}
    </div>
  );
}

/** Links one of the 50 newest alerts to the incident (an attack often spans organizations, so every alert is offered). */
export function LinkAlert({ incidentId, linked, onDone }: { incidentId: string; linked: readonly string[]; onDone: () => void }) {
  const alerts = useApi<{ items: Alert[] }>('/api/v1/alerts', { limit: 50 });
  const [alertId, setAlertId] = useState('');
  const { busy, error, run } = useAction();
  const choices = (alerts.data?.items ?? []).filter((a) => !linked.includes(a.id));

  async function link(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await apiSend('POST', `/api/v1/incidents/${incidentId}/alerts`, { alertIds: [alertId] });
      setAlertId('');
      onDone();
    });
  }

  return (
    <form onSubmit={link} aria-label="Link an alert">
      <ErrorNote error={alerts.error ?? error} title="No alert linked" />
      <Field label="Alert" hint="The 50 newest alerts, open or closed, newest first.">
        <select value={alertId} onChange={(e) => setAlertId(e.target.value)} required>
          <option value="">{choices.length ? 'Choose an alert' : 'No alert to link'}</option>
          {choices.map((a) => (
            <option key={a.id} value={a.id}>
              {words(a.rule)} — {a.subject} ({a.severity}, {a.status}, last seen {formatTime(a.lastSeenAt)})
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" disabled={busy || !alertId}>
        Link alert
      </button>
    </form>
  );
}
