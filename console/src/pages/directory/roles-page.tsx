import { useState } from 'react';
import { usePaged } from '../../hooks.ts';
import { Link, navigate } from '../../router.tsx';
import type { Organization } from '../../org-context.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { Badge, EmptyState } from '../../components/states.tsx';
import { Time, WithOrg } from './shared.tsx';
import { RoleForm } from './role-form.tsx';
import type { Role } from './types.ts';

function RoleList({ org }: { org: Organization }) {
  const list = usePaged<Role>(`/api/v1/organizations/${org.id}/roles`, {}, 25);
  return (
    <PagedTable
      list={list}
      caption={`Roles of ${org.name}`}
      rowKey={(r) => r.id}
      empty={<EmptyState title="No roles defined">Use “New role” to define one: its permissions, and how granting and elevating it are governed.</EmptyState>}
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

/** /roles: the role definitions of the chosen organization, and "New role". */
export function RolesPage() {
  const [creating, setCreating] = useState(false);
  return (
    <Page
      title="Roles"
      subtitle="Role definitions: the permissions each grants, and how granting and elevating it are governed."
      actions={
        <button type="button" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? 'Cancel' : 'New role'}
        </button>
      }
    >
      <WithOrg>
        {(org) => (
          <>
            {creating ? (
              <Panel title={`New role in ${org.name}`}>
                <RoleForm orgId={org.id} onSaved={(r) => navigate(`/roles/${r.id}`)} onCancel={() => setCreating(false)} />
              </Panel>
            ) : null}
            <RoleList org={org} />
          </>
        )}
      </WithOrg>
    </Page>
  );
}
