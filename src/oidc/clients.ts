import type { CachedClient } from './client-cache.ts';
import type { ApplicationClient } from './applications/views.ts';
import type { ServiceAccountClient } from '../service-accounts/verification.ts';

export type { ApplicationClient, ServiceAccountClient };


/**
 * The `client_secret` the provider's client model sees for clients that
 * authenticate with a secret. The real secrets are stored only as hashes and
 * checked by `compareClientSecret` (replaced in provider.ts); this value is
 * never compared, and client_secret_jwt / HS* signing are not offered, so it
 * signs nothing.
 */
export const HASHED_SECRET_PLACEHOLDER = 'stored-hashed-never-compared-0000000000000000';

/** Keyledger's own client metadata, next to the registered OAuth/OIDC fields. */
export const EXTRA_CLIENT_METADATA = ['kl_org_id', 'kl_permissions', 'kl_kind', 'kl_access_token_ttl', 'kl_refresh_token_ttl', 'kl_id_token_ttl', 'kl_required_acr', 'kl_first_party'] as const;

export interface ClientSources {
  findApplication(clientId: string): Promise<ApplicationClient | undefined>;
  findServiceAccount(clientId: string): Promise<ServiceAccountClient | undefined>;
}

/** How the token request at hand authenticates its client, read from its headers before the provider parses the body. */
export type ClientAuthHint = 'basic' | 'assertion' | null;

export function applicationMetadata(app: ApplicationClient): Record<string, unknown> {
  const usesCode = app.grantTypes.includes('authorization_code');
  return {
    client_id: app.clientId,
    client_name: app.name,
    application_type: app.type === 'native' ? 'native' : 'web',
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    ...(app.tokenEndpointAuthMethod === 'client_secret_basic' ? { client_secret: HASHED_SECRET_PLACEHOLDER } : {}),
    ...(app.tokenEndpointAuthMethod === 'private_key_jwt' ? { jwks: app.jwks ?? { keys: [] }, token_endpoint_auth_signing_alg: undefined } : {}),
    grant_types: app.grantTypes,
    response_types: usesCode ? ['code'] : [],
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    scope: app.scopes.join(' '),
    kl_org_id: app.orgId,
    kl_kind: 'application',
    kl_access_token_ttl: app.accessTokenTtlSeconds,
    kl_refresh_token_ttl: app.refreshTokenTtlSeconds,
    kl_id_token_ttl: app.idTokenTtlSeconds,
    kl_required_acr: app.requiredAcr,
    kl_first_party: app.firstParty,
  };
}

/**
 * A service account as an OAuth client of the client-credentials grant: its
 * scopes are the permissions of the roles it holds now; it authenticates with
 * a secret (HTTP Basic) or a signed assertion (private_key_jwt) by one of its
 * active credentials. With both kinds active (moving from secrets to keys),
 * the request's own headers say which one is in use.
 */
export function serviceAccountMetadata(sa: ServiceAccountClient, scopes: string[], hint: ClientAuthHint): Record<string, unknown> {
  const keys = sa.credentials.filter((c) => c.kind === 'public_key' && c.jwk).map((c) => c.jwk as Record<string, unknown>);
  const hasSecret = sa.credentials.some((c) => c.kind === 'secret');
  const useJwt = keys.length > 0 && (!hasSecret || hint === 'assertion');
  return {
    client_id: sa.serviceAccountId,
    client_name: sa.name,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: useJwt ? 'private_key_jwt' : 'client_secret_basic',
    ...(useJwt ? { jwks: { keys } } : { client_secret: HASHED_SECRET_PLACEHOLDER }),
    // Permissions are not the provider's registered scopes, so they travel in Keyledger's own field and are checked at issuance.
    kl_permissions: scopes,
    kl_org_id: sa.orgId,
    kl_kind: 'service_account',
    kl_first_party: true,
  };
}

/** A client's metadata for the provider from its cached record: an application, else an active service account with a usable credential. */
export function createClientLoader(load: (clientId: string) => Promise<CachedClient | null>) {
  return async function loadClient(clientId: string, hint: ClientAuthHint): Promise<Record<string, unknown> | undefined> {
    const client = await load(clientId);
    const sa = client?.serviceAccount;
    if (sa) return sa.status === 'active' && sa.credentials.length > 0 ? serviceAccountMetadata(sa, sa.scopes, hint) : undefined;
    return client?.application ? applicationMetadata(client.application) : undefined;
  };
}
