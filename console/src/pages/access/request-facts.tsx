import { Facts } from '../../components/page.tsx';
import { formatTime } from '../../format.ts';
import { ApprovalCount, minutes, OrgName, RoleName, StatusBadge, UserName, type AccessRequest } from './shared.tsx';

const KIND_LABELS: Record<AccessRequest['kind'], string> = { grant: 'Grant the role', eligibility: 'Make eligible (just in time)', activation: 'Activate an eligible role now' };

/** What an approver or auditor needs to know about one request. */
export function RequestFacts({ request }: { request: AccessRequest }) {
  const r = request;
  return (
    <Facts
      items={[
        ['Organization', <OrgName id={r.orgId} />],
        ['Requested for', <UserName id={r.principal.id} type={r.principal.type} />],
        ['Asked by', r.requestedBy.type === r.principal.type && r.requestedBy.id === r.principal.id ? 'themselves' : <UserName id={r.requestedBy.id} type={r.requestedBy.type} />],
        ['Role', <RoleName orgId={r.orgId} roleId={r.roleId} />],
        ['What', `${KIND_LABELS[r.kind]} · ${minutes(r.durationMinutes)}`],
        ['Justification', r.reason ? <q>{r.reason}</q> : null],
        ['Approvals', <ApprovalCount given={r.approvals ?? 0} required={r.approvalsRequired} />],
        r.decidedAt ? ['Decided', <time dateTime={r.decidedAt}>{formatTime(r.decidedAt)}</time>] : ['Decide by', <time dateTime={r.expiresAt ?? undefined}>{formatTime(r.expiresAt)}</time>],
        ['Status', <StatusBadge status={r.status} />],
        ['Asked', <time dateTime={r.createdAt}>{formatTime(r.createdAt)}</time>],
        ['Source', r.source],
        ...(r.assignmentId ? ([['Resulting assignment', <code>{r.assignmentId}</code>]] as Array<[string, React.ReactNode]>) : []),
      ]}
    />
  );
}
