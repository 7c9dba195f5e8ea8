import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { Field, OneTimeSecret } from '../../components/form.tsx';
import { Panel } from '../../components/page.tsx';
import { DataTable } from '../../components/table.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { StatusBadge } from './shared.tsx';

interface SetupLink {
  id: string;
  prefix: string;
  email: string | null;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  state: 'active' | 'expired' | 'revoked';
}

/**
 * Setup links for the customer's own IT administrator: they configure the
 * connection, verify domains and run "test connection" on hosted pages,
 * without an account. The link is a bearer secret, shown once.
 */
export function SetupLinksPanel({ orgApi }: { orgApi: string }) {
  const list = useApi<{ items: SetupLink[] }>(`${orgApi}/sso-setup-links`);
  const [email, setEmail] = useState('');
  const [days, setDays] = useState('7');
  const [issued, setIssued] = useState<string | null>(null);
  const { error, run: perform } = useAction();

  async function create(e: FormEvent) {
    e.preventDefault();
    await perform(async () => {
      const res = await apiSend<{ url: string }>('POST', `${orgApi}/sso-setup-links`, { ...(email.trim() ? { email: email.trim() } : {}), expiresInDays: Number(days) });
      setIssued(res.url);
      setEmail('');
      list.reload();
    });
  }

  async function revoke(id: string) {
    await perform(async () => {
      await apiSend('POST', `${orgApi}/sso-setup-links/${id}/revoke`);
      list.reload();
    });
  }

  return (
    <Panel title="Setup links">
      <p className="muted">Send a setup link to the customer’s IT administrator: they set up the connection, verify domains and test it themselves. Everything done through the link is recorded with the link as the actor.</p>
      <form onSubmit={(e) => void create(e)} className="filters">
        <Field label="Meant for (email, optional)" hint="Recorded, not enforced">
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={254} />
        </Field>
        <Field label="Valid for (days)">
          <input type="number" min={1} max={30} value={days} onChange={(e) => setDays(e.target.value)} required />
        </Field>
        <div className="actions">
          <button type="submit">Create setup link</button>
        </div>
      </form>
      {issued ? <OneTimeSecret label="Setup link" value={issued} onDone={() => setIssued(null)} /> : null}
      <ErrorNote error={error} />
      {list.error ? <ErrorNote error={list.error} title="Could not load the setup links" /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <DataTable
          caption="Setup links"
          rows={list.data.items}
          rowKey={(l) => l.id}
          empty={<EmptyState title="No setup link">Create one to let the customer’s administrator do the setup.</EmptyState>}
          columns={[
            { header: 'Link', cell: (l) => <code>{l.prefix}…</code> },
            { header: 'For', cell: (l) => l.email ?? '—' },
            { header: 'State', cell: (l) => <StatusBadge status={l.state} /> },
            { header: 'Expires', cell: (l) => formatTime(l.expiresAt) },
            { header: 'Last used', cell: (l) => formatTime(l.lastUsedAt) },
            {
              header: 'Actions',
              cell: (l) =>
                l.state === 'active' ? (
                  <button type="button" onClick={() => void revoke(l.id)} aria-label={`Revoke setup link ${l.prefix}`}>
                    Revoke
                  </button>
                ) : null,
            },
          ]}
        />
      ) : null}
    </Panel>
  );
}
