import { apiSend } from '../../api.ts';
import { useApi } from '../../hooks.ts';
import { DataTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { ReasonAction } from './reason-action.tsx';
import { Time } from './shared.tsx';

interface Session {
  id: string;
  amr: string[];
  acr: string;
  authTime: string;
  createdAt: string;
  lastSeenAt: string;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
  ip: string | null;
  userAgent: string | null;
  stepUpAt: string | null;
  state: 'active' | 'revoked' | 'idle_expired' | 'absolute_expired';
}

/** A user's live sessions (how they signed in, from where), revoke one or all. */
export function SessionsPanel({ userId }: { userId: string }) {
  const sessions = useApi<{ items: Session[] }>(`/api/v1/users/${userId}/sessions`);
  if (sessions.error) return <ErrorNote error={sessions.error} title="Could not load the sessions" />;
  if (!sessions.data) return <Loading />;
  const items = sessions.data.items;
  return (
    <>
      {items.length > 0 ? (
        <ReasonAction label="Revoke all sessions" confirmLabel="Sign out everywhere" required danger run={(reason) => apiSend('POST', `/api/v1/users/${userId}/sessions/revoke`, { reason })} onDone={sessions.reload} />
      ) : null}
      <DataTable
        caption="Live sessions"
        rows={items}
        rowKey={(s) => s.id}
        empty={<EmptyState title="No live sessions">The user is not signed in anywhere.</EmptyState>}
        columns={[
          { header: 'Signed in', cell: (s) => <Time value={s.authTime} /> },
          { header: 'Methods', cell: (s) => <span title={`acr ${s.acr}`}>{s.amr.join(', ')}</span> },
          { header: 'Last seen', cell: (s) => <Time value={s.lastSeenAt} /> },
          { header: 'From', cell: (s) => <span title={s.userAgent ?? ''}>{s.ip ?? '—'}</span> },
          { header: 'Expires', cell: (s) => <Time value={s.idleExpiresAt < s.absoluteExpiresAt ? s.idleExpiresAt : s.absoluteExpiresAt} /> },
          { header: 'State', cell: (s) => <Badge tone={s.state === 'active' ? 'good' : 'neutral'}>{s.state}</Badge> },
          { header: 'Actions', cell: (s) => (s.state === 'active' ? <ReasonAction label="Revoke" confirmLabel="Revoke session" danger run={(reason) => apiSend('POST', `/api/v1/sessions/${s.id}/revoke`, reason ? { reason } : {})} onDone={sessions.reload} /> : null) },
        ]}
      />
    </>
  );
}
