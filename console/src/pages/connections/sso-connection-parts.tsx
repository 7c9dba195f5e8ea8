import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { Field } from '../../components/form.tsx';
import { Panel } from '../../components/page.tsx';
import { DataTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import type { GroupRule, SsoConnection } from './shared.tsx';

const DAY = 86_400_000;

function expiry(notAfter: string) {
  const left = new Date(notAfter).getTime() - Date.now();
  if (left <= 0) return <Badge tone="bad">expired</Badge>;
  if (left < 30 * DAY) return <Badge tone="warn">expires in {Math.ceil(left / DAY)} d</Badge>;
  return <Badge tone="good">valid</Badge>;
}

/** The IdP signing certificates a SAML connection trusts: add one for a rollover, remove the old one after. */
export function CertificatesPanel({ orgApi, connection, onChanged }: { orgApi: string; connection: SsoConnection; onChanged: () => void }) {
  const [pem, setPem] = useState('');
  const { error, run: perform } = useAction();
  const base = `${orgApi}/sso-connections/${connection.id}/certificates`;

  async function run(method: 'POST' | 'DELETE', path: string, body?: unknown) {
    await perform(async () => {
      await apiSend(method, path, body);
      setPem('');
      onChanged();
    });
  }

  return (
    <Panel title="IdP signing certificates">
      <DataTable
        caption="Trusted IdP signing certificates"
        rows={connection.saml?.certificates ?? []}
        rowKey={(c) => c.fingerprint}
        columns={[
          { header: 'Subject', cell: (c) => c.subject },
          { header: 'SHA-256 fingerprint', cell: (c) => <code className="small">{c.fingerprint}</code> },
          { header: 'Valid until', cell: (c) => <>{formatTime(c.notAfter)} {expiry(c.notAfter)}</> },
          { header: 'Added', cell: (c) => formatTime(c.addedAt) },
          {
            header: 'Actions',
            cell: (c) => (
              <button type="button" aria-label={`Remove certificate ${c.fingerprint.slice(0, 11)}`} onClick={() => void run('DELETE', `${base}/${c.fingerprint}`)}>
                Remove
              </button>
            ),
          },
        ]}
      />
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void run('POST', base, { certificate: pem.trim() });
        }}
      >
        <Field label="Certificate to add" hint="For a rollover: both are accepted until you remove the old one (the last one cannot be removed).">
          <textarea value={pem} onChange={(e) => setPem(e.target.value)} rows={4} spellCheck={false} required />
        </Field>
        <button type="submit" disabled={pem.trim() === ''}>
          Add certificate
        </button>
      </form>
      <ErrorNote error={error} title="The certificates did not change" />
    </Panel>
  );
}

/** IdP group → role rules, applied at sign-in (a privileged role is requested for approval, never granted). */
export function SsoGroupRulesPanel({ orgApi, connectionId }: { orgApi: string; connectionId: string }) {
  const base = `${orgApi}/sso-connections/${connectionId}/group-mappings`;
  const list = useApi<{ items: GroupRule[] }>(base);
  const [group, setGroup] = useState('');
  const [role, setRole] = useState('');
  const { error, run: perform } = useAction();

  async function run(method: 'POST' | 'DELETE', path: string, body?: unknown) {
    await perform(async () => {
      await apiSend(method, path, body);
      setGroup('');
      setRole('');
      list.reload();
    });
  }

  return (
    <Panel title="Group rules">
      {list.error ? <ErrorNote error={list.error} title="Could not load the group rules" /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <DataTable
          caption="IdP group to role rules"
          rows={list.data.items}
          rowKey={(m) => m.id}
          empty={<EmptyState title="No group rule">Map an IdP group to a role to grant it at sign-in.</EmptyState>}
          columns={[
            { header: 'IdP group', cell: (m) => <code>{m.group}</code> },
            { header: 'Role', cell: (m) => <>{m.roleKey} {m.privileged ? <Badge tone="warn">privileged: requested for approval</Badge> : null}</> },
            { header: 'Created', cell: (m) => formatTime(m.createdAt) },
            {
              header: 'Actions',
              cell: (m) => (
                <button type="button" aria-label={`Remove rule ${m.group} to ${m.roleKey}`} onClick={() => void run('DELETE', `${base}/${m.id}`)}>
                  Remove
                </button>
              ),
            },
          ]}
        />
      ) : null}
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run('POST', base, { group: group.trim(), role: role.trim() });
        }}
      >
        <Field label="IdP group" hint="The group value the IdP sends">
          <input value={group} onChange={(e) => setGroup(e.target.value)} required maxLength={512} />
        </Field>
        <Field label="Role" hint="Role key or id">
          <input value={role} onChange={(e) => setRole(e.target.value)} required maxLength={128} />
        </Field>
        <div className="actions">
          <button type="submit">Add group rule</button>
        </div>
      </form>
      <ErrorNote error={error} title="The group rules did not change" />
    </Panel>
  );
}
