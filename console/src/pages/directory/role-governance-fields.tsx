import { useState } from 'react';
import { Field } from '../../components/form.tsx';
import { UserPicker, type PickedUser } from '../../components/user-picker.tsx';
import { UserRef } from './shared.tsx';
import type { RoleDraft } from './role-draft.ts';

const APPROVERS: Array<[string, string]> = [
  ['manager', 'The requester’s manager'],
  ['owner', 'The role’s owner'],
  ['named', 'One of the named approvers'],
];

/** The role's owner: shown by name, changed or removed through the user picker. */
function OwnerField({ orgId, ownerId, onChange }: { orgId: string; ownerId: string | null; onChange: (id: string | null) => void }) {
  const [picking, setPicking] = useState(ownerId === null);
  const [picked, setPicked] = useState<PickedUser | null>(null);
  if (!picking && ownerId) {
    return (
      <div className="field">
        <span className="label">Owner</span>
        <p>
          <UserRef id={ownerId} />{' '}
          <button type="button" onClick={() => setPicking(true)}>
            Change owner
          </button>{' '}
          <button type="button" onClick={() => onChange(null)}>
            Remove owner
          </button>
        </p>
      </div>
    );
  }
  return (
    <UserPicker
      label="Owner"
      hint="Answerable for the role; approves requests when “The role’s owner” is an approver. Optional."
      orgId={orgId}
      value={picked}
      onChange={(u) => {
        setPicked(u);
        if (u) {
          onChange(u.id);
          setPicking(false);
        }
      }}
    />
  );
}

/** Named approvers: listed by name with Remove; added with the user picker. */
function NamedApprovers({ orgId, ids, onChange }: { orgId: string; ids: string[]; onChange: (ids: string[]) => void }) {
  const [adding, setAdding] = useState<PickedUser | null>(null);
  return (
    <div>
      <h4>Named approvers</h4>
      {ids.length === 0 ? <p className="muted">None.</p> : null}
      <ul className="list-editor" aria-label="Named approvers">
        {ids.map((id) => (
          <li key={id}>
            <UserRef id={id} />
            <button type="button" onClick={() => onChange(ids.filter((x) => x !== id))} aria-label="Remove this named approver">
              Remove
            </button>
          </li>
        ))}
      </ul>
      <UserPicker
        key={ids.length}
        label="Add a named approver"
        hint="A member of this organization; choosing adds them to the list (at most 20)."
        orgId={orgId}
        value={adding}
        onChange={(u) => {
          setAdding(null);
          if (u && !ids.includes(u.id) && ids.length < 20) onChange([...ids, u.id]);
        }}
      />
    </div>
  );
}

/** Who approves requests for the role, how many approvals it needs, and its just-in-time elevation limits. */
export function GovernanceFields({ orgId, draft, set }: { orgId: string; draft: RoleDraft; set: (patch: Partial<RoleDraft>) => void }) {
  const toggle = (kind: string, on: boolean) => set({ approvers: on ? [...draft.approvers, kind] : draft.approvers.filter((a) => a !== kind) });
  return (
    <>
      <OwnerField orgId={orgId} ownerId={draft.ownerId} onChange={(ownerId) => set({ ownerId })} />
      <fieldset>
        <legend>Approvers</legend>
        <p className="hint">Who may approve an access request for this role (at least one).</p>
        {APPROVERS.map(([kind, label]) => (
          <label key={kind} className="check">
            <input type="checkbox" checked={draft.approvers.includes(kind)} onChange={(e) => toggle(kind, e.target.checked)} /> {label}
          </label>
        ))}
        <NamedApprovers orgId={orgId} ids={draft.namedApprovers} onChange={(namedApprovers) => set({ namedApprovers })} />
      </fieldset>
      <Field label="Approvals required" hint="Distinct approvers a request needs. The default is 2 for a privileged role, 1 otherwise.">
        <select value={draft.approvalsRequired} onChange={(e) => set({ approvalsRequired: e.target.value })}>
          <option value="">Default ({draft.privileged ? 2 : 1})</option>
          {[1, 2, 3, 4, 5].map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
      </Field>
      <fieldset>
        <legend>Just-in-time elevation</legend>
        <Field label="Longest elevation (minutes)" hint="5 to 1440 (a day).">
          <input type="number" min={5} max={1440} step={1} value={draft.maxActivationMinutes} onChange={(e) => set({ maxActivationMinutes: e.target.value })} required />
        </Field>
        <label className="check">
          <input type="checkbox" checked={draft.activationRequiresApproval} onChange={(e) => set({ activationRequiresApproval: e.target.checked })} /> Elevation needs approval
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.allowStanding} onChange={(e) => set({ allowStanding: e.target.checked })} /> Accept standing assignments (a privileged role’s standing holders are otherwise reported as findings)
        </label>
      </fieldset>
    </>
  );
}
