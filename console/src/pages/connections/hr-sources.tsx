import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { Field, OneTimeSecret } from '../../components/form.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { usePaged, useAction } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { CopyValue, StatusBadge, useOrgApi } from './shared.tsx';

interface HrSource {
  id: string;
  name: string;
  status: 'active' | 'deleted';
  secretPrefix: string;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  deletedAt: string | null;
  lastEventAt: string | null;
}

const EXAMPLE = '{ "id": "evt-7731", "type": "employee.terminated", "employeeId": "E100", "effectiveAt": "2026-03-01T17:00:00Z" }';

/** HR systems that post signed termination and rehire events: register, rotate the signing secret, delete. */
export function HrSourcesPage() {
  const orgApi = useOrgApi();
  const list = usePaged<HrSource>(orgApi ? `${orgApi}/hr-sources` : null, {}, 25);
  const [name, setName] = useState('');
  const [overlap, setOverlap] = useState('86400');
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const { error, run: perform } = useAction();
  const webhookUrl = `${window.location.origin}/api/v1/lifecycle/hr-events`;

  async function run<T>(method: 'POST' | 'DELETE', path: string, body: unknown, shown?: (res: T) => { label: string; value: string }) {
    setSecret(null);
    const ok = await perform(async () => {
      const res = await apiSend<T>(method, path, body);
      if (shown) setSecret(shown(res));
      return true;
    });
    list.reload();
    return ok ?? false;
  }

  async function create(e: FormEvent) {
    e.preventDefault();
    if (await run<{ secret: string; source: HrSource }>('POST', `${orgApi}/hr-sources`, { name: name.trim() }, (r) => ({ label: `Signing secret of ${r.source.name}`, value: r.secret }))) setName('');
  }

  return (
    <Page title="HR sources" subtitle="HR systems (Workday, BambooHR, a script) that post signed leaver and rehire events.">
      {!orgApi ? <Loading /> : null}
      {orgApi ? (
        <>
          <Panel title="New HR source">
            <form onSubmit={(e) => void create(e)} className="filters">
              <Field label="HR source name" hint="e.g. Workday — the actor of its events in the ledger">
                <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
              </Field>
              <div className="actions">
                <button type="submit" className="primary" disabled={name.trim() === ''}>
                  Create HR source
                </button>
              </div>
            </form>
          </Panel>
          {secret ? <OneTimeSecret label={secret.label} value={secret.value} onDone={() => setSecret(null)} /> : null}
          <ErrorNote error={error} title="The HR sources did not change" />
          <Panel title="Sources">
            <Field label="When rotating, the old secret keeps working for" hint="Time to switch the HR system to the new secret (it may sign with both meanwhile).">
              <select value={overlap} onChange={(e) => setOverlap(e.target.value)}>
                <option value="86400">24 hours (default)</option>
                <option value="3600">1 hour</option>
                <option value="604800">7 days</option>
                <option value="0">End it now</option>
              </select>
            </Field>
            <PagedTable
              list={list}
              caption="HR sources"
              rowKey={(s) => s.id}
              empty={<EmptyState title="No HR source yet">Create one and configure the HR system with the webhook URL, the source id and the secret.</EmptyState>}
              columns={[
                { header: 'Name', cell: (s) => <strong>{s.name}</strong> },
                { header: 'Source id (Keyledger-Source)', cell: (s) => <CopyValue label={`source id of ${s.name}`} value={s.id} /> },
                { header: 'Status', cell: (s) => <StatusBadge status={s.status} /> },
                { header: 'Secret', cell: (s) => (s.status === 'active' ? <><code>{s.secretPrefix}…</code>{s.previousSecretExpiresAt ? <span className="muted small"> (previous one until {formatTime(s.previousSecretExpiresAt)})</span> : null}</> : '—') },
                { header: 'Last event', cell: (s) => formatTime(s.lastEventAt) },
                {
                  header: 'Actions',
                  cell: (s) =>
                    s.status === 'active' ? (
                      <div className="actions">
                        <button type="button" aria-label={`Rotate secret of ${s.name}`} onClick={() => void run<{ secret: string }>('POST', `${orgApi}/hr-sources/${s.id}/rotate-secret`, { overlapSeconds: Number(overlap) }, (r) => ({ label: `New signing secret of ${s.name}`, value: r.secret }))}>
                          Rotate secret
                        </button>
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Delete ${s.name}`}
                          onClick={() => {
                            if (window.confirm(`Delete ${s.name}? Its events are refused from now on.`)) void run('DELETE', `${orgApi}/hr-sources/${s.id}`, undefined);
                          }}
                        >
                          Delete
                        </button>
                      </div>
                    ) : (
                      <span className="muted">deleted {formatTime(s.deletedAt)}</span>
                    ),
                },
              ]}
            />
          </Panel>
          <Panel title="How the HR system sends events">
            <p>
              Webhook URL: <CopyValue label="HR webhook URL" value={webhookUrl} />
            </p>
            <pre>{`POST ${webhookUrl}
Content-Type: application/json
Keyledger-Source: <the source id>
Keyledger-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>

${EXAMPLE}`}</pre>
            <ul>
              <li>
                <code>type</code> is <code>employee.terminated</code> or <code>employee.rehired</code>; <code>employeeId</code> is matched against the members’ employee number; <code>effectiveAt</code> is RFC 3339 (a future termination is scheduled).
              </li>
              <li>Sign the exact bytes sent. The timestamp must be within 5 minutes of Keyledger’s clock; an event id is accepted once per source.</li>
              <li>
                Answers: <code>202</code> accepted (also for an employee not found: the ledger keeps it for follow-up), <code>401</code> unknown source or bad signature, <code>409 lifecycle.event_replayed</code> already delivered.
              </li>
            </ul>
          </Panel>
        </>
      ) : null}
    </Page>
  );
}
