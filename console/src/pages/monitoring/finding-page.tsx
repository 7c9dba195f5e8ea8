import { useState, type FormEvent } from 'react';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { Badge, ErrorNote, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { apiSend } from '../../api.ts';
import { Link } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { eventPage } from '../ledger/ledger-types.ts';
import { severityTone, statusTone, words, type Finding, type FindingWithTimeline } from './monitoring-types.ts';
import { LedgerTimeline } from './ledger-timeline.tsx';

/** One finding: what, who, since when, who acknowledged or resolved it, and its ledger timeline. */
export function FindingPage({ params }: { params: Record<string, string> }) {
  const finding = useApi<FindingWithTimeline>(`/api/v1/findings/${params.id}`);
  const f = finding.data;
  return (
    <Page title={f ? f.summary : 'Finding'} subtitle={f ? words(f.type) : null} actions={<Link to="/monitoring/findings">All findings</Link>}>
      {finding.loading && !f ? <Loading /> : null}
      <ErrorNote error={finding.error} title="Could not load the finding" />
      {f ? (
        <>
          <Panel title="Finding">
            <Facts
              items={[
                ['Status', <Badge tone={statusTone(f.status)}>{f.status}</Badge>],
                ['Severity', <Badge tone={severityTone(f.severity)}>{f.severity}</Badge>],
                ['Subject', `${f.subject.display ?? f.subject.id} (${f.subject.type})`],
                ['Condition since', formatTime(f.since)],
                ['Opened', formatTime(f.openedAt)],
                ['Reopened', f.reopenCount ? `${f.reopenCount} times, last ${formatTime(f.reopenedAt)}` : null],
                ['Acknowledged', f.acknowledgement ? `${formatTime(f.acknowledgement.at)} by ${f.acknowledgement.by.id} — “${f.acknowledgement.note}”` : null],
                ['Resolution', f.resolution ? `${words(f.resolution.resolution)} on ${formatTime(f.resolution.at)} by ${f.resolution.by.id} — “${f.resolution.note}”` : null],
                ['Risk accepted until', f.resolution?.acceptedUntil ? formatTime(f.resolution.acceptedUntil) : null],
                ['Closed', f.closedAt ? `${formatTime(f.closedAt)} (${words(f.closeReason ?? '')})` : null],
                ['Evidence events', f.eventIds.length ? f.eventIds.map((id) => <Link key={id} to={eventPage(id)}>{id.slice(0, 8)} </Link>) : null],
              ]}
            />
          </Panel>
          {f.status === 'open' || f.status === 'acknowledged' ? <FindingActions finding={f} onDone={finding.reload} /> : null}
          <Panel title="Timeline">
            <LedgerTimeline events={f.timeline} label="Finding timeline" />
          </Panel>
        </>
      ) : null}
    </Page>
  );
}

function FindingActions({ finding, onDone }: { finding: Finding; onDone: () => void }) {
  const [ackNote, setAckNote] = useState('');
  const [resolution, setResolution] = useState('fixed');
  const [note, setNote] = useState('');
  const [until, setUntil] = useState('');
  const { busy, error, run } = useAction();

  async function send(path: string, body: unknown) {
    await run(async () => {
      await apiSend('POST', `/api/v1/findings/${finding.id}/${path}`, body);
      onDone();
    });
  }
  const acknowledge = (e: FormEvent) => {
    e.preventDefault();
    void send('acknowledge', { note: ackNote });
  };
  const resolve = (e: FormEvent) => {
    e.preventDefault();
    void send('resolve', { resolution, note, ...(resolution === 'risk_accepted' && until ? { acceptedUntil: new Date(`${until}T23:59:59Z`).toISOString() } : {}) });
  };

  return (
    <Panel title="Act on this finding">
      <ErrorNote error={error} />
      <div className="grid">
        {finding.status === 'open' ? (
          <form onSubmit={acknowledge} aria-label="Acknowledge the finding">
            <Field label="Acknowledgement note" hint="Who is looking at it and what happens next. It stays open until resolved or cleared.">
              <textarea rows={3} value={ackNote} onChange={(e) => setAckNote(e.target.value)} required maxLength={2000} />
            </Field>
            <button type="submit" disabled={busy || !ackNote.trim()}>
              Acknowledge
            </button>
          </form>
        ) : null}
        <form onSubmit={resolve} aria-label="Resolve the finding">
          <Field label="Resolution">
            <select value={resolution} onChange={(e) => setResolution(e.target.value)}>
              <option value="fixed">Fixed</option>
              <option value="risk_accepted">Risk accepted (until a date)</option>
              <option value="false_positive">False positive</option>
            </select>
          </Field>
          {resolution === 'risk_accepted' ? (
            <Field label="Risk accepted until" hint="At most 365 days ahead; the finding reopens after this date if the condition still holds.">
              <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} required />
            </Field>
          ) : null}
          <Field label="Resolution note" hint="Recorded in the ledger with your name.">
            <textarea rows={3} value={note} onChange={(e) => setNote(e.target.value)} required maxLength={2000} />
          </Field>
          <button type="submit" className="primary" disabled={busy || !note.trim()}>
            Resolve
          </button>
        </form>
      </div>
    </Panel>
  );
}
