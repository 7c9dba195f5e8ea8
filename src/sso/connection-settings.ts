import { KeyledgerError } from '../platform/errors.ts';
import type { SsoConnectionRow } from '../platform/schema-sso.ts';
import { connectionUrls } from './urls.ts';

/** An IdP signing certificate a SAML connection trusts. */
export interface TrustedCertificate {
  pem: string;
  fingerprint: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  addedAt: string;
}

/** What a SAML connection stores (`settings`); the SP private key is in `secret`. */
export interface SamlSettings {
  idpEntityId: string;
  ssoUrl: string;
  ssoBinding: 'redirect' | 'post';
  certificates: TrustedCertificate[];
  clockSkewSeconds: number;
  /** Where the metadata was imported from, when it came from a URL. */
  metadataUrl: string | null;
}

/** What an OIDC connection stores (`settings`); the client secret is in `secret`. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  scopes: string[];
}

/** Attribute (SAML) or claim (OIDC) names that override where each field is read from. */
export interface AttributeMapping {
  email?: string;
  givenName?: string;
  familyName?: string;
  name?: string;
  groups?: string;
}

export const MAPPING_FIELDS = ['email', 'givenName', 'familyName', 'name', 'groups'] as const;
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 300;
export const DEFAULT_OIDC_SCOPES = ['openid', 'email', 'profile'];

/** An SSO connection as the API shows it: never the SP private key or the client secret. */
export interface Connection {
  id: string;
  orgId: string;
  type: SsoConnectionRow['type'];
  name: string;
  status: SsoConnectionRow['status'];
  allowIdpInitiated: boolean;
  jitProvisioning: boolean;
  attributeMapping: AttributeMapping;
  loginUrl: string;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
  saml: null | {
    idpEntityId: string;
    ssoUrl: string;
    ssoBinding: SamlSettings['ssoBinding'];
    certificates: Omit<TrustedCertificate, 'pem'>[];
    clockSkewSeconds: number;
    metadataUrl: string | null;
    spEntityId: string;
    acsUrl: string;
    spMetadataUrl: string;
    spCertificate: string;
  };
  oidc: null | { issuer: string; clientId: string; scopes: string[]; redirectUri: string };
}

export function readSamlSettings(row: SsoConnectionRow): SamlSettings {
  return JSON.parse(row.settings) as SamlSettings;
}

export function readOidcSettings(row: SsoConnectionRow): OidcSettings {
  return JSON.parse(row.settings) as OidcSettings;
}

export function toConnection(row: SsoConnectionRow, publicUrl: string): Connection {
  const urls = connectionUrls(publicUrl, row.id);
  const saml = row.type === 'saml' ? readSamlSettings(row) : null;
  const oidc = row.type === 'oidc' ? readOidcSettings(row) : null;
  return {
    id: row.id,
    orgId: row.org_id,
    type: row.type,
    name: row.name,
    status: row.status,
    allowIdpInitiated: row.allow_idp_initiated === 1,
    jitProvisioning: row.jit_provisioning === 1,
    attributeMapping: JSON.parse(row.attribute_mapping) as AttributeMapping,
    loginUrl: urls.loginUrl,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
    saml: saml && {
      idpEntityId: saml.idpEntityId,
      ssoUrl: saml.ssoUrl,
      ssoBinding: saml.ssoBinding,
      certificates: saml.certificates.map(({ pem: _pem, ...rest }) => rest),
      clockSkewSeconds: saml.clockSkewSeconds,
      metadataUrl: saml.metadataUrl,
      spEntityId: urls.spEntityId,
      acsUrl: urls.acsUrl,
      spMetadataUrl: urls.metadataUrl,
      spCertificate: row.sp_certificate ?? '',
    },
    oidc: oidc && { issuer: oidc.issuer, clientId: oidc.clientId, scopes: oidc.scopes, redirectUri: urls.redirectUri },
  };
}

function invalid(field: string, message: string): KeyledgerError {
  return new KeyledgerError('sso.connection_invalid', message, { field });
}

/** Checks an attribute mapping: only known fields, each a non-empty attribute name. Throws `sso.connection_invalid`. */
export function checkAttributeMapping(mapping: unknown): AttributeMapping {
  if (mapping === undefined || mapping === null) return {};
  if (typeof mapping !== 'object' || Array.isArray(mapping)) throw invalid('attributeMapping', 'attributeMapping must be an object');
  const out: AttributeMapping = {};
  for (const [key, value] of Object.entries(mapping)) {
    if (!(MAPPING_FIELDS as readonly string[]).includes(key)) throw invalid(`attributeMapping.${key}`, `attributeMapping has unknown field "${key}"; known: ${MAPPING_FIELDS.join(', ')}`);
    if (typeof value !== 'string' || value.trim() === '' || value.length > 512) throw invalid(`attributeMapping.${key}`, `attributeMapping.${key} must be a non-empty attribute name`);
    out[key as keyof AttributeMapping] = value.trim();
  }
  return out;
}

/** A clock skew in whole seconds, 0–300; the default is 60. Throws `sso.connection_invalid`. */
export function checkClockSkew(value: unknown): number {
  if (value === undefined) return DEFAULT_CLOCK_SKEW_SECONDS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_CLOCK_SKEW_SECONDS) {
    throw invalid('clockSkewSeconds', `clockSkewSeconds must be an integer from 0 to ${MAX_CLOCK_SKEW_SECONDS}`);
  }
  return value;
}

/** OIDC scopes: must include openid; each a plain token. Throws `sso.connection_invalid`. */
export function checkScopes(value: unknown): string[] {
  if (value === undefined) return [...DEFAULT_OIDC_SCOPES];
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(s))) throw invalid('scopes', 'scopes must be an array of scope tokens');
  const scopes = [...new Set(value as string[])];
  if (!scopes.includes('openid')) throw invalid('scopes', 'scopes must include openid');
  return scopes;
}
