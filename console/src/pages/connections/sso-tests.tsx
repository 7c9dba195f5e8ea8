import { useState } from 'react';
import { apiSend } from '../../api.ts';
import { Panel } from '../../components/page.tsx';
import { DataTable } from '../../components/table.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { StatusBadge, type ConnectionTest } from './shared.tsx';

/**
 * "Test connection" (POST …/sso-connections/{id}/tests, a change: it needs unlocking) and the last
 * results (GET …/tests), newest first. The test opens a one-time link in this tab; the result page
 * it lands on links back to the connection, whose list then shows the result.
 */
export function TestsPanel({ orgApi, connectionId }: { orgApi: string; connectionId: string }) {
  const list = useApi<{ items: ConnectionTest[] }>(`${orgApi}/sso-connections/${connectionId}/tests`);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function startTest() {
    setStarting(true);
    setError(null);
    try {
      const started = await apiSend<{ testId: string; url: string; expiresAt: string }>('POST', `${orgApi}/sso-connections/${connectionId}/tests`);
      // The link works once, for ten minutes: follow it now rather than keep it.
      window.location.assign(started.url);
    } catch (e) {
      setError(e);
      setStarting(false);
    }
  }

  return (
    <Panel
      title="Recent tests"
      actions={
        <>
          <button type="button" className="primary" onClick={() => void startTest()} disabled={starting}>
            {starting ? 'Starting the test…' : 'Test connection'}
          </button>
          <button type="button" onClick={list.reload}>
            Refresh test results
          </button>
        </>
      }
    >
      <ErrorNote error={error} title="The test did not start" />
      <p className="muted small">
        “Test connection” sends this browser to the identity provider for a real sign-in that is checked exactly like one but signs nobody in and creates no account: the result page shows what the IdP sent (or why it was refused) and links back here. Starting a test is recorded as <code>sso.connection.test_started</code>, each result as <code>sso.connection.tested</code>.
      </p>
      {list.error ? <ErrorNote error={list.error} title="Could not load the tests" /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <DataTable
          caption="Recent connection tests"
          rows={list.data.items}
          rowKey={(t) => t.id}
          empty={<EmptyState title="Not tested yet">Choose “Test connection” and sign in at the identity provider as one of the organization’s users. Tests run from a setup link’s hosted page appear here too.</EmptyState>}
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
