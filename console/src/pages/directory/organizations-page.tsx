import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { usePaged, useAction } from '../../hooks.ts';
import { Link, navigate } from '../../router.tsx';
import type { Organization } from '../../org-context.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { EmptyState, ErrorNote } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { Time } from './shared.tsx';

function CreateOrganization({ onCreated }: { onCreated: (org: Organization) => void }) {
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      onCreated(await apiSend<Organization>('POST', '/api/v1/organizations', { slug: slug.trim(), name: name.trim() }));
    });
  }
  return (
    <form onSubmit={submit} aria-label="Create organization">
      <ErrorNote error={error} title="The organization was not created" />
      <Field label="Name">
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </Field>
      <Field label="Slug" hint="Lowercase letters, digits and dashes; used in API paths and cannot be changed.">
        <input value={slug} onChange={(e) => setSlug(e.target.value)} required pattern="[a-z0-9][a-z0-9-]{1,62}" />
      </Field>
      <button type="submit" className="primary" disabled={busy}>
        Create organization
      </button>
    </form>
  );
}

/** /organizations: every organization, paged on the server, and a form to create one. */
export function OrganizationsPage() {
  const list = usePaged<Organization>('/api/v1/organizations', {}, 25);
  const [creating, setCreating] = useState(false);
  return (
    <Page
      title="Organizations"
      subtitle="Tenants of this Keyledger: each has its own members, roles, service accounts and policies."
      actions={
        <button type="button" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? 'Cancel' : 'New organization'}
        </button>
      }
    >
      {creating ? (
        <Panel title="New organization">
          <CreateOrganization onCreated={(org) => navigate(`/organizations/${org.id}`)} />
        </Panel>
      ) : null}
      <PagedTable
        list={list}
        caption="Organizations"
        rowKey={(o) => o.id}
        empty={<EmptyState title="No organizations yet">Use “New organization” to create the first one.</EmptyState>}
        columns={[
          { header: 'Name', cell: (o) => <Link to={`/organizations/${o.id}`}>{o.name}</Link> },
          { header: 'Slug', cell: (o) => <code>{o.slug}</code> },
          { header: 'MFA policy', cell: (o) => String(o.settings?.mfaPolicy ?? 'optional (default)') },
          { header: 'Created', cell: (o) => <Time value={o.createdAt} /> },
        ]}
      />
    </Page>
  );
}
