import { useState } from 'react';
import { apiSend, type Paged } from '../../api.ts';
import { useApi, usePaged, useAction } from '../../hooks.ts';
import { useOrg } from '../../org-context.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { EmptyState, ErrorNote } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { PagedTable, type Column } from '../../components/table.tsx';
import { formatTime } from '../../format.ts';
import { ApprovalCount, minutes, OrgName, RoleName, StatusBadge, type AccessRequest } from './shared.tsx';
import { OrgSelect } from '../../components/org-select.tsx';

interface Role {
  id: string;
  key: string;
  name: string;
}

/** The form: ask for a role of an organization for yourself (POST /api/v1/me/access-requests). */
function AskForm({ onFiled }: { onFiled: (r: AccessRequest) => void }) {
  const { org: chosen } = useOrg();
  const [orgId, setOrgId] = useState<string>(chosen?.id ?? '');
  const effectiveOrg = orgId || chosen?.id || '';
  const roles = useApi<Paged<Role>>(effectiveOrg ? `/api/v1/organizations/${effectiveOrg}/roles` : null, { limit: 100 });
  const [role, setRole] = useState('');
  const [reason, setReason] = useState('');
  const [duration, setDuration] = useState('');
  const { busy, error, run } = useAction();
  async function submit() {
    await run(async () => {
      const body = { org: effectiveOrg, role, reason: reason.trim(), durationMinutes: duration ? Number(duration) : null };
      onFiled(await apiSend<AccessRequest>('POST', '/api/v1/me/access-requests', body));
      setRole('');
      setReason('');
      setDuration('');
    });
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="filters">
        <OrgSelect hint="You must be a member." value={effectiveOrg} onChange={setOrgId} />
        <Field label="Role">
          <select value={role} onChange={(e) => setRole(e.target.value)} required>
            <option value="">Choose a role…</option>
            {(roles.data?.items ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.key} — {r.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="For how long (minutes)" hint="Empty: until revoked or reviewed.">
          <input type="number" min={1} max={525600} value={duration} onChange={(e) => setDuration(e.target.value)} />
        </Field>
      </div>
      <Field label="Why you need it" hint="Approvers read this; it is kept in the ledger.">
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={1000} rows={2} />
      </Field>
      <ErrorNote error={error} title="The request was not filed" />
      <button type="submit" className="primary" disabled={busy || !role || !reason.trim()}>
        Ask for the role
      </button>
    </form>
  );
}

/** The signed-in user's own access requests and the form to ask for a role. */
export function MyRequestsPage() {
  const list = usePaged<AccessRequest>('/api/v1/me/access-requests', {}, 25);
  const [filed, setFiled] = useState<AccessRequest | null>(null);
  const columns: Column<AccessRequest>[] = [
    { header: 'Asked', cell: (r) => <time dateTime={r.createdAt}>{formatTime(r.createdAt)}</time> },
    { header: 'Organization', cell: (r) => <OrgName id={r.orgId} /> },
    { header: 'Role', cell: (r) => <RoleName orgId={r.orgId} roleId={r.roleId} /> },
    { header: 'For', cell: (r) => minutes(r.durationMinutes) },
    { header: 'Status', cell: (r) => <StatusBadge status={r.status} /> },
    { header: 'Approvals', cell: (r) => <ApprovalCount given={r.approvals ?? 0} required={r.approvalsRequired} /> },
    { header: 'Decided', cell: (r) => (r.decidedAt ? `${formatTime(r.decidedAt)}${r.decisionReason && r.status !== 'approved' ? ` — ${r.decisionReason}` : ''}` : '—') },
  ];
  return (
    <Page title="My access requests" subtitle="Ask for a role; the role's approvers decide, and the ledger keeps who approved and when.">
      <Panel title="Ask for a role">
        {filed ? (
          <p className="notice good" role="status">
            Request filed: it waits for {filed.approvalsRequired} approval(s) by {formatTime(filed.expiresAt)}.
          </p>
        ) : null}
        <AskForm
          onFiled={(r) => {
            setFiled(r);
            list.reload();
          }}
        />
      </Panel>
      <Panel title="Your requests">
        <PagedTable list={list} caption="Your access requests, newest first" columns={columns} rowKey={(r) => r.id} empty={<EmptyState title="You have not asked for any role">Use the form above to ask for one.</EmptyState>} />
      </Panel>
    </Page>
  );
}
