import { KeyledgerError } from '../../platform/errors.ts';
import { checkJwks, type Jwks } from './check-jwks.ts';
import { checkRedirectUris, type ApplicationType } from './check-redirect-uris.ts';

/**
 * The rules an application's settings obey as a whole, checked on every
 * create and every change (a change is checked as the state it leads to):
 *  - web apps are confidential and authenticate at the token endpoint with
 *    client_secret_basic or private_key_jwt; spa and native apps are public
 *    (`none`, PKCE, no secret) (RFC 9700 §2.1.1, RFC 8252 §8.4);
 *  - private_key_jwt needs a JWKS of public keys, other methods take none;
 *  - grant types are a subset of authorization_code, refresh_token and
 *    client_credentials; implicit and password are refused (RFC 9700 §2.1.2,
 *    §2.4); client_credentials only for confidential apps; refresh_token only
 *    with authorization_code;
 *  - authorization_code needs at least one redirect URI; every redirect and
 *    post-logout URI obeys checkRedirectUri;
 *  - token lifetimes stay within TTL_BOUNDS.
 */

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'private_key_jwt' | 'none';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';
export type RequiredAcr = 'mfa' | 'phishing_resistant' | null;

export const APPLICATION_TYPES: readonly ApplicationType[] = ['web', 'spa', 'native'];
export const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];
/** Grant types the OAuth 2.0 Security BCP (RFC 9700) forbids; refused with `application.grant_type_insecure`. */
export const INSECURE_GRANT_TYPES = ['implicit', 'password'] as const;
export const REQUIRED_ACRS = ['mfa', 'phishing_resistant'] as const;

export const DAY_SECONDS = 86_400;
export const TTL_BOUNDS = {
  accessTokenTtlSeconds: { min: 60, max: 3600 },
  refreshTokenTtlSeconds: { min: 3600, max: 90 * DAY_SECONDS },
  idTokenTtlSeconds: { min: 60, max: 3600 },
} as const;
export type TtlField = keyof typeof TTL_BOUNDS;

export const APPLICATION_DEFAULTS = {
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  grantTypes: ['authorization_code', 'refresh_token'] as GrantType[],
  accessTokenTtlSeconds: 600,
  refreshTokenTtlSeconds: 30 * DAY_SECONDS,
  idTokenTtlSeconds: 600,
  firstParty: true,
} as const;

/** The longest rotation overlap: how long a replaced client secret may stay valid. */
export const MAX_SECRET_OVERLAP_SECONDS = 7 * DAY_SECONDS;

/** An application's protocol settings, complete: what create writes and what a change leads to. */
export interface ApplicationSettings {
  type: ApplicationType;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  jwks: Jwks | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: GrantType[];
  scopes: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  idTokenTtlSeconds: number;
  requiredAcr: RequiredAcr;
  firstParty: boolean;
}

/** The token endpoint method a type defaults to: a web app gets a client secret, public clients none. */
export function defaultAuthMethod(type: ApplicationType): TokenEndpointAuthMethod {
  return type === 'web' ? 'client_secret_basic' : 'none';
}

/** Whether an application of this type and method is a confidential client (authenticates at the token endpoint). */
export function isConfidential(method: TokenEndpointAuthMethod): boolean {
  return method !== 'none';
}

/** Checks the token endpoint method against the type, and the JWKS against the method. Returns the checked JWKS. */
export function checkAuthMethod(type: ApplicationType, method: TokenEndpointAuthMethod, jwks: unknown): Jwks | null {
  const allowed: TokenEndpointAuthMethod[] = type === 'web' ? ['client_secret_basic', 'private_key_jwt'] : ['none'];
  if (!allowed.includes(method)) {
    const why = type === 'web' ? 'a web app is a confidential client and must authenticate' : `a ${type} app is a public client: it cannot keep a secret and uses PKCE instead`;
    throw new KeyledgerError('application.auth_method_invalid', `tokenEndpointAuthMethod "${method}" is not allowed for a ${type} app (${why}); expected ${allowed.join(' or ')}`, { type, tokenEndpointAuthMethod: method, allowed });
  }
  if (method === 'private_key_jwt') {
    if (jwks === undefined || jwks === null) throw new KeyledgerError('application.jwks_invalid', 'private_key_jwt needs jwks: the public keys the app signs its client assertions with', {});
    return checkJwks(jwks);
  }
  if (jwks !== undefined && jwks !== null) throw new KeyledgerError('application.jwks_invalid', `jwks is only for private_key_jwt; this app authenticates with ${method}`, {});
  return null;
}

/** Checks grant types against the type and method; returns them without duplicates, in GRANT_TYPES order. */
export function checkGrantTypes(grantTypes: readonly string[], method: TokenEndpointAuthMethod): GrantType[] {
  for (const g of grantTypes) {
    if ((INSECURE_GRANT_TYPES as readonly string[]).includes(g)) {
      throw new KeyledgerError('application.grant_type_insecure', `grant type "${g}" is forbidden by the OAuth 2.0 Security Best Current Practice (RFC 9700); use authorization_code with PKCE`, { grantType: g, rfc: 'RFC 9700' });
    }
    if (!(GRANT_TYPES as readonly string[]).includes(g)) {
      throw new KeyledgerError('application.grant_type_unsupported', `grant type ${JSON.stringify(g.slice(0, 100))} is not supported; expected a subset of ${GRANT_TYPES.join(', ')}`, { grantType: g.slice(0, 100) });
    }
  }
  const set = GRANT_TYPES.filter((g) => grantTypes.includes(g));
  if (set.length === 0) throw new KeyledgerError('application.grant_types_invalid', 'an application needs at least one grant type', { grantTypes: [] });
  if (set.includes('client_credentials') && !isConfidential(method)) {
    throw new KeyledgerError('application.grant_types_invalid', 'client_credentials is only for confidential web apps: a public client cannot prove who it is', { grantTypes: set });
  }
  if (set.includes('refresh_token') && !set.includes('authorization_code')) {
    throw new KeyledgerError('application.grant_types_invalid', 'refresh_token needs authorization_code: refresh tokens are only issued by the code flow here', { grantTypes: set });
  }
  return set;
}

/** Checks one lifetime against its bounds. Throws `request.invalid` (the HTTP schema says the same; this holds for every other caller). */
export function checkTtl(field: TtlField, value: number): number {
  const { min, max } = TTL_BOUNDS[field];
  if (!Number.isInteger(value) || value < min || value > max) throw new KeyledgerError('request.invalid', `${field} must be a whole number of seconds from ${min} to ${max}, got ${value}`, { field, min, max });
  return value;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/;

/** Checks scope names (RFC 6749 §3.3 scope-token); returns them without duplicates. */
export function checkScopes(scopes: readonly string[]): string[] {
  const bad = scopes.find((s) => !SCOPE_TOKEN.test(s));
  if (bad !== undefined) throw new KeyledgerError('request.invalid', `scope ${JSON.stringify(bad.slice(0, 100))} is not an RFC 6749 scope token (1–100 printable characters, no space, quote or backslash)`);
  return [...new Set(scopes)];
}

/** Checks a complete settings record; returns it normalised (lists deduplicated, grant types ordered). */
export function checkApplicationSettings(s: ApplicationSettings): ApplicationSettings {
  if (!APPLICATION_TYPES.includes(s.type)) throw new KeyledgerError('request.invalid', `type must be one of ${APPLICATION_TYPES.join(', ')}, got ${JSON.stringify(s.type)}`);
  const jwks = checkAuthMethod(s.type, s.tokenEndpointAuthMethod, s.jwks);
  const grantTypes = checkGrantTypes(s.grantTypes, s.tokenEndpointAuthMethod);
  const redirectUris = checkRedirectUris(s.redirectUris, s.type, 'redirectUris');
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new KeyledgerError('application.redirect_uri_required', 'authorization_code needs at least one redirect URI', { field: 'redirectUris' });
  }
  const postLogoutRedirectUris = checkRedirectUris(s.postLogoutRedirectUris, s.type, 'postLogoutRedirectUris');
  if (s.requiredAcr !== null && !(REQUIRED_ACRS as readonly string[]).includes(s.requiredAcr)) {
    throw new KeyledgerError('request.invalid', `requiredAcr must be null or one of ${REQUIRED_ACRS.join(', ')}, got ${JSON.stringify(s.requiredAcr)}`);
  }
  for (const field of Object.keys(TTL_BOUNDS) as TtlField[]) checkTtl(field, s[field]);
  return { ...s, jwks, grantTypes, redirectUris, postLogoutRedirectUris, scopes: checkScopes(s.scopes), firstParty: s.firstParty === true };
}
