import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { Field, OneTimeSecret } from '../../components/form.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { usePaged } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { Link } from '../../router.tsx';
import { CopyValue, StatusBadge, useOrgApi } from './shared.tsx';

export interface ScimDirectory {
  id: string;
  name: string;
  status: 'active' | 'disabled';
  baseUrl: string;
  createdAt: string;
  updatedAt: string;
  lastRequestAt: string | null;
}

/** SCIM directories of the chosen organization; creating one also issues its first bearer token, shown once. */
export function ScimListPage() {
  const orgApi = useOrgApi();
  const list = usePaged<ScimDirectory>(orgApi ? `${orgApi}/scim-directories` : null, {}, 25);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ directory: ScimDirectory; token: string | null } | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setCreated(null);
    let directory: ScimDirectory | null = null;
    try {
      directory = await apiSend<ScimDirectory>('POST', `${orgApi}/scim-directories`, { name: name.trim() });
      const issued = await apiSend<{ token: string }>('POST', `${orgApi}/scim-directories/${directory.id}/tokens`);
      setCreated({ directory, token: issued.token });
      setName('');
    } catch (err) {
      // The directory may exist without a token: its page can issue one.
      if (directory) setCreated({ directory, token: null });
      setError(err);
    } finally {
      list.reload();
    }
  }

  return (
    <Page title="SCIM directories" subtitle="Identity providers (Okta, Entra ID) create, update and remove people and groups here.">
      {!orgApi ? <Loading /> : null}
      {orgApi ? (
        <>
          <Panel title="New directory">
            <form onSubmit={(e) => void create(e)} className="filters">
              <Field label="Directory name" hint="e.g. Okta — shown as the actor of its changes in the ledger">
                <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
              </Field>
              <div className="actions">
                <button type="submit" className="primary" disabled={name.trim() === ''}>
                  Create directory
                </button>
              </div>
            </form>
            <ErrorNote error={error} title={created ? 'The directory was created but its token was not' : 'The directory was not created'} />
            {created ? (
              <div role="status">
                <p>
                  Directory <Link to={`/connections/scim/${created.directory.id}`}>{created.directory.name}</Link> created. Enter these in the identity provider’s SCIM settings:
                </p>
                <p>
                  SCIM base URL: <CopyValue label="SCIM base URL" value={created.directory.baseUrl} />
                </p>
                {created.token ? <OneTimeSecret label="SCIM bearer token" value={created.token} onDone={() => setCreated((c) => (c ? { ...c, token: null } : c))} /> : null}
              </div>
            ) : null}
          </Panel>
          <Panel title="Directories">
            <PagedTable
              list={list}
              caption="SCIM directories"
              rowKey={(d) => d.id}
              empty={<EmptyState title="No SCIM directory yet">Create one above and give its URL and token to the identity provider.</EmptyState>}
              columns={[
                { header: 'Name', cell: (d) => <Link to={`/connections/scim/${d.id}`}>{d.name}</Link> },
                { header: 'Status', cell: (d) => <StatusBadge status={d.status} /> },
                { header: 'Last request', cell: (d) => formatTime(d.lastRequestAt) },
                { header: 'Created', cell: (d) => formatTime(d.createdAt) },
              ]}
            />
          </Panel>
        </>
      ) : null}
    </Page>
  );
}
