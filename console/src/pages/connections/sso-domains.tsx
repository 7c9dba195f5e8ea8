import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { Field } from '../../components/form.tsx';
import { Panel } from '../../components/page.tsx';
import { DataTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { CopyValue, type SsoDomain } from './shared.tsx';

/**
 * The organization's email domains: claim one, publish the TXT record shown,
 * verify it by DNS or attest ownership (the statement goes to the ledger).
 * Only a verified domain routes sign-ins to the organization's IdP.
 */
export function DomainsPanel({ orgApi }: { orgApi: string }) {
  const list = useApi<{ items: SsoDomain[] }>(`${orgApi}/sso-domains`);
  const [domain, setDomain] = useState('');
  const { busy, error, run } = useAction();

  async function add(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await apiSend('POST', `${orgApi}/sso-domains`, { domain: domain.trim().toLowerCase() });
      setDomain('');
      list.reload();
    });
  }

  return (
    <Panel title="Domains">
      <p className="muted">Sign-ins with an address in a verified domain go to this organization’s identity provider, and only such addresses can sign in or be created through it.</p>
      <form onSubmit={(e) => void add(e)} className="filters">
        <Field label="Domain to add" hint="e.g. acme.com — lower-case, no wildcard">
          <input value={domain} onChange={(e) => setDomain(e.target.value)} required maxLength={253} />
        </Field>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || domain.trim() === ''}>
            Add domain
          </button>
        </div>
      </form>
      <ErrorNote error={error} title="The domain was not added" />
      {list.error ? <ErrorNote error={list.error} title="Could not load the domains" /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <DataTable
          caption="Domains"
          rows={list.data.items}
          rowKey={(d) => d.id}
          empty={<EmptyState title="No domain yet">Add the email domain your people sign in with, then verify it.</EmptyState>}
          columns={[
            { header: 'Domain', cell: (d) => <strong>{d.domain}</strong> },
            { header: 'Status', cell: (d) => (d.verified ? <Badge tone="good">verified ({d.verifiedVia === 'dns' ? 'DNS' : 'attested'})</Badge> : <Badge tone="warn">not verified</Badge>) },
            { header: 'Verified', cell: (d) => formatTime(d.verifiedAt) },
            { header: 'Verification', cell: (d) => (d.verified ? <span className="muted">done</span> : <VerifyDomain orgApi={orgApi} domain={d} onDone={list.reload} />) },
          ]}
        />
      ) : null}
    </Panel>
  );
}

/** The TXT record to publish, "Verify by DNS" and "Attest" for one unverified domain. */
function VerifyDomain({ orgApi, domain, onDone }: { orgApi: string; domain: SsoDomain; onDone: () => void }) {
  const [statement, setStatement] = useState('');
  const { error, run: perform } = useAction();
  const [attesting, setAttesting] = useState(false);

  async function run(path: string, body?: unknown) {
    await perform(async () => {
      await apiSend('POST', `${orgApi}/sso-domains/${domain.id}/${path}`, body);
      onDone();
    });
  }

  return (
    <div>
      <p className="small">Publish this DNS record, then verify:</p>
      <div className="txt-record small">
        <span>Name</span>
        <CopyValue label={`TXT name for ${domain.domain}`} value={domain.txtRecord.name} />
        <span>Type</span>
        <code>TXT</code>
        <span>Value</span>
        <CopyValue label={`TXT value for ${domain.domain}`} value={domain.txtRecord.value} />
      </div>
      <div className="actions">
        <button type="button" onClick={() => void run('verify')}>
          Verify {domain.domain} by DNS
        </button>
        <button type="button" onClick={() => setAttesting((a) => !a)} aria-expanded={attesting}>
          Attest instead
        </button>
      </div>
      {attesting ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run('attest', { statement: statement.trim() });
          }}
        >
          <Field label={`Attestation for ${domain.domain}`} hint="How ownership was established (kept in the ledger with your name).">
            <textarea value={statement} onChange={(e) => setStatement(e.target.value)} maxLength={500} required rows={2} />
          </Field>
          <button type="submit" disabled={statement.trim() === ''}>
            Attest ownership of {domain.domain}
          </button>
        </form>
      ) : null}
      <ErrorNote error={error} title="Not verified" />
    </div>
  );
}
