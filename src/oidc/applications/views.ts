import type { JsonWebKey } from 'node:crypto';
import type { OidcApplicationRow } from '../../platform/schema.ts';
import type { ApplicationType } from './check-redirect-uris.ts';
import type { ApplicationSettings, GrantType, RequiredAcr, TokenEndpointAuthMethod } from './check-application.ts';
import type { Jwks } from './check-jwks.ts';

/** An application as the admin API shows it: never a secret or a hash, only the secret's prefix. */
export interface Application extends ApplicationSettings {
  id: string;
  orgId: string;
  clientId: string;
  name: string;
  description: string | null;
  /** The first characters of the current client secret (client_secret_basic only), to tell secrets apart. */
  secretPrefix: string | null;
  /** Until when the secret replaced by the newest rotation is still accepted; null when none is. */
  previousSecretExpiresAt: string | null;
  status: OidcApplicationRow['status'];
  createdAt: string;
  updatedAt: string;
}

/**
 * What the OIDC provider needs to serve a client: its protocol settings and
 * the organization it belongs to. Only active applications of existing
 * organizations are ever handed out.
 */
export interface ApplicationClient extends Omit<ApplicationSettings, 'jwks'> {
  applicationId: string;
  orgId: string;
  clientId: string;
  name: string;
  jwks?: { keys: JsonWebKey[] };
}

export function toApplication(row: OidcApplicationRow): Application {
  return {
    id: row.id,
    orgId: row.org_id,
    clientId: row.client_id,
    name: row.name,
    description: row.description,
    type: row.type,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
    jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as Jwks),
    secretPrefix: row.secret_prefix,
    previousSecretExpiresAt: row.previous_secret_hash === null ? null : row.previous_secret_expires_at,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    grantTypes: JSON.parse(row.grant_types) as GrantType[],
    scopes: JSON.parse(row.scopes) as string[],
    accessTokenTtlSeconds: Number(row.access_token_ttl_seconds),
    refreshTokenTtlSeconds: Number(row.refresh_token_ttl_seconds),
    idTokenTtlSeconds: Number(row.id_token_ttl_seconds),
    requiredAcr: row.required_acr,
    firstParty: Number(row.first_party) === 1,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The protocol settings of an application, without its keys: what the provider serves and what events record. */
export function settingsOf(app: ApplicationSettings): Omit<ApplicationSettings, 'jwks'> {
  const { type, tokenEndpointAuthMethod, redirectUris, postLogoutRedirectUris, grantTypes, scopes, accessTokenTtlSeconds, refreshTokenTtlSeconds, idTokenTtlSeconds, requiredAcr, firstParty } = app;
  return { type, tokenEndpointAuthMethod, redirectUris, postLogoutRedirectUris, grantTypes, scopes, accessTokenTtlSeconds, refreshTokenTtlSeconds, idTokenTtlSeconds, requiredAcr, firstParty };
}

export function toApplicationClient(row: OidcApplicationRow): ApplicationClient {
  const app = toApplication(row);
  return { applicationId: app.id, orgId: app.orgId, clientId: app.clientId, name: app.name, ...settingsOf(app), ...(app.jwks ? { jwks: app.jwks } : {}) };
}

/** The settings columns of a row, for insert and update. */
export function settingsColumns(s: ApplicationSettings) {
  return {
    type: s.type,
    token_endpoint_auth_method: s.tokenEndpointAuthMethod,
    jwks: s.jwks === null ? null : JSON.stringify(s.jwks),
    redirect_uris: JSON.stringify(s.redirectUris),
    post_logout_redirect_uris: JSON.stringify(s.postLogoutRedirectUris),
    grant_types: JSON.stringify(s.grantTypes),
    scopes: JSON.stringify(s.scopes),
    access_token_ttl_seconds: s.accessTokenTtlSeconds,
    refresh_token_ttl_seconds: s.refreshTokenTtlSeconds,
    id_token_ttl_seconds: s.idTokenTtlSeconds,
    required_acr: s.requiredAcr,
    first_party: s.firstParty ? 1 : 0,
  };
}
