import { useOrg } from '../../org-context.tsx';
import { usePaged } from '../../hooks.ts';
import { Link, setSearch, useLocation } from '../../router.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { EmptyState, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { PagedTable, type Column } from '../../components/table.tsx';
import { formatTime } from '../../format.ts';
import { minutes, RoleName, StatusBadge, UserName, type AccessRequest } from './shared.tsx';

const STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired'];

/** Every access request of the chosen organization, paged on the server, filtered by status (GET /organizations/{org}/access-requests). */
export function OrgRequestsPage() {
  const { org } = useOrg();
  const { search } = useLocation();
  const status = search.get('status') ?? '';
  const list = usePaged<AccessRequest>(org ? `/api/v1/organizations/${org.id}/access-requests` : null, { status }, 25);
  const columns: Column<AccessRequest>[] = [
    { header: 'Asked', cell: (r) => <Link to={`/access/requests/${r.orgId}/${r.id}`}>{formatTime(r.createdAt)}</Link> },
    { header: 'For', cell: (r) => <UserName id={r.principal.id} type={r.principal.type} /> },
    { header: 'Role', cell: (r) => <RoleName orgId={r.orgId} roleId={r.roleId} /> },
    { header: 'Kind', cell: (r) => `${r.kind} · ${minutes(r.durationMinutes)}` },
    { header: 'Status', cell: (r) => <StatusBadge status={r.status} /> },
    { header: 'Needs', cell: (r) => `${r.approvalsRequired} approval(s)` },
    { header: 'Decide by / decided', cell: (r) => formatTime(r.decidedAt ?? r.expiresAt) },
  ];
  if (!org) return <Loading label="Loading organizations" />;
  return (
    <Page title="Access requests" subtitle={`Requests for roles of ${org.name}, with who approved them.`}>
      <Panel title="Requests">
        <div className="filters">
          <Field label="Status">
            <select value={status} onChange={(e) => setSearch({ status: e.target.value })}>
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <PagedTable
          list={list}
          caption={`Access requests of ${org.name}${status ? `, ${status}` : ''}`}
          columns={columns}
          rowKey={(r) => r.id}
          empty={<EmptyState title={status ? `No ${status} requests` : 'No access requests yet'}>Users ask for roles under Access › My requests, or an API client files them.</EmptyState>}
        />
      </Panel>
    </Page>
  );
}
