import { apiSend } from '../../api.ts';
import { useApi } from '../../hooks.ts';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { ErrorNote, Loading } from '../../components/states.tsx';
import { LedgerHistory, Time, UserRef, UserStatusBadge, WithOrg } from './shared.tsx';
import { ReasonAction } from './reason-action.tsx';
import { AccessInOrg } from './user-access.tsx';
import { FactorsPanel, LockoutPanel } from './user-security.tsx';
import { SessionsPanel } from './user-sessions.tsx';
import { MembershipsPanel } from './user-memberships.tsx';
import { useOrg } from '../../org-context.tsx';
import type { User } from './types.ts';

function StatusActions({ user, reload }: { user: User; reload: () => void }) {
  const setStatus = (status: 'active' | 'suspended') => (reason: string | null) => apiSend('PATCH', `/api/v1/users/${user.id}`, { status, ...(reason ? { statusReason: reason } : {}) });
  if (user.status === 'active') return <ReasonAction label="Suspend" confirmLabel="Suspend user" required danger run={setStatus('suspended')} onDone={reload} />;
  if (user.status === 'suspended') return <ReasonAction label="Reactivate" confirmLabel="Reactivate user" required run={setStatus('active')} onDone={reload} />;
  return null;
}

/** /users/:id: profile and status, the organizations the user belongs to, access in the chosen organization, MFA and factors, lockout, sessions and ledger history. */
export function UserPage({ params }: { params: Record<string, string> }) {
  const user = useApi<User>(`/api/v1/users/${encodeURIComponent(params.id)}`);
  const { org } = useOrg();
  if (user.error) return <Page title="User"><ErrorNote error={user.error} title="Could not load the user" /></Page>;
  const u = user.data;
  if (!u) return <Page title="User"><Loading /></Page>;
  return (
    <Page title={u.name ?? u.email} subtitle={u.email} actions={<StatusActions user={u} reload={user.reload} />}>
      <Panel title="Profile">
        <Facts
          items={[
            ['Status', <UserStatusBadge status={u.status} />],
            ['Email verified', u.emailVerifiedAt ? <Time value={u.emailVerifiedAt} /> : 'Not yet'],
            ['Department', u.department],
            ['Title', u.title],
            ['Employee number', u.employeeNumber],
            ['Manager', u.managerId ? <UserRef id={u.managerId} /> : null],
            ['Created', <Time value={u.createdAt} />],
            ['Id', <code>{u.id}</code>],
          ]}
        />
      </Panel>
      <Panel title="Organizations">
        <MembershipsPanel userId={u.id} />
      </Panel>
      <Panel title={`Access in ${org?.name ?? 'the chosen organization'}`}>
        <WithOrg>{(o) => <AccessInOrg user={u} org={o} />}</WithOrg>
      </Panel>
      <Panel title="MFA and factors">
        <FactorsPanel userId={u.id} orgId={org?.id ?? null} />
      </Panel>
      <Panel title="Lockout">
        <LockoutPanel userId={u.id} />
      </Panel>
      <Panel title="Sessions">
        <SessionsPanel userId={u.id} />
      </Panel>
      <Panel title="Ledger history">
        <LedgerHistory target={u.id} caption="Ledger events about this user" />
      </Panel>
    </Page>
  );
}
