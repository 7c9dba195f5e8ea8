import { Link } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { eventPage, type LedgerEvent } from '../ledger/ledger-types.ts';

/** Ledger events as a timeline, each linked to the ledger explorer. */
export function LedgerTimeline({ events, label }: { events: LedgerEvent[]; label: string }) {
  if (events.length === 0) return <p className="muted">No ledger events yet.</p>;
  return (
    <ol className="timeline" aria-label={label}>
      {events.map((e) => (
        <li key={e.id}>
          <time dateTime={e.time}>{formatTime(e.time)}</time> · <code>{e.action}</code> by {e.actor.display || e.actor.id} ({e.actor.type}) ·{' '}
          <Link to={eventPage(e.id)}>ledger event #{e.seq}</Link>
          {typeof e.data.note === 'string' && e.data.note ? <div className="muted small">“{e.data.note}”</div> : null}
        </li>
      ))}
    </ol>
  );
}
