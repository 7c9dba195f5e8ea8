import { useState, type ReactNode } from 'react';
import { apiSend } from '../../api.ts';
import { Field } from '../../components/form.tsx';
import { Badge, ErrorNote } from '../../components/states.tsx';
import { useAction } from '../../hooks.ts';

/** The role cell of a group → role mapping: a privileged role is requested for approval, never granted. */
export function MappedRole({ roleKey, privileged }: { roleKey: string; privileged: boolean }) {
  return (
    <>
      {roleKey} {privileged ? <Badge tone="warn">privileged: requested for approval</Badge> : null}
    </>
  );
}

/**
 * Adding and removing group → role mappings (SCIM directories and SSO connections share the shape):
 * `remove(id)` for the table's buttons, and the add form with the error of the last change.
 */
export function useGroupRoleMappings(base: string, reload: () => void) {
  const { error, run } = useAction();
  async function change(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<boolean> {
    const done = await run(async () => {
      await apiSend(method, path, body);
      reload();
      return true;
    });
    return done === true;
  }
  return { error, remove: (id: string) => void change('DELETE', `${base}/${id}`), add: (group: string, role: string) => change('POST', base, { group, role }) };
}

export function GroupRoleForm(props: { groupLabel: string; groupHint: ReactNode; groupMaxLength: number; submitLabel: string; errorTitle: string; error: unknown; onAdd: (group: string, role: string) => Promise<boolean> }) {
  const [group, setGroup] = useState('');
  const [role, setRole] = useState('');
  return (
    <>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void props.onAdd(group.trim(), role.trim()).then((ok) => {
            if (ok) {
              setGroup('');
              setRole('');
            }
          });
        }}
      >
        <Field label={props.groupLabel} hint={props.groupHint}>
          <input value={group} onChange={(e) => setGroup(e.target.value)} required maxLength={props.groupMaxLength} />
        </Field>
        <Field label="Role" hint="Role key or id">
          <input value={role} onChange={(e) => setRole(e.target.value)} required maxLength={128} />
        </Field>
        <div className="actions">
          <button type="submit">{props.submitLabel}</button>
        </div>
      </form>
      <ErrorNote error={props.error} title={props.errorTitle} />
    </>
  );
}
