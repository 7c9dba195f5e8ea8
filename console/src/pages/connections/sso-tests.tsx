import { Panel } from '../../components/page.tsx';
import { DataTable } from '../../components/table.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { StatusBadge, type ConnectionTest } from './shared.tsx';

/** The last "test connection" results of a connection (GET …/sso-connections/{id}/tests), newest first. */
export function TestsPanel({ orgApi, connectionId }: { orgApi: string; connectionId: string }) {
  const list = useApi<{ items: ConnectionTest[] }>(`${orgApi}/sso-connections/${connectionId}/tests`);
  return (
    <Panel
      title="Recent tests"
      actions={
        <button type="button" onClick={list.reload}>
          Refresh test results
        </button>
      }
    >
      <p className="muted small">
        A test is a real sign-in through the identity provider that signs nobody in and creates no account: it shows what the IdP sent. Each test is recorded in the ledger as <code>sso.connection.tested</code>.
      </p>
      {list.error ? <ErrorNote error={list.error} title="Could not load the tests" /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <DataTable
          caption="Recent connection tests"
          rows={list.data.items}
          rowKey={(t) => t.id}
          empty={<EmptyState title="Not tested yet">Tests run on the hosted setup page of a setup link (for the connection that link configures); refresh to see new results.</EmptyState>}
          columns={[
            { header: 'When', cell: (t) => formatTime(t.createdAt) },
            { header: 'Outcome', cell: (t) => <StatusBadge status={t.outcome} /> },
            { header: 'Subject', cell: (t) => t.subject ?? '—' },
            { header: 'Email', cell: (t) => t.email ?? '—' },
            { header: 'Attributes or error', cell: (t) => (t.errorCode ? <code>{t.errorCode}</code> : Object.keys(t.attributes).join(', ') || '—') },
          ]}
        />
      ) : null}
    </Panel>
  );
}
