import type { ReactNode } from 'react';
import { useApi, usePaged } from '../../hooks.ts';
import { useOrg, type Organization } from '../../org-context.tsx';
import { Link } from '../../router.tsx';
import { Badge, EmptyState, Loading, type Tone } from '../../components/states.tsx';
import { PagedTable } from '../../components/table.tsx';
import { formatTime } from '../../format.ts';
import type { Paged } from '../../api.ts';
import type { LedgerEvent, Role, UserStatus } from './types.ts';

const USER_TONES: Record<UserStatus, Tone> = { active: 'good', suspended: 'warn', deprovisioned: 'bad' };
const STATE_TONES: Record<string, Tone> = { active: 'good', disabled: 'warn', deleted: 'bad', expired: 'warn', revoked: 'bad' };

/** A user's status as a word with its colour. */
export function UserStatusBadge({ status }: { status: UserStatus }) {
  return <Badge tone={USER_TONES[status]}>{status}</Badge>;
}

/** A service account's or credential's state (active, disabled, deleted, expired, revoked). */
export function StateBadge({ state }: { state: string }) {
  return <Badge tone={STATE_TONES[state] ?? 'neutral'}>{state}</Badge>;
}

/** Renders its children with the organization chosen in the header, or says how to choose one. */
export function WithOrg({ children }: { children: (org: Organization) => ReactNode }) {
  const { org, loading } = useOrg();
  if (loading) return <Loading />;
  if (!org) {
    return (
      <EmptyState title="No organization chosen">
        Create an organization on the <Link to="/organizations">Organizations</Link> page, then choose it in the header.
      </EmptyState>
    );
  }
  return <>{children(org)}</>;
}

/** A service account of the chosen organization as a link showing its name (read on demand). */
export function ServiceAccountRef({ id }: { id: string }) {
  const { org } = useOrg();
  const sa = useApi<{ name: string }>(org ? `/api/v1/organizations/${org.id}/service-accounts/${id}` : null);
  return <Link to={`/service-accounts/${id}`} title={id}>{sa.data?.name ?? `service account ${id.slice(0, 8)}`}</Link>;
}

/** A principal (user or service account) as a link to its page, by name, with its kind in words. */
export function PrincipalLink({ principal }: { principal: { type: string; id: string } }) {
  if (principal.type === 'user') return <UserRef id={principal.id} />;
  if (principal.type === 'service_account') {
    return (
      <>
        <ServiceAccountRef id={principal.id} /> <span className="muted">(service account)</span>
      </>
    );
  }
  return (
    <span>
      {principal.type} <code>{principal.id}</code>
    </span>
  );
}

/** A user id as a link showing their name, or email (read on demand); the email is the link's title. */
export function UserRef({ id }: { id: string | null }) {
  const user = useApi<{ email: string; name: string | null }>(id ? `/api/v1/users/${id}` : null);
  if (!id) return <span className="muted">none</span>;
  return (
    <Link to={`/users/${id}`} title={user.data?.email ?? id}>
      {user.data ? (user.data.name ?? user.data.email) : id}
    </Link>
  );
}

/** The roles of an organization by id, to name the roles an assignment points at (a role catalogue is small: one page). */
export function useRoleNames(orgId: string | null): Map<string, Role> {
  const roles = useApi<Paged<Role>>(orgId ? `/api/v1/organizations/${orgId}/roles` : null, { limit: 100 });
  return new Map((roles.data?.items ?? []).map((r) => [r.id, r]));
}

/** Who did what to `target` according to the ledger, in ledger order, each event linked to the ledger explorer. */
export function LedgerHistory({ target, caption }: { target: string; caption: string }) {
  const list = usePaged<LedgerEvent>('/api/v1/audit/events', { target }, 20);
  return (
    <PagedTable
      list={list}
      caption={caption}
      rowKey={(e) => e.id}
      empty={<EmptyState title="No ledger events yet">Changes made to this record are recorded here.</EmptyState>}
      columns={[
        { header: 'Seq', cell: (e) => <Link to={`/audit/events/${e.id}`}>#{e.seq}</Link> },
        { header: 'When', cell: (e) => <time dateTime={e.time}>{formatTime(e.time)}</time> },
        { header: 'Action', cell: (e) => <code>{e.action}</code> },
        { header: 'Outcome', cell: (e) => <Badge tone={e.outcome === 'success' ? 'good' : 'bad'}>{e.outcome}</Badge> },
        { header: 'Actor', cell: (e) => <span title={`${e.actor.type} ${e.actor.id}`}>{e.actor.display || `${e.actor.type} ${e.actor.id}`}</span> },
      ]}
    />
  );
}

/** A timestamp with its ISO value as the machine-readable time. */
export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  return <time dateTime={value}>{formatTime(value)}</time>;
}
