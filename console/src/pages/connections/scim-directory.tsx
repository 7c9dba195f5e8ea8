import { apiSend } from '../../api.ts';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { ErrorNote, Loading } from '../../components/states.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { CopyValue, StatusBadge, useOrgApi } from './shared.tsx';
import type { ScimDirectory } from './scim-list.tsx';
import { ScimTokensPanel } from './scim-tokens.tsx';
import { ScimGroupMappingsPanel } from './scim-group-mappings.tsx';
import { ScimSyncEvents } from './scim-events.tsx';

/** One SCIM directory: the endpoint to paste into the IdP, its tokens, group mappings and last sync events. */
export function ScimDirectoryPage({ params }: { params: Record<string, string> }) {
  const orgApi = useOrgApi();
  const dir = useApi<ScimDirectory>(orgApi ? `${orgApi}/scim-directories/${params.id}` : null);
  const { error, run } = useAction();
  const d = dir.data;

  async function setStatus(status: 'active' | 'disabled') {
    await run(async () => {
      await apiSend('PATCH', `${orgApi}/scim-directories/${params.id}`, { status });
      dir.reload();
    });
  }

  return (
    <Page
      title={d ? `SCIM directory: ${d.name}` : 'SCIM directory'}
      actions={
        d ? (
          d.status === 'active' ? (
            <button type="button" onClick={() => void setStatus('disabled')}>
              Disable directory
            </button>
          ) : (
            <button type="button" className="primary" onClick={() => void setStatus('active')}>
              Enable directory
            </button>
          )
        ) : null
      }
    >
      <ErrorNote error={error} title="The directory was not changed" />
      {dir.error ? <ErrorNote error={dir.error} title="Could not load the directory" /> : null}
      {!d && !dir.error ? <Loading /> : null}
      {d && orgApi ? (
        <>
          <Panel title="Endpoint">
            <p className="muted">In Okta (Provisioning → Integration, “SCIM connector base URL”) or Entra ID (Provisioning → “Tenant URL”), enter this URL and a bearer token from below.</p>
            <Facts
              items={[
                ['SCIM base URL', <CopyValue key="u" label="SCIM base URL" value={d.baseUrl} />],
                ['Authentication', 'HTTP header: Authorization: Bearer <token>'],
                ['Status', <StatusBadge key="s" status={d.status} />],
                ['Last request', formatTime(d.lastRequestAt)],
                ['Created', formatTime(d.createdAt)],
              ]}
            />
          </Panel>
          <ScimTokensPanel orgApi={orgApi} directoryId={d.id} />
          <ScimGroupMappingsPanel orgApi={orgApi} directoryId={d.id} />
          <ScimSyncEvents directoryId={d.id} />
        </>
      ) : null}
    </Page>
  );
}
