import type { ReactNode } from 'react';
import { useApi } from '../../hooks.ts';
import { useOrg } from '../../org-context.tsx';
import { Link } from '../../router.tsx';
import { Badge, ErrorNote, Loading, type Tone } from '../../components/states.tsx';
import { formatTime } from '../../format.ts';

/** An access request as /api/v1 gives it (list rows have no decisions; details do). */
export interface AccessRequest {
  id: string;
  orgId: string;
  roleId: string;
  principal: { type: 'user' | 'service_account'; id: string };
  requestedBy: { type: string; id: string };
  reason: string | null;
  source: string;
  kind: 'grant' | 'eligibility' | 'activation';
  durationMinutes: number | null;
  approvalsRequired: number;
  expiresAt: string | null;
  status: 'pending' | 'approved' | 'denied' | 'cancelled' | 'expired';
  createdAt: string;
  decidedAt: string | null;
  decisionReason: string | null;
  assignmentId: string | null;
  eligibilityId: string | null;
  approvals?: number;
  decisions?: Array<{ approverId: string; decision: 'approve' | 'deny'; comment: string | null; createdAt: string }>;
}

export interface LedgerEvent {
  id: string;
  seq: number;
  time: string;
  action: string;
  actor: { type: string; id: string; display: string };
  data: Record<string, unknown>;
}

const STATUS_TONES: Record<string, Tone> = { pending: 'warn', approved: 'good', denied: 'bad', cancelled: 'neutral', expired: 'neutral', open: 'info', closed: 'good', keep: 'good', revoke: 'bad' };

/** A status word as a badge (colour and text). */
export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONES[status] ?? 'neutral'}>{status}</Badge>;
}

/** The organization's name from the header picker's list, or its id. */
export function OrgName({ id }: { id: string }) {
  const { orgs } = useOrg();
  const org = orgs.find((o) => o.id === id);
  return <>{org ? org.name : <code>{id}</code>}</>;
}

/** A user's name and email (GET /api/v1/users/{id}), the id while loading or if unreadable. */
export function UserName({ id, type = 'user' }: { id: string; type?: string }) {
  const user = useApi<{ email: string; name: string | null }>(type === 'user' ? `/api/v1/users/${id}` : null);
  if (type !== 'user') return <span title={id}>{type.replace('_', ' ')} <code>{id.slice(0, 8)}</code></span>;
  if (!user.data) return <code title={id}>{id}</code>;
  return (
    <span title={id}>
      {user.data.name ? `${user.data.name} ` : ''}
      <span className="muted">{user.data.email}</span>
    </span>
  );
}

/** A role's key and name (GET /api/v1/organizations/{org}/roles/{role}). */
export function RoleName({ orgId, roleId }: { orgId: string; roleId: string }) {
  const role = useApi<{ key: string; name: string; privileged: boolean }>(`/api/v1/organizations/${orgId}/roles/${roleId}`);
  if (!role.data) return <code title={roleId}>{roleId}</code>;
  return (
    <span title={roleId}>
      <strong>{role.data.key}</strong> <span className="muted">{role.data.name}</span> {role.data.privileged ? <Badge tone="warn">privileged</Badge> : null}
    </span>
  );
}

/** "1 of 2 approvals", with a progress bar. */
export function ApprovalCount({ given, required }: { given: number; required: number }) {
  return (
    <span className="approval-count">
      <progress max={required} value={Math.min(given, required)} aria-hidden="true" /> {given} of {required} approvals
    </span>
  );
}

/** Ledger events about one target (GET /api/v1/audit/events?target=…&action=…), each linked to the ledger explorer. */
export function LedgerTrail({ target, action, empty = 'No ledger events yet.' }: { target: string; action?: string; empty?: ReactNode }) {
  const events = useApi<{ items: LedgerEvent[] }>('/api/v1/audit/events', { target, action, limit: 50 });
  if (events.error) return <ErrorNote error={events.error} title="Could not load the ledger events" />;
  if (events.loading && !events.data) return <Loading label="Loading ledger events" />;
  const items = events.data?.items ?? [];
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ol className="timeline" aria-label="Ledger events">
      {items.map((e) => (
        <li key={e.id}>
          <strong>{e.action}</strong> by {e.actor.display} · <time dateTime={e.time}>{formatTime(e.time)}</time> · event{' '}
          <Link to={`/audit/events/${e.id}`}>#{e.seq}</Link>
          {typeof e.data.comment === 'string' && e.data.comment ? <div className="muted small">“{e.data.comment}”</div> : null}
        </li>
      ))}
    </ol>
  );
}

/** Who decided what, in order (the decisions of a request detail). */
export function DecisionList({ request }: { request: AccessRequest }) {
  const decisions = request.decisions ?? [];
  if (decisions.length === 0) return <p className="muted">No decisions yet.</p>;
  return (
    <ul className="steps">
      {decisions.map((d) => (
        <li key={`${d.approverId}-${d.createdAt}`}>
          <StatusBadge status={d.decision === 'approve' ? 'approved' : 'denied'} /> <UserName id={d.approverId} /> · <time dateTime={d.createdAt}>{formatTime(d.createdAt)}</time>
          {d.comment ? <span className="muted"> — “{d.comment}”</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** Minutes as people say them. */
export function minutes(n: number | null): string {
  if (n === null) return 'no end';
  if (n % 1440 === 0) return `${n / 1440} d`;
  if (n % 60 === 0) return `${n / 60} h`;
  return `${n} min`;
}
