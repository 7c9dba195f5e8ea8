import { useApi, usePaged } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import type { Organization } from '../../org-context.tsx';
import type { Paged } from '../../api.ts';
import { PagedTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote } from '../../components/states.tsx';
import { Time, useRoleNames } from './shared.tsx';
import type { Assignment, Eligibility, Role, User } from './types.ts';

function RoleCell({ roles, roleId }: { roles: Map<string, Role>; roleId: string }) {
  const role = roles.get(roleId);
  return (
    <Link to={`/roles/${roleId}`}>
      {role ? role.name : roleId}
      {role?.privileged ? (
        <>
          {' '}
          <Badge tone="warn">privileged</Badge>
        </>
      ) : null}
    </Link>
  );
}

/** Membership, roles held (standing and just-in-time elevations) and eligibilities of a principal in the chosen organization. */
export function AccessInOrg({ user, org }: { user: User; org: Organization }) {
  const membership = useApi<Paged<User>>('/api/v1/users', { org: org.id, email: user.email, limit: 1 });
  const roles = useRoleNames(org.id);
  const assignments = usePaged<Assignment>(`/api/v1/organizations/${org.id}/role-assignments`, { principalId: user.id, active: true }, 10);
  const eligibilities = usePaged<Eligibility>(`/api/v1/organizations/${org.id}/role-eligibilities`, { principalId: user.id, active: true }, 10);
  const member = membership.data ? membership.data.items.length > 0 : null;
  return (
    <>
      {membership.error ? <ErrorNote error={membership.error} title="Could not check the membership" /> : null}
      <p>
        Member of <Link to={`/organizations/${org.id}`}>{org.name}</Link>: {member === null ? '…' : member ? <Badge tone="good">yes</Badge> : <Badge tone="neutral">no</Badge>}
      </p>
      <h3>Roles held</h3>
      <PagedTable
        list={assignments}
        caption="Roles held"
        rowKey={(a) => a.id}
        empty={<EmptyState title="No roles in this organization">Grant one from a role’s page.</EmptyState>}
        columns={[
          { header: 'Role', cell: (a) => <RoleCell roles={roles} roleId={a.roleId} /> },
          { header: 'Kind', cell: (a) => (a.kind === 'activation' ? <Badge tone="info">elevation</Badge> : <Badge tone="neutral">standing</Badge>) },
          { header: 'Approval', cell: (a) => a.approvalRef ?? a.reason ?? a.justification ?? '—' },
          { header: 'Granted', cell: (a) => <Time value={a.createdAt} /> },
          { header: 'Expires', cell: (a) => (a.expiresAt ? <Time value={a.expiresAt} /> : 'no expiry') },
        ]}
      />
      <h3>Eligible to elevate</h3>
      <PagedTable
        list={eligibilities}
        caption="Role eligibilities"
        rowKey={(e) => e.id}
        empty={<EmptyState title="No eligibilities">The user cannot activate any role just in time here.</EmptyState>}
        columns={[
          { header: 'Role', cell: (e) => <RoleCell roles={roles} roleId={e.roleId} /> },
          { header: 'Approval', cell: (e) => e.approvalRef ?? e.reason ?? '—' },
          { header: 'Since', cell: (e) => <Time value={e.createdAt} /> },
          { header: 'Expires', cell: (e) => (e.expiresAt ? <Time value={e.expiresAt} /> : 'no expiry') },
        ]}
      />
    </>
  );
}
