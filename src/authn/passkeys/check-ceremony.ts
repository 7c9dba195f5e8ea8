import { createHash } from 'node:crypto';
import { decodeAttestationObject, parseAuthenticatorData, type ParsedAuthenticatorData } from '@simplewebauthn/server/helpers';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/**
 * Pure checks of a WebAuthn response against what the ceremony expected,
 * run before the library's full verification so that each refusal has a
 * precise, stable reason (the library only throws messages). Rules enforced:
 * - the response is shaped like the browser's JSON (base64url fields, id = rawId, type public-key);
 * - clientDataJSON: the ceremony type, our challenge, an allowed origin, not from a cross-origin iframe;
 * - authenticatorData: the SHA-256 of our RP id, and the UP and UV flags (user present and verified).
 */

/** Which expectation a response broke. */
export type CeremonyCheck = 'malformed' | 'type' | 'challenge' | 'origin' | 'rp_id' | 'user_presence' | 'user_verification';

/** A broken expectation: what was expected and what the response carried. */
export interface CeremonyMismatch {
  check: CeremonyCheck;
  message: string;
  expected?: string;
  got?: string;
}

export interface CeremonyExpectation {
  type: 'webauthn.create' | 'webauthn.get';
  /** The challenge issued, base64url. */
  challenge: string;
  origins: readonly string[];
  rpId: string;
}

/** A credential id is at most 1023 bytes (WebAuthn L3), 1364 base64url characters. */
const CREDENTIAL_ID_RE = /^[A-Za-z0-9_-]{1,1364}$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]*={0,2}$/;

const mismatch = (check: CeremonyCheck, message: string, expected?: string, got?: string): CeremonyMismatch => ({ check, message, ...(expected !== undefined ? { expected } : {}), ...(got !== undefined ? { got } : {}) });

function isBase64url(value: unknown, maxLength = 65_536): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && BASE64URL_RE.test(value);
}

/** The credential id a response presents, or a mismatch when it is not shaped like one. */
function checkCredentialShape(value: unknown): CeremonyMismatch | null {
  const r = value as { id?: unknown; rawId?: unknown; type?: unknown; response?: unknown } | null;
  if (typeof r !== 'object' || r === null) return mismatch('malformed', 'the response is not an object');
  if (typeof r.id !== 'string' || !CREDENTIAL_ID_RE.test(r.id)) return mismatch('malformed', 'the credential id is not base64url of at most 1023 bytes');
  // The browser sets both from the same bytes; a difference means the JSON was built by hand.
  if (r.rawId !== r.id) return mismatch('malformed', 'rawId differs from id', r.id, String(r.rawId));
  if (r.type !== 'public-key') return mismatch('malformed', `unexpected credential type "${String(r.type)}", expected "public-key"`, 'public-key', String(r.type));
  if (typeof r.response !== 'object' || r.response === null) return mismatch('malformed', 'the response has no response object');
  return null;
}

/** Checks a registration response's shape; null when it is shaped like the browser's RegistrationResponseJSON. */
export function checkRegistrationShape(value: unknown): CeremonyMismatch | null {
  const bad = checkCredentialShape(value);
  if (bad) return bad;
  const res = (value as RegistrationResponseJSON).response;
  if (!isBase64url(res.clientDataJSON)) return mismatch('malformed', 'response.clientDataJSON is not base64url');
  if (!isBase64url(res.attestationObject)) return mismatch('malformed', 'response.attestationObject is not base64url');
  if (res.transports !== undefined && (!Array.isArray(res.transports) || res.transports.some((t) => typeof t !== 'string'))) return mismatch('malformed', 'response.transports is not a list of strings');
  return null;
}

/** Checks an authentication response's shape; null when it is shaped like the browser's AuthenticationResponseJSON. */
export function checkAuthenticationShape(value: unknown): CeremonyMismatch | null {
  const bad = checkCredentialShape(value);
  if (bad) return bad;
  const res = (value as AuthenticationResponseJSON).response;
  if (!isBase64url(res.clientDataJSON)) return mismatch('malformed', 'response.clientDataJSON is not base64url');
  if (!isBase64url(res.authenticatorData)) return mismatch('malformed', 'response.authenticatorData is not base64url');
  if (!isBase64url(res.signature, 2048)) return mismatch('malformed', 'response.signature is not base64url');
  if (res.userHandle !== undefined && res.userHandle !== null && !isBase64url(res.userHandle, 128)) return mismatch('malformed', 'response.userHandle is not base64url of at most 64 bytes');
  return null;
}

/** Checks clientDataJSON (base64url) against the ceremony: its type, our challenge, an allowed origin, top-level. */
export function checkClientData(clientDataJSON: string, expected: Pick<CeremonyExpectation, 'type' | 'challenge' | 'origins'>): CeremonyMismatch | null {
  let data: { type?: unknown; challenge?: unknown; origin?: unknown; crossOrigin?: unknown; topOrigin?: unknown };
  try {
    data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as typeof data;
  } catch {
    return mismatch('malformed', 'clientDataJSON is not JSON');
  }
  if (typeof data !== 'object' || data === null) return mismatch('malformed', 'clientDataJSON is not a JSON object');
  // A registration response replayed as a sign-in (or the reverse) is not the ceremony we started.
  if (data.type !== expected.type) return mismatch('type', `unexpected clientData type "${String(data.type)}", expected "${expected.type}"`, expected.type, String(data.type));
  // The signature covers our fresh challenge, or this is a replay of another ceremony.
  if (data.challenge !== expected.challenge) return mismatch('challenge', `unexpected challenge "${String(data.challenge)}", expected "${expected.challenge}"`, expected.challenge, String(data.challenge));
  // The browser names the page that ran the ceremony: a phishing site relaying to us shows up here.
  if (typeof data.origin !== 'string' || !expected.origins.includes(data.origin)) return mismatch('origin', `unexpected origin "${String(data.origin)}", expected one of ${expected.origins.join(', ')}`, expected.origins.join(', '), String(data.origin));
  // Keyledger's pages are never framed; a ceremony inside another site's iframe is refused.
  if (data.crossOrigin === true || data.topOrigin !== undefined) return mismatch('origin', `the ceremony ran in a cross-origin frame (top origin "${String(data.topOrigin)}")`, 'a top-level page', String(data.topOrigin ?? 'cross-origin'));
  return null;
}

/** Checks parsed authenticator data: our RP id's hash, user present, user verified. */
export function checkAuthenticatorData(authData: Pick<ParsedAuthenticatorData, 'rpIdHash' | 'flags'>, rpId: string): CeremonyMismatch | null {
  const expectedHash = createHash('sha256').update(rpId, 'ascii').digest();
  // The authenticator scopes credentials by RP id: another hash means a credential made for another site.
  if (!expectedHash.equals(Buffer.from(authData.rpIdHash))) return mismatch('rp_id', `rpIdHash is not SHA-256("${rpId}")`, expectedHash.toString('hex'), Buffer.from(authData.rpIdHash).toString('hex'));
  if (!authData.flags.up) return mismatch('user_presence', 'the authenticator did not report user presence (UP flag clear)', 'UP', 'no UP');
  // A passkey is a whole sign-in only when the authenticator verified the user (PIN or biometric).
  if (!authData.flags.uv) return mismatch('user_verification', 'the authenticator did not verify the user (UV flag clear)', 'UV', 'no UV');
  return null;
}

/** Parses base64url authenticator data; null when it is malformed. */
export function readAuthenticatorData(base64url: string): ParsedAuthenticatorData | null {
  try {
    return parseAuthenticatorData(Buffer.from(base64url, 'base64url'));
  } catch {
    return null;
  }
}

/** The authenticator data inside a base64url attestationObject; null when it is malformed. */
export function readAttestedAuthenticatorData(attestationObject: string): ParsedAuthenticatorData | null {
  try {
    return parseAuthenticatorData(decodeAttestationObject(Buffer.from(attestationObject, 'base64url')).get('authData'));
  } catch {
    return null;
  }
}

/** Every check of a response against its ceremony, in order; the first mismatch, or null. */
export function checkCeremony(clientDataJSON: string, authData: ParsedAuthenticatorData | null, expected: CeremonyExpectation): CeremonyMismatch | null {
  const client = checkClientData(clientDataJSON, expected);
  if (client) return client;
  if (!authData) return mismatch('malformed', 'authenticator data is malformed');
  return checkAuthenticatorData(authData, expected.rpId);
}
