import { useState } from 'react';
import { apiSend } from '../../api.ts';
import { Field, OneTimeSecret } from '../../components/form.tsx';
import { Panel } from '../../components/page.tsx';
import { DataTable } from '../../components/table.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { StatusBadge } from './shared.tsx';

interface ScimToken {
  id: string;
  prefix: string;
  createdAt: string;
  createdBy: { type: string; id: string };
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  state: 'active' | 'expiring' | 'expired' | 'revoked';
}

const OVERLAPS: Array<[string, string]> = [
  ['86400', '24 hours (default)'],
  ['3600', '1 hour'],
  ['604800', '7 days'],
  ['0', 'End them now'],
];

/** A directory's bearer tokens: issue, rotate (the new one shown once, the old ones end after an overlap), revoke. */
export function ScimTokensPanel({ orgApi, directoryId }: { orgApi: string; directoryId: string }) {
  const base = `${orgApi}/scim-directories/${directoryId}/tokens`;
  const list = useApi<{ items: ScimToken[] }>(base);
  const [overlap, setOverlap] = useState('86400');
  const [issued, setIssued] = useState<string | null>(null);
  const { error, run: perform } = useAction();

  async function run(method: 'POST' | 'DELETE', path: string, body?: unknown) {
    setIssued(null);
    await perform(async () => {
      const res = await apiSend<{ token?: string }>(method, path, body);
      if (res?.token) setIssued(res.token);
    });
    list.reload();
  }

  return (
    <Panel title="Tokens">
      {issued ? <OneTimeSecret label="SCIM bearer token" value={issued} onDone={() => setIssued(null)} /> : null}
      <ErrorNote error={error} title="The tokens did not change" />
      {list.error ? <ErrorNote error={list.error} title="Could not load the tokens" /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <DataTable
          caption="Directory tokens"
          rows={list.data.items}
          rowKey={(t) => t.id}
          empty={<EmptyState title="No token">Create one: the identity provider needs it to connect.</EmptyState>}
          columns={[
            { header: 'Token', cell: (t) => <code>{t.prefix}…</code> },
            { header: 'State', cell: (t) => <StatusBadge status={t.state} /> },
            { header: 'Created', cell: (t) => <>{formatTime(t.createdAt)} <span className="muted small">by {t.createdBy.type}</span></> },
            { header: 'Ends', cell: (t) => formatTime(t.revokedAt ?? t.expiresAt) },
            { header: 'Last used', cell: (t) => (t.lastUsedAt ? `${formatTime(t.lastUsedAt)}${t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}` : 'never') },
            {
              header: 'Actions',
              cell: (t) =>
                t.state === 'active' || t.state === 'expiring' ? (
                  <button type="button" className="danger" aria-label={`Revoke token ${t.prefix}`} onClick={() => void run('DELETE', `${base}/${t.id}`)}>
                    Revoke
                  </button>
                ) : null,
            },
          ]}
        />
      ) : null}
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run('POST', `${base}/rotate`, { overlapSeconds: Number(overlap) });
        }}
      >
        <Field label="Current tokens keep working for" hint="Time to put the new token into the identity provider.">
          <select value={overlap} onChange={(e) => setOverlap(e.target.value)}>
            {OVERLAPS.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <div className="actions">
          <button type="submit" className="primary">
            Rotate token
          </button>
          <button type="button" onClick={() => void run('POST', base)}>
            Create another token
          </button>
        </div>
      </form>
    </Panel>
  );
}
