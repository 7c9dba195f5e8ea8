import { apiSend } from '../../api.ts';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { ErrorNote, Loading } from '../../components/states.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { navigate } from '../../router.tsx';
import { CopyValue, StatusBadge, useOrgApi, type SsoConnection } from './shared.tsx';
import { SpValues } from './sso-sp-values.tsx';
import { TestsPanel } from './sso-tests.tsx';
import { CertificatesPanel, SsoGroupRulesPanel } from './sso-connection-parts.tsx';

/** One SSO connection: its settings, the SP values, certificates, group rules and recent tests. */
export function SsoConnectionPage({ params }: { params: Record<string, string> }) {
  const orgApi = useOrgApi();
  const conn = useApi<SsoConnection>(orgApi ? `${orgApi}/sso-connections/${params.id}` : null);
  const { error, run } = useAction();
  const c = conn.data;

  async function change(method: 'PATCH' | 'DELETE', body?: unknown) {
    await run(async () => {
      await apiSend(method, `${orgApi}/sso-connections/${params.id}`, body);
      if (method === 'DELETE') navigate('/connections/sso');
      else conn.reload();
    });
  }

  return (
    <Page
      title={c ? `SSO connection: ${c.name}` : 'SSO connection'}
      actions={
        c ? (
          <>
            {c.status === 'active' ? (
              <button type="button" onClick={() => void change('PATCH', { status: 'disabled' })}>
                Disable connection
              </button>
            ) : (
              <button type="button" className="primary" onClick={() => void change('PATCH', { status: 'active' })}>
                Enable connection
              </button>
            )}
            <button
              type="button"
              className="danger"
              onClick={() => {
                if (window.confirm(`Delete ${c.name}? Its group rules and linked IdP subjects go; accounts stay.`)) void change('DELETE');
              }}
            >
              Delete connection
            </button>
          </>
        ) : null
      }
    >
      <ErrorNote error={error} title="The connection was not changed" />
      {conn.error ? <ErrorNote error={conn.error} title="Could not load the connection" /> : null}
      {!c && !conn.error ? <Loading /> : null}
      {c && orgApi ? (
        <>
          <Panel title="Settings">
            <Facts
              items={[
                ['Protocol', c.type === 'saml' ? 'SAML 2.0' : 'OpenID Connect'],
                ['Status', <StatusBadge key="s" status={c.status} />],
                ['Identity provider', c.saml ? c.saml.idpEntityId : c.oidc?.issuer],
                [c.saml ? 'IdP SSO URL' : 'Client ID', c.saml ? `${c.saml.ssoUrl} (${c.saml.ssoBinding})` : c.oidc?.clientId],
                ['Accounts created at first sign-in', c.jitProvisioning ? 'yes (verified domains only)' : 'no'],
                ...(c.saml ? ([['IdP-initiated sign-in', c.allowIdpInitiated ? 'allowed' : 'refused'], ['Clock skew tolerated', `${c.saml.clockSkewSeconds} s`]] as Array<[string, string]>) : []),
                ...(c.oidc ? ([['Scopes', c.oidc.scopes.join(' ')], ['Client secret', 'set (write-only, never shown)']] as Array<[string, string]>) : []),
                ['Sign-in link', <CopyValue key="l" label="Sign-in link" value={c.loginUrl} />],
                ['Created', formatTime(c.createdAt)],
                ['Last changed', formatTime(c.updatedAt)],
                ['Last sign-in', formatTime(c.lastLoginAt)],
              ]}
            />
          </Panel>
          <Panel title="Values for the identity provider">
            <SpValues connection={c} />
          </Panel>
          {c.saml ? <CertificatesPanel orgApi={orgApi} connection={c} onChanged={conn.reload} /> : null}
          <SsoGroupRulesPanel orgApi={orgApi} connectionId={c.id} />
          <TestsPanel orgApi={orgApi} connectionId={c.id} />
        </>
      ) : null}
    </Page>
  );
}
