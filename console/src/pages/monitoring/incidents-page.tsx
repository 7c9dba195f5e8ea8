import { useState, type FormEvent } from 'react';
import { Page, Panel } from '../../components/page.tsx';
import { PagedTable, type Column } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { usePaged, useAction } from '../../hooks.ts';
import { apiSend } from '../../api.ts';
import { currentUser } from '../../auth.ts';
import { useOrg } from '../../org-context.tsx';
import { Link, navigate, setSearch, useLocation } from '../../router.tsx';
import { formatTime } from '../../format.ts';
import { severityTone, statusTone, type Incident } from './monitoring-types.ts';
import { SelectFilter } from './org-filter.tsx';
import { OrgSelect } from '../../components/org-select.tsx';

const STATUSES = ['open', 'investigating', 'contained', 'resolved'] as const;

const columns: Column<Incident>[] = [
  { header: 'Incident', cell: (i) => <Link to={`/monitoring/incidents/${i.id}`}>{i.title}</Link> },
  { header: 'Severity', cell: (i) => <Badge tone={severityTone(i.severity)}>{i.severity}</Badge> },
  { header: 'Status', cell: (i) => <Badge tone={statusTone(i.status)}>{i.status}</Badge> },
  { header: 'Opened', cell: (i) => <time dateTime={i.openedAt}>{formatTime(i.openedAt)}</time> },
  { header: 'Resolved', cell: (i) => (i.resolvedAt ? formatTime(i.resolvedAt) : '—') },
];

/** The incident-response record: open incidents and opening a new one (from an alert when linked here). */
export function IncidentsPage() {
  const { search } = useLocation();
  const org = search.get('org') ?? '';
  const status = search.get('status') ?? '';
  const fromAlert = search.get('fromAlert');
  const list = usePaged<Incident>('/api/v1/incidents', { org, status }, 25);
  return (
    <Page title="Incidents" subtitle="Security incidents: who owns them, their timeline, and how they were resolved.">
      <NewIncident fromAlert={fromAlert} />
      <Panel title="Incidents">
        <div className="filters" role="group" aria-label="Filter incidents">
          <OrgSelect value={org} onChange={(v) => setSearch({ org: v })} none="All organizations" />
          <SelectFilter label="Status" value={status} options={STATUSES} onChange={(v) => setSearch({ status: v })} />
        </div>
        <PagedTable list={list} caption="Incidents" columns={columns} rowKey={(i) => i.id} empty={<EmptyState title="No incidents">Open one here, or from an alert’s page.</EmptyState>} />
      </Panel>
    </Page>
  );
}

function NewIncident({ fromAlert }: { fromAlert: string | null }) {
  const { org } = useOrg();
  const [open, setOpen] = useState(fromAlert !== null);
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState('high');
  const [summary, setSummary] = useState('');
  const [scoped, setScoped] = useState(true);
  const { busy, error, run } = useAction();

  async function create(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const body = { title, severity, summary, ownerId: currentUser()?.sub, orgId: scoped && org ? org.id : null, ...(fromAlert ? { alertIds: [fromAlert] } : {}) };
      const created = await apiSend<Incident>('POST', '/api/v1/incidents', body);
      navigate(`/monitoring/incidents/${created.id}`);
    });
  }

  if (!open) {
    return (
      <div className="actions incident-new">
        <button type="button" className="primary" onClick={() => setOpen(true)}>
          Open an incident
        </button>
      </div>
    );
  }
  return (
    <Panel title="Open an incident">
      <ErrorNote error={error} title="Could not open the incident" />
      <form onSubmit={create}>
        {fromAlert ? (
          <p className="notice info">
            Linked to alert <Link to={`/monitoring/alerts/${fromAlert}`}>{fromAlert.slice(0, 8)}</Link>.
          </p>
        ) : null}
        <Field label="Title">
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </Field>
        <Field label="Severity">
          <select value={severity} onChange={(e) => setSeverity(e.target.value)}>
            {['low', 'medium', 'high', 'critical'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Summary" hint="What happened and what is known so far.">
          <textarea rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} required maxLength={5000} />
        </Field>
        {org ? (
          <div className="field">
            <label>
              <input type="checkbox" checked={scoped} onChange={(e) => setScoped(e.target.checked)} /> Concerns {org.name} only
            </label>
          </div>
        ) : null}
        <p className="muted small">You will be the owner.</p>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || !title.trim() || !summary.trim()}>
            Open incident
          </button>
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}
