import { usePaged } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import type { Organization } from '../../org-context.tsx';
import { Page } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { Badge, EmptyState } from '../../components/states.tsx';
import { Time, WithOrg } from './shared.tsx';
import type { Role } from './types.ts';

function RoleList({ org }: { org: Organization }) {
  const list = usePaged<Role>(`/api/v1/organizations/${org.id}/roles`, {}, 25);
  return (
    <PagedTable
      list={list}
      caption={`Roles of ${org.name}`}
      rowKey={(r) => r.id}
      empty={<EmptyState title="No roles defined">Roles are defined through the API: <code>POST /api/v1/organizations/{'{org}'}/roles</code>.</EmptyState>}
      columns={[
        { header: 'Role', cell: (r) => <Link to={`/roles/${r.id}`}>{r.name}</Link> },
        { header: 'Key', cell: (r) => <code>{r.key}</code> },
        { header: 'Privileged', cell: (r) => (r.privileged ? <Badge tone="warn">privileged</Badge> : <Badge tone="neutral">no</Badge>) },
        { header: 'Permissions', cell: (r) => String(r.permissions.length) },
        { header: 'Approvals', cell: (r) => `${r.approval.approvalsRequired} (${r.approval.approvers.join(', ')})` },
        { header: 'Changed', cell: (r) => <Time value={r.updatedAt} /> },
      ]}
    />
  );
}

/** /roles: the role definitions of the chosen organization. */
export function RolesPage() {
  return (
    <Page title="Roles" subtitle="Role definitions: the permissions each grants, and how granting and elevating it are governed.">
      <WithOrg>{(org) => <RoleList org={org} />}</WithOrg>
    </Page>
  );
}
