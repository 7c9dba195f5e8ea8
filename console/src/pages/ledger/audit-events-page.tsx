import { useState, type FormEvent } from 'react';
import { Page, Panel } from '../../components/page.tsx';
import { PagedTable, type Column } from '../../components/table.tsx';
import { Badge, EmptyState } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { usePaged } from '../../hooks.ts';
import { Link, setSearch, useLocation } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { eventPage, type LedgerEvent } from './ledger-types.ts';
import { LatestCheckpointPanel } from './checkpoint-panel.tsx';
import { LedgerKeyPanel } from './ledger-key-panel.tsx';
import { usePinnedKey } from './pinned-key.ts';
import { OrgSelect } from '../../components/org-select.tsx';

const FILTERS = ['action', 'org', 'actor', 'target', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** A datetime-local value as the ISO timestamp the API takes (local time of this browser). */
const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

function readFilters(search: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((k) => [k, search.get(k) ?? ''])) as Filters;
}

const columns: Column<LedgerEvent>[] = [
  { header: 'Seq', cell: (e) => <Link to={eventPage(e.id)}>#{e.seq}</Link> },
  { header: 'Time', cell: (e) => <time dateTime={e.time}>{formatTime(e.time)}</time> },
  { header: 'Action', cell: (e) => <code>{e.action}</code> },
  { header: 'Outcome', cell: (e) => <Badge tone={e.outcome === 'success' ? 'good' : 'bad'}>{e.outcome}</Badge> },
  { header: 'Actor', cell: (e) => `${e.actor.display} (${e.actor.type})` },
  { header: 'Targets', cell: (e) => e.targets.map((t) => t.display ?? t.id).join(', ') || '—' },
];

/** The ledger explorer: every recorded event, filtered on the server, newest checkpoint and the pinned key beside it. */
export function AuditEventsPage() {
  const { search } = useLocation();
  const applied = readFilters(search);
  const [draft, setDraft] = useState<Filters>(applied);
  const pinning = usePinnedKey();
  const list = usePaged<LedgerEvent>('/api/v1/audit/events', { ...applied, since: toIso(applied.since), until: toIso(applied.until) }, 25);
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));

  function apply(e: FormEvent) {
    e.preventDefault();
    setSearch(draft);
  }
  function clear() {
    const empty = Object.fromEntries(FILTERS.map((k) => [k, ''])) as Filters;
    setDraft(empty);
    setSearch(empty);
  }

  return (
    <Page title="Audit ledger" subtitle="Every change Keyledger made, in the order the tamper-evident ledger recorded it.">
      <Panel title="Events">
        <form className="filters" onSubmit={apply} aria-label="Filter events">
          <Field label="Action starts with" hint="e.g. identity.user">
            <input value={draft.action} onChange={set('action')} />
          </Field>
          <OrgSelect value={draft.org} onChange={(org) => setDraft((d) => ({ ...d, org }))} none="All organizations" />
          <Field label="Actor ID">
            <input value={draft.actor} onChange={set('actor')} />
          </Field>
          <Field label="Target ID">
            <input value={draft.target} onChange={set('target')} />
          </Field>
          <Field label="From">
            <input type="datetime-local" value={draft.since} onChange={set('since')} />
          </Field>
          <Field label="Until">
            <input type="datetime-local" value={draft.until} onChange={set('until')} />
          </Field>
          <div className="actions">
            <button type="submit" className="primary">
              Apply filters
            </button>
            <button type="button" onClick={clear}>
              Clear
            </button>
          </div>
        </form>
        <PagedTable
          list={list}
          caption="Ledger events"
          columns={columns}
          rowKey={(e) => e.id}
          empty={<EmptyState title="No events match">Widen the filters: an action prefix matches from the start (identity. matches identity.user.created).</EmptyState>}
        />
      </Panel>
      <div className="grid">
        <LatestCheckpointPanel />
        <LedgerKeyPanel pinning={pinning} />
      </div>
    </Page>
  );
}
