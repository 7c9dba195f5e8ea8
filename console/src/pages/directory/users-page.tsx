import { useEffect, useState } from 'react';
import { usePaged } from '../../hooks.ts';
import { Link, setSearch, useLocation } from '../../router.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { EmptyState } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { Time, UserStatusBadge } from './shared.tsx';
import { CreateUserForm } from './create-user-form.tsx';
import type { User } from './types.ts';
import { OrgSelect } from '../../components/org-select.tsx';

/** A text filter applied when the user leaves the box or presses Enter (not on every key: each change is a server query). */
function TextFilter({ label, name, value, hint }: { label: string; name: string; value: string; hint?: string }) {
  const [draft, setDraft] = useState(value);
  const apply = () => draft.trim() !== value && setSearch({ [name]: draft.trim() || null });
  return (
    <Field label={label} hint={hint}>
      <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={apply} onKeyDown={(e) => e.key === 'Enter' && apply()} />
    </Field>
  );
}

/** The search box: part of a name or email, sent as `q` (server-side) once typing pauses, and kept in the URL. */
function SearchBox({ value }: { value: string }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => {
    const q = draft.trim();
    if (q === value) return;
    const t = setTimeout(() => setSearch({ q: q || null }), 300);
    return () => clearTimeout(t);
  }, [draft, value]);
  return (
    <Field label="Search" hint="Part of a name or email address, any case.">
      <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={200} />
    </Field>
  );
}

/** /users: users searched by part of the name or email and filtered by organization, status, email and department (GET /api/v1/users), and "Create user". */
export function UsersPage() {
  const { search } = useLocation();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<User | null>(null);
  const filter = { q: search.get('q') ?? '', org: search.get('org') ?? '', status: search.get('status') ?? '', email: search.get('email') ?? '', department: search.get('department') ?? '' };
  const list = usePaged<User>('/api/v1/users', filter, 25);
  return (
    <Page
      title="Users"
      subtitle="People who sign in with Keyledger, in every organization."
      actions={
        <button type="button" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? 'Cancel' : 'New user'}
        </button>
      }
    >
      {created ? (
        <div className="notice good" role="status">
          <p>
            Created <Link to={`/users/${created.id}`}>{created.email}</Link>.
          </p>
        </div>
      ) : null}
      {creating ? (
        <Panel title="New user">
          <CreateUserForm
            onCreated={(u) => {
              setCreated(u);
              setCreating(false);
              list.reload();
            }}
          />
        </Panel>
      ) : null}
      <div className="filters" role="search" aria-label="Filter users">
        <SearchBox value={filter.q} />
        <OrgSelect label="In organization" value={filter.org} onChange={(v) => setSearch({ org: v || null })} none="All organizations" />
        <Field label="Status">
          <select value={filter.status} onChange={(e) => setSearch({ status: e.target.value || null })}>
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="suspended">Suspended</option>
            <option value="deprovisioned">Deprovisioned</option>
          </select>
        </Field>
        <TextFilter label="Email (exact)" name="email" value={filter.email} />
        <TextFilter label="Department" name="department" value={filter.department} />
      </div>
      <PagedTable
        list={list}
        caption="Users"
        rowKey={(u) => u.id}
        empty={<EmptyState title="No users match">{filter.q ? `Nobody’s name or email contains “${filter.q}”. ` : ''}Change the search or the filters, or use “New user” to create one.</EmptyState>}
        columns={[
          { header: 'Email', cell: (u) => <Link to={`/users/${u.id}`}>{u.email}</Link> },
          { header: 'Name', cell: (u) => u.name ?? '—' },
          { header: 'Status', cell: (u) => <UserStatusBadge status={u.status} /> },
          { header: 'Department', cell: (u) => u.department ?? '—' },
          { header: 'Email verified', cell: (u) => (u.emailVerifiedAt ? <Time value={u.emailVerifiedAt} /> : 'Not yet') },
          { header: 'Created', cell: (u) => <Time value={u.createdAt} /> },
        ]}
      />
    </Page>
  );
}
