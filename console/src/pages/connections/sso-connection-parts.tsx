import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { Field } from '../../components/form.tsx';
import { Panel } from '../../components/page.tsx';
import { DataTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import type { GroupRule, SsoConnection } from './shared.tsx';
import { GroupRoleForm, MappedRole, useGroupRoleMappings } from './group-role-mappings.tsx';

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
  const { error, add, remove } = useGroupRoleMappings(base, list.reload);

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
            { header: 'Role', cell: (m) => <MappedRole roleKey={m.roleKey} privileged={m.privileged} /> },
            { header: 'Created', cell: (m) => formatTime(m.createdAt) },
            {
              header: 'Actions',
              cell: (m) => (
                <button type="button" aria-label={`Remove rule ${m.group} to ${m.roleKey}`} onClick={() => remove(m.id)}>
                  Remove
                </button>
              ),
            },
          ]}
        />
      ) : null}
      <GroupRoleForm groupLabel="IdP group" groupHint="The group value the IdP sends" groupMaxLength={512} submitLabel="Add group rule" errorTitle="The group rules did not change" error={error} onAdd={add} />
    </Panel>
  );
}
