import { Page, Panel } from '../../components/page.tsx';
import { PagedTable } from '../../components/table.tsx';
import { EmptyState, Loading } from '../../components/states.tsx';
import { usePaged } from '../../hooks.ts';
import { formatTime } from '../../format.ts';
import { Link } from '../../router.tsx';
import { StatusBadge, useOrgApi, type SsoConnection } from './shared.tsx';
import { DomainsPanel } from './sso-domains.tsx';
import { SetupLinksPanel } from './sso-setup-links.tsx';

/** Enterprise SSO of the chosen organization: connections, domains and setup links. */
export function SsoListPage() {
  const orgApi = useOrgApi();
  const list = usePaged<SsoConnection>(orgApi ? `${orgApi}/sso-connections` : null, {}, 25);
  return (
    <Page
      title="Single sign-on"
      subtitle="The organization’s identity providers (SAML 2.0 or OpenID Connect), the domains routed to them, and setup links."
      actions={
        <Link to="/connections/sso/new" className="button primary">
          Set up a connection
        </Link>
      }
    >
      {!orgApi ? <Loading /> : null}
      {orgApi ? (
        <>
          <Panel title="Connections">
            <PagedTable
              list={list}
              caption="SSO connections"
              rowKey={(c) => c.id}
              empty={<EmptyState title="No SSO connection yet">Use “Set up a connection”, or send a setup link to the customer’s IT administrator.</EmptyState>}
              columns={[
                { header: 'Name', cell: (c) => <Link to={`/connections/sso/${c.id}`}>{c.name}</Link> },
                { header: 'Protocol', cell: (c) => (c.type === 'saml' ? 'SAML 2.0' : 'OpenID Connect') },
                { header: 'Status', cell: (c) => <StatusBadge status={c.status} /> },
                { header: 'Identity provider', cell: (c) => <span className="small">{c.saml?.idpEntityId ?? c.oidc?.issuer}</span> },
                { header: 'Last sign-in', cell: (c) => formatTime(c.lastLoginAt) },
              ]}
            />
          </Panel>
          <DomainsPanel orgApi={orgApi} />
          <SetupLinksPanel orgApi={orgApi} />
        </>
      ) : null}
    </Page>
  );
}
