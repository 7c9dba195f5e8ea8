import { useState } from 'react';
import { apiSend, type Paged } from '../../api.ts';
import { useApi, usePaged, useAction } from '../../hooks.ts';
import { useOrg } from '../../org-context.tsx';
import { Link, navigate, setSearch, useLocation } from '../../router.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { PagedTable, type Column } from '../../components/table.tsx';
import { formatTime } from '../../format.ts';
import { StatusBadge, UserName } from './shared.tsx';
import { decidedOf, type Campaign } from './review-types.ts';

interface Member {
  id: string;
  email: string;
  name: string | null;
}

/** Starts an ad hoc review of every active assignment (POST /organizations/{org}/access-reviews). */
function StartReview({ orgId }: { orgId: string }) {
  const members = useApi<Paged<Member>>(`/api/v1/organizations/${orgId}/members`, { limit: 100 });
  const me = useApi<{ user: { id: string } }>('/api/v1/me');
  const [name, setName] = useState('');
  const [owner, setOwner] = useState('');
  const [due, setDue] = useState(() => new Date(Date.now() + 14 * 86400_000).toISOString().slice(0, 10));
  const [applyMode, setApplyMode] = useState('on_close');
  const { busy, error, run } = useAction();
  const options = members.data?.items ?? [];
  const ownerId = owner || (options.some((o) => o.id === me.data?.user.id) ? me.data!.user.id : (options[0]?.id ?? ''));
  async function submit() {
    await run(async () => {
      const c = await apiSend<Campaign>('POST', `/api/v1/organizations/${orgId}/access-reviews`, { name: name.trim(), ownerId, dueAt: new Date(`${due}T23:59:59Z`).toISOString(), applyMode });
      navigate(`/access/reviews/${c.id}`);
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
        <Field label="Campaign name">
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </Field>
        <Field label="Owner" hint="Signs the campaign off last.">
          <select value={ownerId} onChange={(e) => setOwner(e.target.value)}>
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.email || o.id}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Due">
          <input type="date" value={due} onChange={(e) => setDue(e.target.value)} required />
        </Field>
        <Field label="Revokes take effect">
          <select value={applyMode} onChange={(e) => setApplyMode(e.target.value)}>
            <option value="on_close">when the campaign closes</option>
            <option value="on_decision">as soon as decided</option>
          </select>
        </Field>
      </div>
      <ErrorNote error={error} title="The review was not started" />
      <button type="submit" className="primary" disabled={busy || !name.trim() || !ownerId}>
        Start the review
      </button>
    </form>
  );
}

/** The access review campaigns of the chosen organization, with their progress. */
export function ReviewsPage() {
  const { org } = useOrg();
  const { search } = useLocation();
  const status = search.get('status') ?? '';
  const list = usePaged<Campaign>(org ? `/api/v1/organizations/${org.id}/access-reviews` : null, { status }, 25);
  const columns: Column<Campaign>[] = [
    { header: 'Campaign', cell: (c) => <Link to={`/access/reviews/${c.id}`}>{c.name}</Link> },
    { header: 'Kind', cell: (c) => c.kind.replace('_', ' ') },
    { header: 'Status', cell: (c) => <StatusBadge status={c.status} /> },
    {
      header: 'Progress',
      cell: (c) => (
        <span>
          <progress max={c.counts.items || 1} value={decidedOf(c.counts)} aria-hidden="true" /> {decidedOf(c.counts)} of {c.counts.items} decided
        </span>
      ),
    },
    { header: 'Revoked', cell: (c) => c.counts.revoked },
    { header: 'Owner', cell: (c) => (c.ownerId ? <UserName id={c.ownerId} /> : '—') },
    { header: 'Due', cell: (c) => formatTime(c.dueAt) },
  ];
  if (!org) return <Loading label="Loading organizations" />;
  return (
    <Page title="Access reviews" subtitle={`Periodic and ad hoc reviews of who holds which role in ${org.name} (CC6.2, CC6.3).`} actions={<Link to="/access/my-reviews">Review my items</Link>}>
      <Panel title="Campaigns">
        <div className="filters">
          <Field label="Status">
            <select value={status} onChange={(e) => setSearch({ status: e.target.value })}>
              <option value="">Any status</option>
              <option value="open">open</option>
              <option value="closed">closed</option>
              <option value="cancelled">cancelled</option>
            </select>
          </Field>
        </div>
        <PagedTable list={list} caption={`Access review campaigns of ${org.name}`} columns={columns} rowKey={(c) => c.id} empty={<EmptyState title="No access reviews yet">Start one below; scheduled reviews appear here when they open.</EmptyState>} />
      </Panel>
      <Panel title="Start an ad hoc review">
        <p className="muted">Every active role assignment of {org.name} becomes an item, given to a reviewer (the manager, the role owner, an admin, or the owner).</p>
        <StartReview orgId={org.id} />
      </Panel>
    </Page>
  );
}
