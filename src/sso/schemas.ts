import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../http/schemas.ts';
import { MAX_CLOCK_SKEW_SECONDS } from './connection-settings.ts';
import { MAX_SETUP_LINK_DAYS } from './setup-links.ts';

/*
 * The admin API's contract for enterprise SSO. Shapes are checked here
 * (400 request.invalid); what needs the network, a parser or the database
 * (metadata, certificates, discovery, a domain's syntax and owner) answers
 * with the service's own `sso.*` codes.
 */

const Org = Type.String({ minLength: 1, maxLength: 64 });
/** Text that is not only blanks (the service trims it). */
const Text = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, pattern: '\\S', ...(description ? { description } : {}) });
const Url = Type.String({ minLength: 1, maxLength: 2048 });
const Pem = Type.String({ minLength: 1, maxLength: 16_384, description: 'an X.509 certificate: PEM, or base64 DER' });
const Fingerprint = Type.String({ pattern: '^(?:[0-9A-Fa-f]{64}|(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2})$', description: 'SHA-256 fingerprint, hex (colons allowed)' });

export const ConnectionParams = Type.Object({ org: Org, id: Uuid }, { additionalProperties: false });
export const CertificateParams = Type.Object({ org: Org, id: Uuid, fingerprint: Fingerprint }, { additionalProperties: false });
export const GroupMappingParams = Type.Object({ org: Org, id: Uuid, mappingId: Uuid }, { additionalProperties: false });
export const DomainParams = Type.Object({ org: Org, id: Uuid }, { additionalProperties: false });
export const SetupLinkParams = Type.Object({ org: Org, id: Uuid }, { additionalProperties: false });

const AttributeName = Type.String({ minLength: 1, maxLength: 512, pattern: '\\S' });
const AttributeMapping = Type.Object(
  { email: Type.Optional(AttributeName), givenName: Type.Optional(AttributeName), familyName: Type.Optional(AttributeName), name: Type.Optional(AttributeName), groups: Type.Optional(AttributeName) },
  { additionalProperties: false, description: 'SAML attribute or OIDC claim names to read each field from, where the IdP does not use the usual ones' },
);
const Scopes = Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,64}$' }), { minItems: 1, maxItems: 20, description: 'must include openid (default openid email profile)' });
const ManualIdp = Type.Object(
  { entityId: Text(1024), ssoUrl: Url, certificates: Type.Array(Pem, { minItems: 1, maxItems: 10 }) },
  { additionalProperties: false, description: 'the IdP settings entered by hand, when there is no metadata' },
);

const connectionFields = {
  name: Text(200),
  jitProvisioning: Type.Optional(Type.Boolean({ description: 'create accounts at first sign-in for addresses in a verified domain (default true)' })),
  attributeMapping: Type.Optional(AttributeMapping),
  // SAML
  allowIdpInitiated: Type.Optional(Type.Boolean({ description: 'SAML: accept sign-ins started at the IdP (unsolicited responses); default false' })),
  clockSkewSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_CLOCK_SKEW_SECONDS, description: 'SAML: clock difference tolerated, 0–300 s (default 60)' })),
  metadataXml: Type.Optional(Type.String({ minLength: 1, maxLength: 200_000, description: 'SAML: the IdP metadata document' })),
  metadataUrl: Type.Optional(Url),
  idp: Type.Optional(ManualIdp),
  // OIDC
  issuer: Type.Optional(Url),
  clientId: Type.Optional(Text(512)),
  clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'OIDC: write-only; never returned' })),
  scopes: Type.Optional(Scopes),
};
const SAML_ONLY = ['allowIdpInitiated', 'clockSkewSeconds', 'metadataXml', 'metadataUrl', 'idp'];
const OIDC_ONLY = ['issuer', 'clientId', 'clientSecret', 'scopes'];
const SAML_SOURCES = ['metadataXml', 'metadataUrl', 'idp'];
/** None of `fields` present. */
const without = (fields: string[]) => ({ not: { anyOf: fields.map((f) => ({ required: [f] })) } });

/**
 * A SAML connection takes exactly one IdP source (metadataXml, metadataUrl or
 * idp) and no OIDC field; an OIDC connection takes issuer, clientId and
 * clientSecret and no SAML field.
 */
export const CreateConnectionBody = Type.Object(
  { type: Type.Union([Type.Literal('saml'), Type.Literal('oidc')]), ...connectionFields },
  {
    additionalProperties: false,
    oneOf: [
      ...SAML_SOURCES.map((source) => ({ properties: { type: { const: 'saml' } }, required: [source], ...without([...OIDC_ONLY, ...SAML_SOURCES.filter((s) => s !== source)]) })),
      { properties: { type: { const: 'oidc' } }, required: ['issuer', 'clientId', 'clientSecret'], ...without(SAML_ONLY) },
    ],
  },
);

/** Any field of a connection but its type and hand-entered IdP; metadata is re-imported from one source at a time. */
export const UpdateConnectionBody = Type.Object(
  {
    name: Type.Optional(connectionFields.name),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')], { description: 'a disabled connection signs nobody in' })),
    jitProvisioning: connectionFields.jitProvisioning,
    attributeMapping: connectionFields.attributeMapping,
    allowIdpInitiated: connectionFields.allowIdpInitiated,
    clockSkewSeconds: connectionFields.clockSkewSeconds,
    metadataXml: connectionFields.metadataXml,
    metadataUrl: connectionFields.metadataUrl,
    issuer: connectionFields.issuer,
    clientId: connectionFields.clientId,
    clientSecret: connectionFields.clientSecret,
    scopes: connectionFields.scopes,
  },
  { additionalProperties: false, minProperties: 1, not: { required: ['metadataXml', 'metadataUrl'] } },
);

const CertificateSchema = Type.Object({ fingerprint: Type.String(), subject: Type.String(), notBefore: Timestamp, notAfter: Timestamp, addedAt: Timestamp });

/** A connection as the API shows it: the SP private key and the client secret never appear. */
export const ConnectionSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  type: Type.String({ enum: ['saml', 'oidc'] }),
  name: Type.String(),
  status: Type.String({ enum: ['active', 'disabled'] }),
  allowIdpInitiated: Type.Boolean(),
  jitProvisioning: Type.Boolean(),
  attributeMapping: Type.Record(Type.String(), Type.String()),
  loginUrl: Type.String({ description: 'starts a sign-in through this connection' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastLoginAt: Nullable(Timestamp),
  saml: Nullable(
    Type.Object({
      idpEntityId: Type.String(),
      ssoUrl: Type.String(),
      ssoBinding: Type.String({ enum: ['redirect', 'post'] }),
      certificates: Type.Array(CertificateSchema, { description: 'IdP signing certificates trusted' }),
      clockSkewSeconds: Type.Integer(),
      metadataUrl: Nullable(Type.String()),
      spEntityId: Type.String({ description: 'give these three to the IdP administrator' }),
      acsUrl: Type.String(),
      spMetadataUrl: Type.String(),
      spCertificate: Type.String({ description: 'the SP signing certificate (PEM)' }),
    }),
  ),
  oidc: Nullable(Type.Object({ issuer: Type.String(), clientId: Type.String(), scopes: Type.Array(Type.String()), redirectUri: Type.String({ description: 'register this at the OIDC provider' }) })),
});

export const AddCertificateBody = Type.Object({ certificate: Pem }, { additionalProperties: false });

export const ConnectionTestSchema = Type.Object({
  id: Uuid,
  connectionId: Uuid,
  outcome: Type.String({ enum: ['succeeded', 'failed'] }),
  subject: Nullable(Type.String()),
  email: Nullable(Type.String()),
  attributes: Type.Record(Type.String(), Type.Array(Type.String())),
  errorCode: Nullable(Type.String()),
  createdAt: Timestamp,
});

export const GroupMappingSchema = Type.Object({ id: Uuid, connectionId: Uuid, group: Type.String(), roleId: Uuid, roleKey: Type.String(), privileged: Type.Boolean({ description: 'a privileged role is requested for approval at sign-in, never granted' }), createdAt: Timestamp });
export const CreateGroupMappingBody = Type.Object(
  { group: Text(512, 'the group value the IdP sends'), role: Type.String({ minLength: 1, maxLength: 128, description: 'the role: its id or key' }) },
  { additionalProperties: false },
);

export const DomainSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  domain: Type.String(),
  verified: Type.Boolean(),
  verifiedAt: Nullable(Timestamp),
  verifiedVia: Nullable(Type.String({ enum: ['dns', 'attestation'] })),
  txtRecord: Type.Object({ name: Type.String(), type: Type.Literal('TXT'), value: Type.String() }, { description: 'publish this DNS record, then verify' }),
  createdAt: Timestamp,
});
export const CreateDomainBody = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253, description: 'e.g. example.com' }) }, { additionalProperties: false });
export const AttestDomainBody = Type.Object({ statement: Text(500, 'what the administrator states (how ownership was established); kept in the ledger') }, { additionalProperties: false });

export const SetupLinkSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  prefix: Type.String({ description: 'the first characters of the link token, to recognise it' }),
  email: Nullable(Type.String()),
  connectionId: Type.String({ format: 'uuid', description: 'the id the connection configured through this link takes (it may not exist yet)' }),
  createdAt: Timestamp,
  createdBy: Type.Object({ type: Type.String(), id: Type.String() }),
  expiresAt: Timestamp,
  revokedAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
  state: Type.String({ enum: ['active', 'expired', 'revoked'] }),
});
export const StartedTestSchema = Type.Object({
  testId: Uuid,
  url: Type.String({ description: 'one-time link, shown this once: opened in a browser it runs the test sign-in at the IdP' }),
  expiresAt: Timestamp,
});
export const IssuedSetupLinkSchema = Type.Object({ link: SetupLinkSchema, url: Type.String({ description: 'the setup link, shown this once' }) });
export const CreateSetupLinkBody = Type.Object(
  {
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254, description: 'who the link is meant for (recorded, not enforced)' })),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SETUP_LINK_DAYS, description: 'default 7' })),
  },
  { additionalProperties: false },
);
