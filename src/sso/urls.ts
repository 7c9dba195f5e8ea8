/**
 * The addresses of an SSO connection, derived from the public URL and the
 * connection id (nothing to store, nothing to drift):
 * - SAML: the SP entity id is the metadata URL (what Okta and Entra expect to
 *   be able to fetch), the ACS receives HTTP-POST responses;
 * - OIDC: one redirect URI per connection, registered at the customer's IdP;
 * - the login URL starts a sign-in through the connection (SP-initiated).
 */
export interface ConnectionUrls {
  loginUrl: string;
  spEntityId: string;
  acsUrl: string;
  metadataUrl: string;
  redirectUri: string;
}

export function connectionUrls(publicUrl: string, connectionId: string): ConnectionUrls {
  const base = publicUrl.replace(/\/$/, '');
  const id = encodeURIComponent(connectionId);
  return {
    loginUrl: `${base}/sso/${id}/login`,
    spEntityId: `${base}/sso/saml/${id}/metadata`,
    acsUrl: `${base}/sso/saml/${id}/acs`,
    metadataUrl: `${base}/sso/saml/${id}/metadata`,
    redirectUri: `${base}/sso/oidc/${id}/callback`,
  };
}

/** Whether a URL's host is this machine: the only place plain http is allowed for IdP endpoints. */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
