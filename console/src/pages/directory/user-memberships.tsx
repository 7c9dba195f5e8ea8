import { usePaged } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { useOrg } from '../../org-context.tsx';
import { PagedTable } from '../../components/table.tsx';
import { Badge, EmptyState } from '../../components/states.tsx';
import { Time, UserStatusBadge } from './shared.tsx';
import type { UserMembership } from './types.ts';

/** Every organization the user belongs to (GET /users/{id}/memberships), so access is visible beyond the one chosen in the header. */
export function MembershipsPanel({ userId }: { userId: string }) {
  const list = usePaged<UserMembership>(`/api/v1/users/${userId}/memberships`, {}, 10);
  const { org, choose } = useOrg();
  return (
    <PagedTable
      list={list}
      caption="Organizations the user belongs to"
      rowKey={(m) => m.id}
      empty={<EmptyState title="In no organization">Add the user from an organization’s members, or when creating them.</EmptyState>}
      columns={[
        { header: 'Organization', cell: (m) => <Link to={`/organizations/${m.id}`}>{m.name}</Link> },
        { header: 'Slug', cell: (m) => <code>{m.slug}</code> },
        { header: 'Member since', cell: (m) => <Time value={m.joinedAt} /> },
        { header: 'Account status', cell: (m) => <UserStatusBadge status={m.status} /> },
        {
          header: 'Roles and access',
          cell: (m) =>
            org?.id === m.id ? (
              <Badge tone="info">shown below</Badge>
            ) : (
              <button type="button" onClick={() => choose(m.id)} aria-label={`Show access in ${m.name}`}>
                Show access here
              </button>
            ),
        },
      ]}
    />
  );
}
