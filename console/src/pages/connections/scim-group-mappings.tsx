import { useState } from 'react';
import { apiSend } from '../../api.ts';
import { Field } from '../../components/form.tsx';
import { Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote } from '../../components/states.tsx';
import { usePaged, useAction } from '../../hooks.ts';
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
  const [group, setGroup] = useState('');
  const [role, setRole] = useState('');
  const { error, run: perform } = useAction();

  async function run(method: 'POST' | 'DELETE', path: string, body?: unknown) {
    await perform(async () => {
      await apiSend(method, path, body);
      setGroup('');
      setRole('');
      list.reload();
    });
  }

  return (
    <Panel title="Group mappings">
      <PagedTable
        list={list}
        caption="Directory group to role mappings"
        rowKey={(m) => m.id}
        empty={<EmptyState title="No mapping">Map a group the identity provider pushed to a role.</EmptyState>}
        columns={[
          { header: 'Directory group', cell: (m) => m.groupDisplayName },
          { header: 'Role', cell: (m) => <>{m.roleKey} {m.privileged ? <Badge tone="warn">privileged: requested for approval</Badge> : null}</> },
          { header: 'Created', cell: (m) => <>{formatTime(m.createdAt)} <span className="muted small">by {m.createdBy.type}</span></> },
          {
            header: 'Actions',
            cell: (m) => (
              <button type="button" aria-label={`Remove mapping ${m.groupDisplayName} to ${m.roleKey}`} onClick={() => void run('DELETE', `${base}/${m.id}`)}>
                Remove
              </button>
            ),
          },
        ]}
      />
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run('POST', base, { group: group.trim(), role: role.trim() });
        }}
      >
        <Field label="Directory group" hint="Its displayName or id">
          <input value={group} onChange={(e) => setGroup(e.target.value)} required maxLength={256} />
        </Field>
        <Field label="Role" hint="Role key or id">
          <input value={role} onChange={(e) => setRole(e.target.value)} required maxLength={128} />
        </Field>
        <div className="actions">
          <button type="submit">Add mapping</button>
        </div>
      </form>
      <ErrorNote error={error} title="The mappings did not change" />
    </Panel>
  );
}
