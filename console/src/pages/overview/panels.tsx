import { Panel } from '../../components/page.tsx';
import { Badge, EmptyState, type Tone } from '../../components/states.tsx';
import { formatTime } from '../../format.ts';
import { Link } from '../../router.tsx';
import { LatencyChart } from './latency-chart.tsx';
import type { ComplianceSummary, ReviewDue } from './types.ts';

const TONES: Record<string, Tone> = { pass: 'good', attention: 'warn', info: 'info' };
const WORDS: Record<string, string> = { pass: 'healthy', attention: 'attention', info: 'info' };

/** A labelled number; `id` names it for tests and for the screen reader (dt/dd). */
export function Stats({ items }: { items: Array<{ id: string; label: string; value: number | string; note?: string }> }) {
  return (
    <dl className="overview-stats">
      {items.map((s) => (
        <div key={s.id}>
          <dt className="muted small">{s.label}</dt>
          <dd className="stat" data-testid={`stat-${s.id}`}>
            {s.value}
          </dd>
          {s.note ? <dd className="muted small">{s.note}</dd> : null}
        </div>
      ))}
    </dl>
  );
}

const pct = (n: number, of: number) => (of === 0 ? '—' : `${Math.round((100 * n) / of)}%`);

export function CriteriaPanel({ s }: { s: ComplianceSummary }) {
  return (
    <Panel title="Controls health">
      <ul className="criteria-list" aria-label="SOC 2 criteria">
        {s.criteria.map((c) => (
          <li key={c.id} data-testid={`criterion-${c.id}`}>
            <strong title={c.title}>{c.id}</strong>
            <span>
              <Badge tone={TONES[c.status] ?? 'neutral'}>{WORDS[c.status] ?? c.status}</Badge>
            </span>
            <p>
              <span className="visually-hidden">{c.title}: </span>
              {c.headline}
            </p>
          </li>
        ))}
      </ul>
      <p className="muted small">
        The same collectors as the evidence package, over the same window. <Link to="/evidence">Export the evidence</Link> to hand an auditor the proof.
      </p>
    </Panel>
  );
}

export function FindingsPanel({ s }: { s: ComplianceSummary }) {
  const f = s.findings;
  const base = `/monitoring/findings?org=${encodeURIComponent(s.org.id)}&status=open`;
  return (
    <Panel title="Open findings" actions={<Link to={base}>All findings</Link>}>
      <Stats
        items={[
          { id: 'findings-open', label: 'Open now', value: f.open },
          { id: 'findings-high', label: 'High', value: f.bySeverity.high },
          { id: 'findings-medium', label: 'Medium', value: f.bySeverity.medium },
          { id: 'findings-low', label: 'Low', value: f.bySeverity.low },
        ]}
      />
      {f.byRule.length ? (
        <ul>
          {f.byRule.map((r) => (
            <li key={r.rule}>
              <Link to={`${base}&type=${encodeURIComponent(r.rule)}`}>{r.rule.replace(/_/g, ' ')}</Link>: {r.open} open
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No open findings: every control-drift check is clean.</p>
      )}
    </Panel>
  );
}

export function MfaPanel({ s }: { s: ComplianceSummary }) {
  const m = s.mfa;
  return (
    <Panel title="MFA coverage">
      <Stats
        items={[
          { id: 'mfa-members', label: 'Members', value: m.members },
          { id: 'mfa-with-mfa', label: 'With MFA', value: m.withMfa, note: pct(m.withMfa, m.members) },
          { id: 'mfa-with-passkey', label: 'With a passkey', value: m.withPasskey, note: pct(m.withPasskey, m.members) },
          { id: 'mfa-privileged', label: 'Privileged with a passkey', value: `${m.privilegedWithPasskey} of ${m.privilegedMembers}` },
        ]}
      />
      <p className="muted small">Members active at any time in the window; factors as at the window end (CC6.6).</p>
    </Panel>
  );
}

export function DeprovisioningPanel({ s }: { s: ComplianceSummary }) {
  const d = s.deprovisioning;
  return (
    <Panel title="Deprovisioning latency">
      <Stats
        items={[
          { id: 'leavers', label: 'Leavers', value: d.leavers },
          { id: 'within-sla', label: `Within ${d.slaHours} h`, value: d.withinSla },
          { id: 'outside-sla', label: 'Outside the SLA', value: d.outsideSla },
          { id: 'leavers-open', label: 'Access not removed', value: d.open },
        ]}
      />
      {d.leavers ? <LatencyChart d={d} /> : <EmptyState title="No leavers in this window">Terminations (HR webhooks, SCIM, the API) appear here with the time access was removed.</EmptyState>}
    </Panel>
  );
}

function ReviewList({ items, label, tone }: { items: ReviewDue[]; label: string; tone: Tone }) {
  return (
    <ul aria-label={label}>
      {items.map((r) => (
        <li key={r.id}>
          <Link to={`/access/reviews/${r.id}`}>{r.name}</Link> <Badge tone={tone}>{tone === 'bad' ? 'overdue' : 'due'}</Badge> {formatTime(r.dueAt)} · {r.itemsDecided} of {r.itemsTotal} decided
        </li>
      ))}
    </ul>
  );
}

export function ReviewsPanel({ s }: { s: ComplianceSummary }) {
  const r = s.reviews;
  return (
    <Panel title="Access reviews" actions={<Link to="/access/reviews">All reviews</Link>}>
      <p>
        {r.quarterlyCovered ? <Badge tone="good">covered</Badge> : <Badge tone="warn">attention</Badge>}{' '}
        {r.quarterlyCovered ? 'A review campaign closed in the last 92 days.' : 'No review campaign closed in the last 92 days.'} Last completed: {formatTime(r.lastCompletedAt)}.
      </p>
      <h3>Overdue ({r.overdue.length})</h3>
      {r.overdue.length ? <ReviewList items={r.overdue} label="Overdue reviews" tone="bad" /> : <p className="muted">None overdue.</p>}
      <h3>Due in the next 30 days ({r.upcoming.length})</h3>
      {r.upcoming.length ? <ReviewList items={r.upcoming} label="Upcoming reviews" tone="info" /> : <p className="muted">Nothing due soon. Schedule the next quarterly review under Access reviews.</p>}
    </Panel>
  );
}
