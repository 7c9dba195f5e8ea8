import { Facts } from '../../components/page.tsx';
import { CopyValue, type SsoConnection } from './shared.tsx';

/** What the IdP administrator enters on their side: Keyledger's SP values (SAML) or redirect URI (OIDC). */
export function SpValues({ connection }: { connection: SsoConnection }) {
  if (connection.saml) {
    const s = connection.saml;
    return (
      <>
        <p className="muted">Give these to the identity provider’s administrator (Okta and Entra ID can read the metadata URL directly).</p>
        <Facts
          items={[
            ['ACS URL (reply URL)', <CopyValue key="acs" label="ACS URL" value={s.acsUrl} />],
            ['SP entity ID (audience)', <CopyValue key="entity" label="SP entity ID" value={s.spEntityId} />],
            ['SP metadata URL', <CopyValue key="meta" label="SP metadata URL" value={s.spMetadataUrl} />],
          ]}
        />
        <details>
          <summary>SP signing certificate (PEM)</summary>
          <pre>{s.spCertificate}</pre>
        </details>
      </>
    );
  }
  if (connection.oidc) {
    return (
      <>
        <p className="muted">Register this redirect URI with the client at the OpenID provider.</p>
        <Facts items={[['Redirect URI', <CopyValue key="redirect" label="Redirect URI" value={connection.oidc.redirectUri} />]]} />
      </>
    );
  }
  return null;
}
