import { Page } from '../../components/page.tsx';
import { PagedTable, type Column } from '../../components/table.tsx';
import { Badge, EmptyState } from '../../components/states.tsx';
import { usePaged } from '../../hooks.ts';
import { Link, setSearch, useLocation } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { severityTone, statusTone, words, type Alert } from './monitoring-types.ts';
import { SelectFilter } from './org-filter.tsx';
import { OrgSelect } from '../../components/org-select.tsx';

const RULES = ['brute_force', 'credential_stuffing', 'password_spraying', 'mfa_fatigue', 'account_takeover_sequence', 'impossible_travel', 'privilege_outside_approval'] as const;
const STATUSES = ['open', 'acknowledged', 'closed'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

const columns: Column<Alert>[] = [
  { header: 'Alert', cell: (a) => <Link to={`/monitoring/alerts/${a.id}`}>{words(a.rule)}</Link> },
  { header: 'Subject', cell: (a) => `${a.subject} (${a.subjectType})` },
  { header: 'Severity', cell: (a) => <Badge tone={severityTone(a.severity)}>{a.severity}</Badge> },
  { header: 'Status', cell: (a) => <Badge tone={statusTone(a.status)}>{a.status}</Badge> },
  { header: 'Events', cell: (a) => String(a.eventCount) },
  { header: 'Last seen', cell: (a) => <time dateTime={a.lastSeenAt}>{formatTime(a.lastSeenAt)}</time> },
];

/** Security detections raised from the ledger (brute force, stuffing, spraying, MFA fatigue...). */
export function AlertsPage() {
  const { search } = useLocation();
  const org = search.get('org') ?? '';
  const status = search.get('status') ?? '';
  const rule = search.get('rule') ?? '';
  const severity = search.get('severity') ?? '';
  const list = usePaged<Alert>('/api/v1/alerts', { org, status, rule, severity }, 25);
  return (
    <Page title="Alerts" subtitle="Attacks and suspicious sequences the detection rules found in the ledger, newest first.">
      <div className="filters" role="group" aria-label="Filter alerts">
        <OrgSelect value={org} onChange={(v) => setSearch({ org: v })} none="All organizations" />
        <SelectFilter label="Status" value={status} options={STATUSES} onChange={(v) => setSearch({ status: v })} />
        <SelectFilter label="Rule" value={rule} options={RULES} onChange={(v) => setSearch({ rule: v })} />
        <SelectFilter label="Severity" value={severity} options={SEVERITIES} onChange={(v) => setSearch({ severity: v })} />
      </div>
      <PagedTable list={list} caption="Alerts" columns={columns} rowKey={(a) => a.id} empty={<EmptyState title="No alerts match">Nothing was detected for these filters. The rules in force are listed under Detection rules.</EmptyState>} />
    </Page>
  );
}
