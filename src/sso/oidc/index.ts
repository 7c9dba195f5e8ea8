/** The OIDC relying-party side of an SSO connection, as the rest of `src/sso` uses it. */
export type { Configuration } from 'openid-client';
export type { OidcConnectionConfig } from './connection-config.ts';
export { discoverOidcProvider } from './discover-provider.ts';
export { createOidcDiscoveryCache, type OidcDiscoveryCache } from './discovery-cache.ts';
export { flowSecrets } from './flow-secrets.ts';
export { createOidcAuthorizationUrl } from './authorization-url.ts';
export { completeOidcCallback } from './complete-callback.ts';
