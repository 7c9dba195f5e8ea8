import { Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { EmptyState } from '../../components/states.tsx';
import { usePaged } from '../../hooks.ts';
import { GroupRoleForm, MappedRole, useGroupRoleMappings } from './group-role-mappings.tsx';
import { formatTime } from '../../format.ts';

interface ScimMapping {
  id: string;
  groupDisplayName: string;
  roleKey: string;
  privileged: boolean;
  createdAt: string;
  createdBy: { type: string; id: string };
}

/** Directory group → role mappings: members get the role; a privileged role is requested for approval instead. */
export function ScimGroupMappingsPanel({ orgApi, directoryId }: { orgApi: string; directoryId: string }) {
  const base = `${orgApi}/scim-directories/${directoryId}/group-mappings`;
  const list = usePaged<ScimMapping>(base, {}, 25);
  const { error, add, remove } = useGroupRoleMappings(base, list.reload);

  return (
    <Panel title="Group mappings">
      <PagedTable
        list={list}
        caption="Directory group to role mappings"
        rowKey={(m) => m.id}
        empty={<EmptyState title="No mapping">Map a group the identity provider pushed to a role.</EmptyState>}
        columns={[
          { header: 'Directory group', cell: (m) => m.groupDisplayName },
          { header: 'Role', cell: (m) => <MappedRole roleKey={m.roleKey} privileged={m.privileged} /> },
          { header: 'Created', cell: (m) => <>{formatTime(m.createdAt)} <span className="muted small">by {m.createdBy.type}</span></> },
          {
            header: 'Actions',
            cell: (m) => (
              <button type="button" aria-label={`Remove mapping ${m.groupDisplayName} to ${m.roleKey}`} onClick={() => remove(m.id)}>
                Remove
              </button>
            ),
          },
        ]}
      />
      <GroupRoleForm groupLabel="Directory group" groupHint="Its displayName or id" groupMaxLength={256} submitLabel="Add mapping" errorTitle="The mappings did not change" error={error} onAdd={add} />
    </Panel>
  );
}
