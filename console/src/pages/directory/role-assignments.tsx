import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { usePaged, useAction } from '../../hooks.ts';
import { PagedTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { UserPicker, type PickedUser } from '../../components/user-picker.tsx';
import { ServiceAccountPicker } from './service-account-picker.tsx';
import { ReasonAction } from './reason-action.tsx';
import { PrincipalLink, Time } from './shared.tsx';
import type { Assignment, Eligibility, Role, ServiceAccount } from './types.ts';

function GrantForm({ orgId, base, role, onDone }: { orgId: string; base: string; role: Role; onDone: () => void }) {
  const [principalType, setType] = useState<'user' | 'service_account'>('user');
  const [user, setUser] = useState<PickedUser | null>(null);
  const [account, setAccount] = useState<ServiceAccount | null>(null);
  const [pickError, setPickError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [approvalRef, setApprovalRef] = useState('');
  const [expires, setExpires] = useState('');
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const principalId = principalType === 'user' ? user?.id : account?.id;
    setPickError(principalId ? null : 'Choose who receives the role from the list.');
    if (!principalId) return;
    await run(async () => {
      await apiSend('POST', `${base}/role-assignments`, {
        role: role.id,
        principalType,
        principalId,
        reason: reason.trim() || null,
        approvalRef: approvalRef.trim() || null,
        expiresAt: expires ? new Date(expires).toISOString() : null,
      });
      setUser(null);
      setAccount(null);
      setReason('');
      setApprovalRef('');
      onDone();
    });
  }
  return (
    <form onSubmit={submit} aria-label="Grant role">
      <ErrorNote error={error} title="The role was not granted" />
      <div className="grid">
        <Field label="Grant to">
          <select value={principalType} onChange={(e) => setType(e.target.value as 'user')}>
            <option value="user">A user</option>
            <option value="service_account">A service account</option>
          </select>
        </Field>
        {principalType === 'user' ? (
          <UserPicker label="User" hint="A member of this organization: type part of their name or email, then choose." orgId={orgId} value={user} onChange={setUser} error={pickError} required />
        ) : (
          <ServiceAccountPicker orgId={orgId} value={account} onChange={setAccount} error={pickError} />
        )}
        <Field label="Approval reference" hint={role.privileged ? 'A privileged role: cite the approved change or ticket.' : 'Ticket or change id, if any.'}>
          <input value={approvalRef} onChange={(e) => setApprovalRef(e.target.value)} maxLength={200} />
        </Field>
        <Field label="Grant reason">
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
        </Field>
        <Field label="Expires" hint="Leave empty for no expiry.">
          <input type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </Field>
      </div>
      <button type="submit" className="primary" disabled={busy}>
        Grant role
      </button>
    </form>
  );
}

/** Current holders of a role (standing and elevations), paged on the server; grant and revoke with a reason. */
export function AssignmentsPanel({ orgId, role }: { orgId: string; role: Role }) {
  const base = `/api/v1/organizations/${orgId}`;
  const list = usePaged<Assignment>(`${base}/role-assignments`, { role: role.id, active: true }, 20);
  const [granting, setGranting] = useState(false);
  return (
    <>
      <div className="actions">
        <button type="button" onClick={() => setGranting((g) => !g)} aria-expanded={granting}>
          {granting ? 'Cancel grant' : 'Grant this role'}
        </button>
      </div>
      {granting ? <GrantForm orgId={orgId} base={base} role={role} onDone={() => { setGranting(false); list.reload(); }} /> : null}
      <PagedTable
        list={list}
        caption="Current assignments"
        rowKey={(a) => a.id}
        empty={<EmptyState title="Nobody holds this role">Use “Grant this role” to assign it.</EmptyState>}
        columns={[
          { header: 'Principal', cell: (a) => <PrincipalLink principal={a.principal} /> },
          { header: 'Kind', cell: (a) => (a.kind === 'activation' ? <Badge tone="info">elevation</Badge> : <Badge tone="neutral">standing</Badge>) },
          { header: 'Granted by', cell: (a) => <PrincipalLink principal={a.grantedBy} /> },
          { header: 'Approval', cell: (a) => [a.approvalRef, a.reason, a.justification].filter(Boolean).join(' · ') || '—' },
          { header: 'Granted', cell: (a) => <Time value={a.createdAt} /> },
          { header: 'Expires', cell: (a) => (a.expiresAt ? <Time value={a.expiresAt} /> : 'no expiry') },
          { header: 'Actions', cell: (a) => <ReasonAction label="Revoke" confirmLabel="Revoke assignment" required danger run={(reason) => apiSend('POST', `${base}/role-assignments/${a.id}/revoke`, { reason })} onDone={list.reload} /> },
        ]}
      />
    </>
  );
}

/** Users eligible to activate the role just in time. */
export function EligibilitiesPanel({ orgId, role }: { orgId: string; role: Role }) {
  const list = usePaged<Eligibility>(`/api/v1/organizations/${orgId}/role-eligibilities`, { role: role.id, active: true }, 20);
  return (
    <PagedTable
      list={list}
      caption="Eligibilities"
      rowKey={(e) => e.id}
      empty={<EmptyState title="No eligibilities">Nobody can elevate into this role just in time.</EmptyState>}
      columns={[
        { header: 'User', cell: (e) => <PrincipalLink principal={e.principal} /> },
        { header: 'Granted by', cell: (e) => <PrincipalLink principal={e.grantedBy} /> },
        { header: 'Approval', cell: (e) => [e.approvalRef, e.reason].filter(Boolean).join(' · ') || '—' },
        { header: 'Since', cell: (e) => <Time value={e.createdAt} /> },
        { header: 'Expires', cell: (e) => (e.expiresAt ? <Time value={e.expiresAt} /> : 'no expiry') },
      ]}
    />
  );
}
