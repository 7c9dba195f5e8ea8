import { randomBytes } from 'node:crypto';
import { SAML, ValidateInResponseTo, generateServiceProviderMetadata, type SamlConfig } from '@node-saml/node-saml';
import { KeyledgerError } from '../../platform/errors.ts';
import type { FederatedIdentity } from '../federated-identity.ts';
import { checkAudience, checkDestination, checkInResponseTo, checkIssuer, checkValidity, findConfirmation } from './assertion-checks.ts';
import { readFederatedIdentity } from './assertion-identity.ts';
import { checkResponseStatus, checkSignedStructure, readResponseEnvelope, type ResponseEnvelope } from './response-structure.ts';
import { explainUnverified } from './signature-diagnosis.ts';
import { NS, childElement, isElement, parseXml } from './xml.ts';

/** One organization's SAML connection, as the SSO service hands it to the protocol code (keys decrypted, certificates as PEM). */
export interface SamlConnectionConfig {
  idpEntityId: string;
  ssoUrl: string;
  ssoBinding: 'redirect' | 'post';
  /** The IdP signing certificates (PEM); two during a rollover. Only these verify signatures, never a certificate the response carries. */
  certificates: string[];
  spEntityId: string;
  acsUrl: string;
  spPrivateKeyPem: string;
  spCertificatePem: string;
  clockSkewSeconds: number;
  allowIdpInitiated: boolean;
}

export type AuthnRequestStart =
  | { requestId: string; redirectUrl: string }
  | { requestId: string; form: { action: string; fields: Record<string, string> } };

// Redirect-binding signatures cover the URL-encoded RelayState, and node-saml encodes what it signs and what it
// sends slightly differently outside these characters; SAML bindings §3.4.3 caps RelayState at 80 bytes.
const RELAY_STATE = /^[A-Za-z0-9_.-]{1,80}$/;

/** node-saml's settings for a connection: verification with the configured certificates, checks Keyledger does itself turned off. */
function samlOptions(config: SamlConnectionConfig, overrides: Partial<SamlConfig> = {}): SamlConfig {
  return {
    idpCert: config.certificates,
    issuer: config.spEntityId,
    callbackUrl: config.acsUrl,
    entryPoint: config.ssoUrl,
    privateKey: config.spPrivateKeyPem,
    publicCert: config.spCertificatePem,
    decryptionPvk: config.spPrivateKeyPem,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    // A signed Response or a signed assertion will do (IdPs differ); structure checks refuse an unsigned one first.
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: false,
    // Audience and InResponseTo are checked by assertion-checks.ts, with Keyledger's own error codes.
    audience: false,
    validateInResponseTo: ValidateInResponseTo.never,
    // node-saml checks Conditions against the real clock; it gets the connection's skew.
    acceptedClockSkewMs: config.clockSkewSeconds * 1000,
    // Asking for PasswordProtectedTransport (node-saml's default) would forbid IdPs from using MFA.
    disableRequestedAuthnContext: true,
    identifierFormat: null,
    ...overrides,
  };
}

/**
 * The SP metadata document an administrator gives the IdP: an
 * EntityDescriptor (entityID = spEntityId) whose SPSSODescriptor has
 * AuthnRequestsSigned and WantAssertionsSigned true, the SP certificate as
 * both signing and encryption key, NameIDFormat emailAddress and one HTTP-POST
 * AssertionConsumerService at acsUrl.
 */
export function serviceProviderMetadata(config: SamlConnectionConfig): string {
  return generateServiceProviderMetadata({
    issuer: config.spEntityId,
    callbackUrl: config.acsUrl,
    privateKey: config.spPrivateKeyPem,
    publicCerts: config.spCertificatePem,
    decryptionPvk: config.spPrivateKeyPem,
    decryptionCert: config.spCertificatePem,
    signatureAlgorithm: 'sha256',
    identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    wantAssertionsSigned: true,
    generateUniqueId: newSamlId,
  });
}

/** A SAML ID: an NCName (it must not start with a digit) with 160 random bits. */
function newSamlId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/**
 * Starts an SP-initiated sign-in: a signed AuthnRequest with a fresh id (store
 * it; validateSamlResponse asks for it back through expectedRequestId). For
 * the HTTP-Redirect binding, the URL to send the browser to (query-string
 * signature); for HTTP-POST, the form to auto-submit (enveloped XML
 * signature). `relayState` must be 1–80 characters of [A-Za-z0-9_.-] (e.g. a
 * base64url state token) — a programming error otherwise.
 */
export async function createAuthnRequest(config: SamlConnectionConfig, relayState: string): Promise<AuthnRequestStart> {
  if (!RELAY_STATE.test(relayState)) throw new KeyledgerError('internal', 'RelayState must be 1 to 80 characters of [A-Za-z0-9_.-]');
  const requestId = newSamlId();
  const saml = new SAML(samlOptions(config, { generateUniqueId: () => requestId, skipRequestCompression: config.ssoBinding === 'post' }));
  if (config.ssoBinding === 'redirect') {
    return { requestId, redirectUrl: await saml.getAuthorizeUrlAsync(relayState, undefined, {}) };
  }
  const fields = (await saml.getAuthorizeMessageAsync(relayState, undefined, {})) as Record<string, string>;
  return { requestId, form: { action: config.ssoUrl, fields } };
}

/**
 * Verifies the response's signature with node-saml and returns the signed
 * assertion's XML — the bytes the IdP's signature covers, canonicalized
 * (comments dropped), decrypted first when it was encrypted. When node-saml
 * refuses, it is asked again with its clock check off: if that passes, the
 * real clock was the reason (saml_expired / saml_not_yet_valid); otherwise
 * explainUnverified says what was wrong with the signature.
 */
async function verifiedAssertionXml(config: SamlConnectionConfig, envelope: ResponseEnvelope): Promise<string> {
  const verify = async (overrides: Partial<SamlConfig>) => {
    const { profile } = await new SAML(samlOptions(config, overrides)).validatePostResponseAsync({ SAMLResponse: envelope.base64 });
    if (!profile) throw new KeyledgerError('sso.saml_response_invalid', 'The response carries no sign-in', { reason: 'no_assertion' });
    return profile.getAssertionXml!();
  };
  try {
    return await verify({});
  } catch (err) {
    if (err instanceof KeyledgerError) throw err;
    let assertionXml: string;
    try {
      assertionXml = await verify({ acceptedClockSkewMs: -1 });
    } catch {
      throw explainUnverified(envelope.root, envelope.xml, config.certificates, config.spPrivateKeyPem);
    }
    const assertion = readAssertion(assertionXml);
    checkValidity(assertion, findConfirmation(assertion, config.acsUrl), new Date(), config.clockSkewSeconds);
    throw new KeyledgerError('sso.saml_response_invalid', 'The response was refused', { reason: 'rejected' });
  }
}

function readAssertion(xml: string) {
  const parsed = parseXml(xml);
  if (!parsed.ok || !isElement(parsed.root, NS.assertion, 'Assertion')) {
    throw new KeyledgerError('sso.saml_response_invalid', 'The signed content is not a SAML assertion', { reason: 'not_assertion' });
  }
  return parsed.root;
}

/**
 * Validates a SAMLResponse POSTed to the ACS and returns who signed in.
 * In order, it refuses:
 * - not base64 / not XML / not a SAML 2.0 Response → sso.saml_response_invalid;
 * - a non-Success status → sso.saml_idp_error (details.status);
 * - signature wrapping, duplicate ids, nothing signed → sso.saml_signature_invalid
 *   ('xsw', 'duplicate_id', 'unsigned'); more than one assertion →
 *   sso.saml_multiple_assertions;
 * - no valid signature by a configured certificate (KeyInfo is never trusted)
 *   → sso.saml_signature_invalid ('wrong_key', 'altered', 'not_verified');
 *   an encrypted assertion the SP key cannot open → saml_response_invalid 'undecryptable';
 * - Issuer ≠ idpEntityId → saml_issuer_mismatch; Audience ≠ spEntityId →
 *   saml_audience_mismatch; Recipient ≠ acsUrl → saml_recipient_mismatch;
 *   Destination present and ≠ acsUrl → saml_destination_mismatch;
 * - outside NotBefore/NotOnOrAfter at opts.now ± clockSkewSeconds (and, by
 *   node-saml, on the real clock) → saml_not_yet_valid / saml_expired;
 * - no NameID → saml_response_invalid 'no_name_id';
 * - InResponseTo unknown to expectedRequestId, or absent when IdP-initiated
 *   sign-in is off → saml_request_unknown. expectedRequestId is called only
 *   when every other check has passed, at most once.
 * Replay is the caller's: record identity.tokenId until identity.expiresAt.
 */
export async function validateSamlResponse(
  config: SamlConnectionConfig,
  samlResponse: string,
  opts: { now: Date; expectedRequestId: (inResponseTo: string) => Promise<boolean> },
): Promise<FederatedIdentity> {
  const envelope = readResponseEnvelope(samlResponse);
  checkResponseStatus(envelope.root);
  checkSignedStructure(envelope.root);

  const assertion = readAssertion(await verifiedAssertionXml(config, envelope));
  checkIssuer(childElement(envelope.root, NS.assertion, 'Issuer'), config.idpEntityId, 'Response');
  checkIssuer(childElement(assertion, NS.assertion, 'Issuer'), config.idpEntityId, 'Assertion');
  checkAudience(assertion, config.spEntityId);
  const confirmation = findConfirmation(assertion, config.acsUrl);
  checkDestination(envelope.root, config.acsUrl);
  const expiresAt = checkValidity(assertion, confirmation, opts.now, config.clockSkewSeconds);
  const identity = readFederatedIdentity(assertion, { inResponseTo: null, expiresAt });
  // Last, so a caller whose expectedRequestId consumes the pending request only does so for an otherwise valid response.
  const inResponseTo = await checkInResponseTo(envelope.root, confirmation, config.allowIdpInitiated, opts.expectedRequestId);
  return { ...identity, inResponseTo };
}
