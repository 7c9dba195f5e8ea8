import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.ts';
import { MAX_SECRET_OVERLAP_SECONDS, TTL_BOUNDS } from './check-application.ts';
import { MAX_JWKS_KEYS } from './check-jwks.ts';

/*
 * Lists are bounded generously here (what a request may carry); the service's
 * rules (at most 20 redirect URIs, which grant types, which URIs) answer with
 * their own `application.*` codes, so a client learns which rule it broke.
 */

const ApplicationType = Type.Union([Type.Literal('web'), Type.Literal('spa'), Type.Literal('native')], { description: 'web: confidential server app; spa and native: public clients using PKCE, no secret' });
const AuthMethod = Type.Union([Type.Literal('client_secret_basic'), Type.Literal('private_key_jwt'), Type.Literal('none')]);
const Status = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);
const RequiredAcr = Nullable(Type.Union([Type.Literal('mfa'), Type.Literal('phishing_resistant')], { description: 'authentication the provider demands (with step-up) before issuing tokens to this app' }));
const Uri = Type.String({ minLength: 1, maxLength: 2000 });
const UriList = Type.Array(Uri, { maxItems: 100 });
const GrantTypes = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 10, description: 'a subset of authorization_code, refresh_token, client_credentials' });
const Scopes = Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,100}$' }), { maxItems: 100 });
const Jwk = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 30 });
const Jwks = Type.Object({ keys: Type.Array(Jwk, { minItems: 1, maxItems: MAX_JWKS_KEYS }) }, { additionalProperties: false, description: 'public keys (RSA ≥ 2048 bits, EC, OKP), each with a kid; private_key_jwt only' });
const Ttl = (field: keyof typeof TTL_BOUNDS, description: string) => Type.Integer({ minimum: TTL_BOUNDS[field].min, maximum: TTL_BOUNDS[field].max, description });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Description = Nullable(Type.String({ maxLength: 1000 }));

export const ApplicationSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  clientId: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  type: ApplicationType,
  tokenEndpointAuthMethod: AuthMethod,
  jwks: Nullable(Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) })),
  secretPrefix: Nullable(Type.String({ description: 'first characters of the current client secret' })),
  previousSecretExpiresAt: Nullable(Timestamp),
  redirectUris: Type.Array(Type.String()),
  postLogoutRedirectUris: Type.Array(Type.String()),
  grantTypes: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  accessTokenTtlSeconds: Type.Integer(),
  refreshTokenTtlSeconds: Type.Integer(),
  idTokenTtlSeconds: Type.Integer(),
  requiredAcr: RequiredAcr,
  firstParty: Type.Boolean(),
  status: Status,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const CreatedApplicationSchema = Type.Object({
  application: ApplicationSchema,
  clientSecret: Type.Optional(Type.String({ description: 'the client secret (client_secret_basic only); shown here once, never again' })),
});
export const RotatedSecretSchema = Type.Object({ application: ApplicationSchema, clientSecret: Type.String({ description: 'the new client secret; shown here once, never again' }) });

const settingFields = {
  description: Type.Optional(Description),
  redirectUris: Type.Optional(UriList),
  postLogoutRedirectUris: Type.Optional(UriList),
  grantTypes: Type.Optional(GrantTypes),
  scopes: Type.Optional(Scopes),
  accessTokenTtlSeconds: Type.Optional(Ttl('accessTokenTtlSeconds', 'access token lifetime, 60–3600 s (default 600)')),
  refreshTokenTtlSeconds: Type.Optional(Ttl('refreshTokenTtlSeconds', 'refresh token lifetime, 1 hour to 90 days (default 30 days)')),
  idTokenTtlSeconds: Type.Optional(Ttl('idTokenTtlSeconds', 'ID token lifetime, 60–3600 s (default 600)')),
  requiredAcr: Type.Optional(RequiredAcr),
  firstParty: Type.Optional(Type.Boolean({ description: 'first-party apps skip the consent screen (default true)' })),
};

export const CreateApplicationBody = Type.Object(
  { name: Name, type: ApplicationType, tokenEndpointAuthMethod: Type.Optional(AuthMethod), jwks: Type.Optional(Nullable(Jwks)), ...settingFields },
  { additionalProperties: false },
);
export const UpdateApplicationBody = Type.Object({ name: Type.Optional(Name), jwks: Type.Optional(Nullable(Jwks)), status: Type.Optional(Status), ...settingFields }, { additionalProperties: false, minProperties: 1 });
export const RotateSecretBody = Type.Object(
  { overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SECRET_OVERLAP_SECONDS, description: 'how long the replaced secret stays valid, 0 to 7 days (default 0)' })) },
  { additionalProperties: false },
);
export const ApplicationParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid });
