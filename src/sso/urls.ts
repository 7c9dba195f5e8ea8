import { KeyledgerError } from '../platform/errors.ts';

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

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Whether a URL's host is this machine: the only place plain http is allowed for IdP endpoints (development and tests). */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Checks a URL an SSO connection will call or send browsers to (metadata,
 * sign-in endpoint, issuer): https, or plain http only to a loopback host.
 * Throws `sso.connection_invalid` with details.field and details.reason.
 */
export function checkConnectionUrl(value: string, field: string): URL {
  if (typeof value !== 'string' || !URL.canParse(value)) throw new KeyledgerError('sso.connection_invalid', `${field} "${String(value)}" is not a URL`, { field, reason: 'not_a_url' });
  const url = new URL(value);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url))) return url;
  throw new KeyledgerError('sso.connection_invalid', `${field} must be an https URL (http only for 127.0.0.1, ::1 or localhost), got "${value}"`, { field, reason: 'not_https' });
}
