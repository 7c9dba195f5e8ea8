import { apiDownload, apiSend } from '../../api.ts';
import { useApi, usePaged, useAction } from '../../hooks.ts';
import { useOrg } from '../../org-context.tsx';
import { Link, setSearch, useLocation } from '../../router.tsx';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { PagedTable, type Column } from '../../components/table.tsx';
import { formatTime } from '../../format.ts';
import { LedgerTrail, StatusBadge, UserName } from './shared.tsx';
import { decidedOf, type Campaign, type ReviewItem } from './review-types.ts';

/** One campaign: progress, its items (paged, filtered by decision), close, and the report. */
export function ReviewDetailPage({ params }: { params: Record<string, string> }) {
  const { org } = useOrg();
  const { search } = useLocation();
  const decision = search.get('decision') ?? '';
  const base = org ? `/api/v1/organizations/${org.id}/access-reviews/${params.id}` : null;
  const campaign = useApi<Campaign>(base);
  const items = usePaged<ReviewItem>(base ? `${base}/items` : null, { decision }, 50);
  const { error, run } = useAction();
  async function close() {
    await run(async () => {
      await apiSend('POST', `${base}/close`);
      campaign.reload();
      items.reload();
    });
  }
  async function report() {
    await run(async () => {
      const { blob, filename } = await apiDownload(`${base}/report?format=csv`);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filename ?? `access-review-${params.id}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    });
  }
  const c = campaign.data;
  const columns: Column<ReviewItem>[] = [
    { header: 'Who', cell: (i) => i.principal.display ?? <code>{i.principal.id}</code> },
    { header: 'Role', cell: (i) => <>{i.roleKey} {i.privileged ? <Badge tone="warn">privileged</Badge> : null}</> },
    { header: 'Reviewer', cell: (i) => (i.reviewerId ? <UserName id={i.reviewerId} /> : <Badge tone="bad">unassigned</Badge>) },
    { header: 'Decision', cell: (i) => (i.decision ? <StatusBadge status={i.decision} /> : <Badge>undecided</Badge>) },
    { header: 'Comment', cell: (i) => i.comment ?? '—' },
    { header: 'Decided', cell: (i) => (i.decidedAt ? formatTime(i.decidedAt) : '—') },
    { header: 'Applied', cell: (i) => (i.appliedAt ? formatTime(i.appliedAt) : i.decision === 'revoke' ? 'waits for close' : '—') },
  ];
  return (
    <Page
      title={c ? c.name : 'Access review'}
      subtitle={<Link to="/access/reviews">All campaigns</Link>}
      actions={
        c ? (
          <>
            <button type="button" onClick={() => void report()}>
              Download report (CSV)
            </button>
            {c.status === 'open' ? (
              <button type="button" className="danger" onClick={() => void close()}>
                Close the campaign
              </button>
            ) : null}
          </>
        ) : null
      }
    >
      <ErrorNote error={error} />
      {campaign.error ? <ErrorNote error={campaign.error} title="Could not load the campaign" /> : null}
      {!c && campaign.loading ? <Loading /> : null}
      {c ? (
        <>
          <Panel title="Progress">
            <p>
              <progress className="progress" max={c.counts.items || 1} value={decidedOf(c.counts)} aria-label="Items decided" />{' '}
              <strong>
                {decidedOf(c.counts)} of {c.counts.items} decided
              </strong>{' '}
              · {c.counts.kept} kept · {c.counts.revoked} revoked · {c.counts.undecided} undecided
            </p>
            <Facts
              items={[
                ['Status', <StatusBadge status={c.status} />],
                ['Kind', c.kind.replace('_', ' ')],
                ['Owner', c.ownerId ? <UserName id={c.ownerId} /> : null],
                ['Revokes applied', c.applyMode === 'on_close' ? 'when the campaign closes' : 'as soon as decided'],
                ['Started', formatTime(c.startsAt)],
                ['Due', formatTime(c.dueAt)],
                ['Closed', c.closedAt ? formatTime(c.closedAt) : null],
                ['Owner signed off', c.ownerSignedOffAt ? formatTime(c.ownerSignedOffAt) : null],
              ]}
            />
          </Panel>
          <Panel title="Items">
            <div className="filters">
              <Field label="Decision">
                <select value={decision} onChange={(e) => setSearch({ decision: e.target.value })}>
                  <option value="">Any</option>
                  <option value="undecided">undecided</option>
                  <option value="keep">keep</option>
                  <option value="revoke">revoke</option>
                </select>
              </Field>
            </div>
            <PagedTable list={items} caption={`Items of ${c.name}`} columns={columns} rowKey={(i) => i.id} empty={<EmptyState title="No items match">Change the decision filter.</EmptyState>} />
          </Panel>
          <Panel title="Ledger events">
            <LedgerTrail target={c.id} action="access.review" />
          </Panel>
        </>
      ) : null}
    </Page>
  );
}
