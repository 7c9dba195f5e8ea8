import { Page } from '../../components/page.tsx';
import { DataTable } from '../../components/table.tsx';
import { Badge, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { severityTone, words, type DetectionRule } from './monitoring-types.ts';

/** The detection rules in force in this deployment and their thresholds. */
export function DetectionRulesPage() {
  const rules = useApi<{ items: DetectionRule[] }>('/api/v1/detection-rules');
  return (
    <Page title="Detection rules" subtitle="What raises an alert, on which ledger events, with the thresholds this deployment uses.">
      {rules.loading ? <Loading /> : null}
      <ErrorNote error={rules.error} title="Could not load the rules" />
      {rules.data ? (
        <DataTable<DetectionRule>
          caption="Detection rules"
          rows={rules.data.items}
          rowKey={(r) => r.name}
          columns={[
            { header: 'Rule', cell: (r) => <Link to={`/monitoring/alerts?rule=${r.name}`}>{words(r.name)}</Link> },
            { header: 'In force', cell: (r) => <Badge tone={r.enabled ? 'good' : 'neutral'}>{r.enabled ? 'on' : 'off'}</Badge> },
            { header: 'Severity', cell: (r) => <Badge tone={severityTone(r.severity)}>{r.severity}</Badge> },
            { header: 'What it detects', cell: (r) => r.description },
            { header: 'Ledger events', cell: (r) => r.events.map((e) => <code key={e}>{e} </code>) },
            { header: 'Thresholds', cell: (r) => (r.thresholds ? Object.entries(r.thresholds).map(([k, v]) => `${k}: ${String(v)}`).join(', ') : '—') },
          ]}
        />
      ) : null}
    </Page>
  );
}
