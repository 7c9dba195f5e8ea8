import { createHash } from 'node:crypto';
import type { FederatedIdentity } from '../federated-identity.ts';

/**
 * RFC 8176 methods that are a second factor or stronger on their own: mfa, a
 * one-time password, a hardware or software key (passkeys, FIDO), a smart card,
 * a fingerprint.
 */
const MFA_AMR = new Set(['mfa', 'otp', 'hwk', 'swk', 'sc', 'fpt']);

/**
 * acr values that name multi-factor assurance, as IdPs spell them: Keyledger's
 * own (urn:keyledger:acr:mfa, …:phr), the OpenID EAP values phr/phrh, PAPE's
 * multi-factor policies, Okta's urn:okta:loa:2fa:*, and NIST AAL2/AAL3 URIs.
 * "2fa:any:ifpossible" promises nothing, so it does not count.
 */
function acrSuggestsMfa(acr: string): boolean {
  const value = acr.toLowerCase();
  if (value.includes('ifpossible')) return false;
  const parts = value.split(/[:/#]/);
  if (parts.some((p) => p === 'mfa' || p === '2fa' || p === 'phr' || p === 'phrh' || p === 'multi-factor' || p === 'multi-factor-physical' || p === 'multifactor')) return true;
  return /(^|[:/])aal[:/]?[23]($|[:/])/.test(value);
}

/** Whether the IdP said the person used more than one factor (amr, else acr). */
export function claimsShowMfa(claims: Record<string, unknown>): boolean {
  const amr = claims.amr;
  if (Array.isArray(amr) && amr.some((m) => typeof m === 'string' && MFA_AMR.has(m.toLowerCase()))) return true;
  return typeof claims.acr === 'string' && acrSuggestsMfa(claims.acr);
}

/** The email the IdP vouches for, lower-cased; null when there is none or the IdP says it is not verified. */
export function verifiedEmail(claims: Record<string, unknown>): string | null {
  const email = claims.email;
  if (typeof email !== 'string' || email.trim() === '') return null;
  // Some IdPs send booleans as strings.
  if (claims.email_verified === false || claims.email_verified === 'false') return null;
  return email.trim().toLowerCase();
}

/** The `groups` claim as a list of names: an array (non-strings stringified), or one string as one group. */
export function groupsOf(claims: Record<string, unknown>): string[] {
  const groups = claims.groups;
  const list = Array.isArray(groups) ? groups : typeof groups === 'string' ? [groups] : [];
  return [...new Set(list.filter((g) => g !== null && g !== undefined).map((g) => (typeof g === 'string' ? g : JSON.stringify(g))).filter((g) => g !== ''))];
}

/** Every claim as name → string values (arrays element by element, objects as JSON); null claims are left out. */
export function claimsAsAttributes(claims: Record<string, unknown>): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === null || value === undefined) continue;
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== null && v !== undefined);
    attributes[name] = values.map((v) => (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)));
  }
  return attributes;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

export interface OidcIdentityInput {
  /** The verified ID token's claims. */
  idTokenClaims: Record<string, unknown>;
  /** The userinfo response, when the IdP has the endpoint (its `sub` was checked against the ID token's). */
  userinfo?: Record<string, unknown>;
  /** The ID token as received, only to name it when it has no `jti`. */
  idToken: string;
  /** The state this sign-in answered. */
  state: string;
}

/**
 * What the IdP said about the person, as the SSO service takes it. Subject
 * and issuer come from the ID token only; other claims from the ID token,
 * completed by userinfo (the ID token wins where both speak). Requires claims
 * that passed every protocol check (completeOidcCallback runs them).
 */
export function mapOidcIdentity(input: OidcIdentityInput): FederatedIdentity {
  const id = input.idTokenClaims;
  const claims: Record<string, unknown> = { ...(input.userinfo ?? {}), ...id };
  const exp = id.exp;
  return {
    subject: String(id.sub),
    issuer: String(id.iss),
    email: verifiedEmail(claims),
    givenName: text(claims.given_name),
    familyName: text(claims.family_name),
    name: text(claims.name),
    groups: groupsOf(claims),
    attributes: claimsAsAttributes(claims),
    tokenId: typeof id.jti === 'string' && id.jti !== '' ? id.jti : createHash('sha256').update(input.idToken).digest('base64url'),
    expiresAt: typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000).toISOString() : null,
    inResponseTo: input.state,
    mfa: claimsShowMfa(claims),
    sessionIndex: text(id.sid),
  };
}
