import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { useAction } from '../../hooks.ts';
import { Field } from '../../components/form.tsx';
import { ErrorNote } from '../../components/states.tsx';
import { PermissionList, permissionProblem } from './permission-list.tsx';
import { GovernanceFields } from './role-governance-fields.tsx';
import { bodyOf, draftOf, type RoleDraft } from './role-draft.ts';
import type { Role } from './types.ts';

const MFA_LEVELS: Array<[string, string]> = [
  ['', 'The organization’s policy'],
  ['optional', 'Optional'],
  ['required', 'Required'],
  ['phishing_resistant', 'Phishing-resistant (passkey)'],
];

/**
 * Defines a role (`role` absent: POST /organizations/{org}/roles) or changes one (PATCH, the key
 * stays): what it grants, how privileged it is, the MFA its holders need, and its governance.
 */
export function RoleForm({ orgId, role, onSaved, onCancel }: { orgId: string; role?: Role; onSaved: (role: Role) => void; onCancel: () => void }) {
  const creating = !role;
  const [draft, setDraft] = useState<RoleDraft>(() => draftOf(role));
  const { busy, error, run } = useAction();
  const set = (patch: Partial<RoleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const badPermission = draft.permissions.map((p) => p.trim()).filter(Boolean).map(permissionProblem).find(Boolean) ?? null;
  const noApprover = draft.approvers.length === 0 ? 'Choose at least one kind of approver.' : null;
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (badPermission || noApprover) return;
    await run(async () => {
      const base = `/api/v1/organizations/${orgId}/roles`;
      const saved = creating ? await apiSend<Role>('POST', base, bodyOf(draft, true)) : await apiSend<Role>('PATCH', `${base}/${role.id}`, bodyOf(draft, false));
      onSaved(saved);
    });
  }
  return (
    <form onSubmit={submit} aria-label={creating ? 'Define role' : 'Edit role'}>
      <ErrorNote error={error} title={creating ? 'The role was not created' : 'The role was not changed'} />
      <div className="grid">
        {creating ? (
          <Field label="Key" hint="Lowercase, stays fixed: letters, digits and _ . : - (e.g. billing-admin). Requests and exports name the role by it.">
            <input value={draft.key} onChange={(e) => set({ key: e.target.value })} required maxLength={64} pattern="[a-z][a-z0-9_.:\-]{0,63}" />
          </Field>
        ) : null}
        <Field label="Name">
          <input value={draft.name} onChange={(e) => set({ name: e.target.value })} required maxLength={200} />
        </Field>
      </div>
      <Field label="Description" hint="The documented role definition an auditor reads: what it is for and who should hold it.">
        <textarea value={draft.description} onChange={(e) => set({ description: e.target.value })} required maxLength={4000} rows={3} />
      </Field>
      <PermissionList value={draft.permissions} onChange={(permissions) => set({ permissions })} />
      {badPermission ? (
        <p className="field-error" role="alert">
          {badPermission}
        </p>
      ) : null}
      <div className="grid">
        <label className="check">
          <input type="checkbox" checked={draft.privileged} onChange={(e) => set({ privileged: e.target.checked })} /> Privileged (administrative or production access: two approvals by default, reported when held standing)
        </label>
        <Field label="MFA required of holders" hint="The stricter of this and the organization’s policy applies.">
          <select value={draft.mfaPolicy} onChange={(e) => set({ mfaPolicy: e.target.value })}>
            {MFA_LEVELS.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <h3>Governance</h3>
      <GovernanceFields orgId={orgId} draft={draft} set={set} />
      {noApprover ? (
        <p className="field-error" role="alert">
          {noApprover}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {creating ? 'Create role' : 'Save changes'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
