import { KeyledgerError } from '../../platform/errors.ts';
import { isLoopbackUrl } from '../urls.ts';

export { isLoopbackUrl };

/** What an organization's OIDC connection says about its identity provider and Keyledger as its client. */
export interface OidcConnectionConfig {
  /** The IdP's issuer identifier (discovery is at `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The scopes asked for; `openid` is always among them. Default {@link DEFAULT_OIDC_SCOPES}. */
  scopes?: string[];
  /** The connection's callback URL registered at the IdP. */
  redirectUri: string;
}

export const DEFAULT_OIDC_SCOPES: readonly string[] = ['openid', 'email', 'profile'];

/** The scopes a sign-in asks for: the configured ones (else the default), `openid` first, each once. */
export function resolveOidcScopes(config: Pick<OidcConnectionConfig, 'scopes'>): string[] {
  const asked = config.scopes && config.scopes.length > 0 ? config.scopes : DEFAULT_OIDC_SCOPES;
  return [...new Set(['openid', ...asked.map((s) => s.trim()).filter(Boolean)])];
}

/**
 * The issuer as a URL, once it passes the rules an issuer identifier must meet
 * (OpenID Connect Discovery §2, RFC 8414 §2): absolute, https (plain http only
 * on a loopback host, so tokens and codes never cross a network in clear), no
 * query, no fragment, no credentials. Throws sso.connection_invalid (details.field 'issuer').
 */
export function parseIssuerUrl(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw invalidIssuer(issuer, 'not_a_url', `The issuer "${issuer}" is not an absolute URL.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
    throw invalidIssuer(issuer, 'not_https', `The issuer "${issuer}" must use https (plain http is accepted only on 127.0.0.1, ::1 or localhost).`);
  }
  if (url.search || url.hash || issuer.includes('#')) {
    throw invalidIssuer(issuer, 'query_or_fragment', `The issuer "${issuer}" must not carry a query or a fragment.`);
  }
  if (url.username || url.password) {
    throw invalidIssuer(issuer, 'credentials_in_url', 'The issuer must not carry a user name or password.');
  }
  return url;
}

function invalidIssuer(issuer: string, reason: string, message: string): KeyledgerError {
  // A URL with credentials is not echoed back.
  return new KeyledgerError('sso.connection_invalid', message, { field: 'issuer', reason, ...(reason === 'credentials_in_url' ? {} : { value: issuer }) });
}
