import { useApi, usePaged } from '../../hooks.ts';
import type { Organization } from '../../org-context.tsx';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { Link } from '../../router.tsx';
import { LedgerHistory, StateBadge, Time, UserRef, useRoleNames, WithOrg } from './shared.tsx';
import { CredentialsPanel } from './credentials-panel.tsx';
import { SaFindings } from './service-accounts-page.tsx';
import type { Assignment, ServiceAccount } from './types.ts';

function Roles({ org, saId }: { org: Organization; saId: string }) {
  const roles = useRoleNames(org.id);
  const list = usePaged<Assignment>(`/api/v1/organizations/${org.id}/role-assignments`, { principalId: saId, active: true }, 10);
  return (
    <PagedTable
      list={list}
      caption="Roles held"
      rowKey={(a) => a.id}
      empty={<EmptyState title="No roles">Without a role its tokens carry no permissions. Grant one from a role’s page.</EmptyState>}
      columns={[
        { header: 'Role', cell: (a) => <Link to={`/roles/${a.roleId}`}>{roles.get(a.roleId)?.name ?? a.roleId}</Link> },
        { header: 'Permissions', cell: (a) => (roles.get(a.roleId)?.permissions ?? []).join(', ') || '—' },
        { header: 'Approval', cell: (a) => a.approvalRef ?? a.reason ?? '—' },
        { header: 'Granted', cell: (a) => <Time value={a.createdAt} /> },
        { header: 'Expires', cell: (a) => (a.expiresAt ? <Time value={a.expiresAt} /> : 'no expiry') },
      ]}
    />
  );
}

function Detail({ org, id }: { org: Organization; id: string }) {
  const sa = useApi<ServiceAccount>(`/api/v1/organizations/${org.id}/service-accounts/${encodeURIComponent(id)}`);
  if (sa.error) return <ErrorNote error={sa.error} title={`Could not load the service account in ${org.name}`} />;
  const s = sa.data;
  if (!s) return <Loading />;
  return (
    <Page title={s.name} subtitle={s.description}>
      <Panel title="Summary">
        <Facts
          items={[
            ['Status', <StateBadge state={s.status} />],
            ['Owner', s.ownerUserId ? <UserRef id={s.ownerUserId} /> : <Badge tone="bad">no owner since {new Date(s.ownerMissingSince ?? '').toLocaleDateString()}</Badge>],
            ['Client id', <code>{s.id}</code>],
            ['Organization', <Link to={`/organizations/${org.id}`}>{org.name}</Link>],
            ['Created', <Time value={s.createdAt} />],
            ['Deleted', s.deletedAt ? <Time value={s.deletedAt} /> : null],
          ]}
        />
      </Panel>
      <Panel title="Findings">
        <SaFindings orgId={org.id} serviceAccountId={s.id} />
      </Panel>
      <Panel title="Credentials">
        <CredentialsPanel orgId={org.id} serviceAccountId={s.id} disabled={s.status !== 'active'} />
      </Panel>
      <Panel title="Roles">
        <Roles org={org} saId={s.id} />
      </Panel>
      <Panel title="Ledger history">
        <LedgerHistory target={s.id} caption="Ledger events about this service account" />
      </Panel>
    </Page>
  );
}

/** /service-accounts/:id: a service account of the chosen organization. */
export function ServiceAccountPage({ params }: { params: Record<string, string> }) {
  return <WithOrg>{(org) => <Detail org={org} id={params.id} />}</WithOrg>;
}
