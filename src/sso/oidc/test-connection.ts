import type { OidcConnectionConfig } from './connection-config.ts';
import { chooseClientAuthMethod, discoverOidcProvider, type OidcClientAuthMethod } from './discover-provider.ts';

/** What the admin API's "check" step shows about an OIDC connection's IdP. */
export interface OidcConnectionCheck {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** The scopes the IdP advertises, or null when its document lists none. */
  scopesSupported: string[] | null;
  userinfoEndpoint: string | null;
  /** How Keyledger will authenticate at the token endpoint. */
  tokenEndpointAuthMethod: OidcClientAuthMethod;
}

/**
 * Runs discovery for a connection (never from the cache: the check is about
 * the IdP as it is now) and says what was found. Throws what
 * {@link discoverOidcProvider} throws (sso.connection_invalid, sso.metadata_unreachable).
 */
export async function testConnection(config: OidcConnectionConfig, opts: { timeoutMs?: number } = {}): Promise<OidcConnectionCheck> {
  const metadata = (await discoverOidcProvider(config, opts)).serverMetadata();
  return {
    issuer: metadata.issuer,
    // discoverOidcProvider refused a document without these three.
    authorizationEndpoint: metadata.authorization_endpoint!,
    tokenEndpoint: metadata.token_endpoint!,
    jwksUri: metadata.jwks_uri!,
    scopesSupported: Array.isArray(metadata.scopes_supported) ? [...metadata.scopes_supported] : null,
    userinfoEndpoint: metadata.userinfo_endpoint ?? null,
    tokenEndpointAuthMethod: chooseClientAuthMethod(metadata)!,
  };
}
