import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { useApi, usePaged, useAction } from '../../hooks.ts';
import { Link, navigate } from '../../router.tsx';
import type { Organization } from '../../org-context.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { DataTable, PagedTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { UserPicker, type PickedUser } from '../../components/user-picker.tsx';
import { StateBadge, Time, UserRef, WithOrg } from './shared.tsx';
import type { SaFinding, ServiceAccount } from './types.ts';

const FINDING_LABELS: Record<SaFinding['kind'], string> = { owner_missing: 'No owner', credential_too_old: 'Credential too old', credential_unused: 'Credential unused' };

/** Service accounts without an owner and credentials past the organization's age or unused limits. */
export function SaFindings({ orgId, serviceAccountId }: { orgId: string; serviceAccountId?: string }) {
  const findings = useApi<{ items: SaFinding[] }>(`/api/v1/organizations/${orgId}/service-accounts/findings`);
  if (findings.error) return <ErrorNote error={findings.error} title="Could not load the findings" />;
  if (!findings.data) return <Loading />;
  const rows = findings.data.items.filter((f) => !serviceAccountId || f.serviceAccountId === serviceAccountId);
  return (
    <DataTable
      caption="Service account findings"
      rows={rows}
      rowKey={(f) => `${f.kind}-${f.serviceAccountId}-${f.credentialId ?? ''}`}
      empty={<EmptyState title="No findings">Every service account has an owner and its credentials are within the age and use limits.</EmptyState>}
      columns={[
        { header: 'Finding', cell: (f) => <Badge tone="bad">{FINDING_LABELS[f.kind]}</Badge> },
        { header: 'Service account', cell: (f) => <Link to={`/service-accounts/${f.serviceAccountId}`}>{f.serviceAccountId.slice(0, 8)}</Link> },
        { header: 'Since', cell: (f) => <Time value={f.since} /> },
        { header: 'Detail', cell: (f) => f.detail },
      ]}
    />
  );
}

function CreateServiceAccount({ org }: { org: Organization }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [owner, setOwner] = useState<PickedUser | null>(null);
  const [ownerError, setOwnerError] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setOwnerError(owner ? null : 'Choose the owner from the list.');
    if (!owner) return;
    await run(async () => {
      const sa = await apiSend<ServiceAccount>('POST', `/api/v1/organizations/${org.id}/service-accounts`, { name: name.trim(), description: description.trim(), ownerUserId: owner.id });
      navigate(`/service-accounts/${sa.id}`);
    });
  }
  return (
    <form onSubmit={submit} aria-label="Create service account">
      <ErrorNote error={error} title="The service account was not created" />
      <Field label="Name">
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </Field>
      <Field label="Purpose" hint="What the account is for; an auditor reads it.">
        <input value={description} onChange={(e) => setDescription(e.target.value)} required maxLength={1000} />
      </Field>
      <UserPicker label="Owner" hint={`The member of ${org.name} answerable for it: type part of their name or email, then choose.`} orgId={org.id} value={owner} onChange={setOwner} error={ownerError} required />
      <button type="submit" className="primary" disabled={busy}>
        Create service account
      </button>
    </form>
  );
}

function ServiceAccountList({ org }: { org: Organization }) {
  const list = usePaged<ServiceAccount>(`/api/v1/organizations/${org.id}/service-accounts`, {}, 25);
  return (
    <PagedTable
      list={list}
      caption={`Service accounts of ${org.name}`}
      rowKey={(sa) => sa.id}
      empty={<EmptyState title="No service accounts">Use “New service account” to create one for a machine client.</EmptyState>}
      columns={[
        { header: 'Name', cell: (sa) => <Link to={`/service-accounts/${sa.id}`}>{sa.name}</Link> },
        { header: 'Purpose', cell: (sa) => sa.description },
        { header: 'Owner', cell: (sa) => (sa.ownerUserId ? <UserRef id={sa.ownerUserId} /> : <Badge tone="bad">no owner</Badge>) },
        { header: 'Status', cell: (sa) => <StateBadge state={sa.status} /> },
        { header: 'Created', cell: (sa) => <Time value={sa.createdAt} /> },
      ]}
    />
  );
}

/** /service-accounts: the chosen organization's service accounts, their findings, and a form to create one. */
export function ServiceAccountsPage() {
  const [creating, setCreating] = useState(false);
  return (
    <Page
      title="Service accounts"
      subtitle="Machine clients: each has an owner, roles, and credentials for the client_credentials grant."
      actions={
        <button type="button" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? 'Cancel' : 'New service account'}
        </button>
      }
    >
      <WithOrg>
        {(org) => (
          <>
            {creating ? (
              <Panel title="New service account">
                <CreateServiceAccount org={org} />
              </Panel>
            ) : null}
            <Panel title="Findings">
              <SaFindings orgId={org.id} />
            </Panel>
            <Panel title="All service accounts">
              <ServiceAccountList org={org} />
            </Panel>
          </>
        )}
      </WithOrg>
    </Page>
  );
}
