import { Page } from '../../components/page.tsx';
import { PagedTable, type Column } from '../../components/table.tsx';
import { Badge, EmptyState } from '../../components/states.tsx';
import { usePaged } from '../../hooks.ts';
import { Link, setSearch, useLocation } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { severityTone, statusTone, words, type Finding } from './monitoring-types.ts';
import { SelectFilter } from './org-filter.tsx';
import { OrgSelect } from '../../components/org-select.tsx';

const STATUSES = ['open', 'acknowledged', 'resolved', 'closed'] as const;
const SEVERITIES = ['high', 'medium', 'low'] as const;
const TYPES = [
  'member_without_required_mfa',
  'privileged_without_phishing_resistant_mfa',
  'stale_account',
  'service_account_credential_stale',
  'service_account_owner_missing',
  'standing_privileged_assignment',
  'grant_without_approval',
  'review_campaign_overdue',
  'review_items_undecided',
  'review_missing',
  'deprovisioning_sla_breach',
  'api_key_without_expiry',
] as const;

const columns: Column<Finding>[] = [
  { header: 'Finding', cell: (f) => <Link to={`/monitoring/findings/${f.id}`}>{f.summary}</Link> },
  { header: 'Rule', cell: (f) => words(f.type) },
  { header: 'Subject', cell: (f) => f.subject.display ?? f.subject.id },
  { header: 'Severity', cell: (f) => <Badge tone={severityTone(f.severity)}>{f.severity}</Badge> },
  { header: 'Status', cell: (f) => <Badge tone={statusTone(f.status)}>{f.status}</Badge> },
  { header: 'Opened', cell: (f) => <time dateTime={f.openedAt}>{formatTime(f.openedAt)}</time> },
];

/** Control-drift findings the rules keep open until the condition clears or someone resolves them. */
export function FindingsPage() {
  const { search } = useLocation();
  const org = search.get('org') ?? '';
  const status = search.get('status') ?? '';
  const type = search.get('type') ?? '';
  const severity = search.get('severity') ?? '';
  const list = usePaged<Finding>('/api/v1/findings', { org, status, type, severity }, 25);
  return (
    <Page title="Findings" subtitle="Control drift found by the monitoring rules: who is out of policy, since when, and what was done about it.">
      <div className="filters" role="group" aria-label="Filter findings">
        <OrgSelect value={org} onChange={(v) => setSearch({ org: v })} none="All organizations" />
        <SelectFilter label="Status" value={status} options={STATUSES} onChange={(v) => setSearch({ status: v })} />
        <SelectFilter label="Rule" value={type} options={TYPES} onChange={(v) => setSearch({ type: v })} />
        <SelectFilter label="Severity" value={severity} options={SEVERITIES} onChange={(v) => setSearch({ severity: v })} />
      </div>
      <PagedTable list={list} caption="Findings" columns={columns} rowKey={(f) => f.id} empty={<EmptyState title="No findings match">Nothing is out of policy for these filters. Findings appear when the monitoring rules next run.</EmptyState>} />
    </Page>
  );
}
