import { useEffect, useState } from 'react';
import { apiSend } from '../../api.ts';
import { useApi, useAction } from '../../hooks.ts';
import { Page, Panel } from '../../components/page.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { formatDuration, formatTime } from '../../format.ts';
import { OrgName } from './shared.tsx';

interface Eligibility {
  id: string;
  orgId: string;
  role: { id: string; key: string; name: string; privileged: boolean; maxActivationMinutes: number; activationRequiresApproval: boolean };
  expiresAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  active: boolean;
  activation: { assignmentId: string; expiresAt: string; justification: string | null } | null;
}

/** The current time, ticking every `ms` (for "time left"). */
function useNow(ms = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** The activation form of one eligibility: why, for how long; approval-gated roles file a request instead. */
function Activate({ e, onDone }: { e: Eligibility; onDone: (message: string) => void }) {
  const [justification, setJustification] = useState('');
  const [duration, setDuration] = useState(String(Math.min(60, e.role.maxActivationMinutes)));
  const { busy, error, run } = useAction();
  const needsApproval = e.role.activationRequiresApproval;
  async function submit() {
    await run(async () => {
      const body = { eligibilityId: e.id, justification: justification.trim(), durationMinutes: Number(duration) };
      if (needsApproval) {
        await apiSend('POST', '/api/v1/me/elevation-requests', body);
        onDone(`Activation of ${e.role.key} requested: it starts when the approvers agree.`);
      } else {
        await apiSend('POST', '/api/v1/me/elevations', body);
        onDone(`${e.role.key} is active for ${duration} min.`);
      }
    });
  }
  return (
    <form
      aria-label={`Activate ${e.role.key}`}
      onSubmit={(ev) => {
        ev.preventDefault();
        void submit();
      }}
    >
      <Field label={`Justification for ${e.role.key}`} hint="At least 10 characters, e.g. the ticket or incident. Recorded in the ledger.">
        <textarea value={justification} onChange={(ev) => setJustification(ev.target.value)} minLength={10} maxLength={1000} rows={2} required />
      </Field>
      <Field label={`Duration in minutes for ${e.role.key}`} hint={`At most ${e.role.maxActivationMinutes} minutes.`}>
        <input type="number" min={1} max={e.role.maxActivationMinutes} value={duration} onChange={(ev) => setDuration(ev.target.value)} required />
      </Field>
      <ErrorNote error={error} title="The role was not activated" />
      <button type="submit" className="primary" disabled={busy || justification.trim().length < 10}>
        {needsApproval ? `Request activation of ${e.role.key}` : `Activate ${e.role.key}`}
      </button>
    </form>
  );
}

/** A running activation: time left and "End now". */
function Running({ e, now, onDone }: { e: Eligibility; now: number; onDone: (message: string) => void }) {
  const { error, run } = useAction();
  const a = e.activation!;
  const left = Math.max(0, (new Date(a.expiresAt).getTime() - now) / 1000);
  async function end() {
    await run(async () => {
      await apiSend('POST', `/api/v1/me/elevations/${a.assignmentId}/deactivate`, { reason: 'ended early in the console' });
      onDone(`${e.role.key} ended.`);
    });
  }
  return (
    <div>
      <p>
        <Badge tone="warn">active</Badge> <strong>{formatDuration(left)} left</strong> (until <time dateTime={a.expiresAt}>{formatTime(a.expiresAt)}</time>)
      </p>
      {a.justification ? <p className="muted">Why: “{a.justification}”</p> : null}
      <ErrorNote error={error} title="The activation was not ended" />
      <button type="button" className="danger" onClick={() => void end()}>
        End {e.role.key} now
      </button>
    </div>
  );
}

/** Just-in-time elevation for the signed-in user (GET /api/v1/me/eligibilities). */
export function ElevationPage() {
  const list = useApi<{ items: Eligibility[] }>('/api/v1/me/eligibilities');
  const [message, setMessage] = useState<string | null>(null);
  const now = useNow();
  const done = (m: string) => {
    setMessage(m);
    list.reload();
  };
  const items = list.data?.items ?? [];
  return (
    <Page title="Elevation" subtitle="Roles you may activate for a while, with a reason. Activating needs a fresh passkey check.">
      <div role="status" aria-live="polite">
        {message ? <p className="notice good">{message}</p> : null}
      </div>
      {list.error ? <ErrorNote error={list.error} title="Could not load your eligibilities" /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && items.length === 0 ? <EmptyState title="You are not eligible for any role">An administrator makes you eligible (Directory › role eligibilities), or ask for eligibility under My requests.</EmptyState> : null}
      <div className="grid">
        {items.map((e) => (
          <Panel key={e.id} id={`elig-${e.id}`} title={e.role.key} actions={e.role.privileged ? <Badge tone="warn">privileged</Badge> : null}>
            <p className="muted">
              {e.role.name} · <OrgName id={e.orgId} /> · up to {e.role.maxActivationMinutes} min{e.role.activationRequiresApproval ? ' · needs approval' : ''}
              {e.expiresAt ? ` · eligible until ${formatTime(e.expiresAt)}` : ''}
            </p>
            {!e.active ? <p><Badge tone="neutral">ended</Badge> {e.endReason}</p> : e.activation ? <Running e={e} now={now} onDone={done} /> : <Activate e={e} onDone={done} />}
          </Panel>
        ))}
      </div>
    </Page>
  );
}
