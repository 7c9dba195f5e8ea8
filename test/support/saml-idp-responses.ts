import { randomBytes } from 'node:crypto';

/**
 * The XML of the SAML Responses the test IdP (saml-idp.ts) sends, before
 * samlify signs and encrypts them: the shape Okta and Entra ID send (one
 * assertion with Subject, Conditions, AuthnStatement, AttributeStatement),
 * valid against the SAML 2.0 schema, with every field a test may want to get
 * wrong exposed as an option.
 */

export interface SamlIdpUser {
  nameId: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  groups?: string[];
}

export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
export const CLASS_PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

export interface ResponseFields {
  issuer: string;
  /** Response Destination; null leaves the attribute out. */
  destination: string | null;
  /** InResponseTo on the Response and the SubjectConfirmationData; null for IdP-initiated. */
  inResponseTo: string | null;
  recipient: string;
  audience: string;
  issueInstant: Date;
  notBefore: Date;
  notOnOrAfter: Date;
  nameId: string;
  nameIdFormat: string;
  authnContextClassRef: string;
  sessionIndex: string;
  attributes: Record<string, string[]>;
}

/** A SAML ID (an NCName). */
export function samlId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

/** Escapes text for an XML attribute value or element content. */
export function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The attributes Okta sends with its usual attribute statements, for a user. */
export function oktaAttributes(user: SamlIdpUser): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (user.email) out.email = [user.email];
  if (user.givenName) out.firstName = [user.givenName];
  if (user.familyName) out.lastName = [user.familyName];
  if (user.groups) out.groups = user.groups;
  return out;
}

/** The claims Entra ID sends by default (WS-Federation claim URIs), for a user. */
export function entraAttributes(user: SamlIdpUser): Record<string, string[]> {
  const claims = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
  const out: Record<string, string[]> = {};
  out['http://schemas.microsoft.com/identity/claims/tenantid'] = ['8a5b7c2e-0d4f-4c1e-9a3b-2f6d8e1c0b7a'];
  if (user.email) out[`${claims}/emailaddress`] = [user.email];
  if (user.givenName) out[`${claims}/givenname`] = [user.givenName];
  if (user.familyName) out[`${claims}/surname`] = [user.familyName];
  if (user.givenName || user.familyName) out['http://schemas.microsoft.com/identity/claims/displayname'] = [[user.givenName, user.familyName].filter(Boolean).join(' ')];
  out[`${claims}/name`] = [user.email ?? user.nameId];
  if (user.groups) out['http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'] = user.groups;
  return out;
}

function attributeStatement(attributes: Record<string, string[]>): string {
  const entries = Object.entries(attributes);
  if (entries.length === 0) return '';
  const items = entries.map(
    ([name, values]) =>
      `<saml:Attribute Name="${xmlEscape(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:${name.includes(':') ? 'uri' : 'basic'}">` +
      values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${xmlEscape(v)}</saml:AttributeValue>`).join('') +
      '</saml:Attribute>',
  );
  return `<saml:AttributeStatement>${items.join('')}</saml:AttributeStatement>`;
}

/** A successful Response carrying one assertion (unsigned; samlify signs it). */
export function successResponseXml(f: ResponseFields, ids: { responseId: string; assertionId: string }): string {
  const t = (d: Date) => d.toISOString();
  const irt = f.inResponseTo === null ? '' : ` InResponseTo="${xmlEscape(f.inResponseTo)}"`;
  const destination = f.destination === null ? '' : ` Destination="${xmlEscape(f.destination)}"`;
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${ids.responseId}" Version="2.0" IssueInstant="${t(f.issueInstant)}"${destination}${irt}>` +
    `<saml:Issuer>${xmlEscape(f.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"/></samlp:Status>` +
    `<saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${ids.assertionId}" Version="2.0" IssueInstant="${t(f.issueInstant)}">` +
    `<saml:Issuer>${xmlEscape(f.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${xmlEscape(f.nameIdFormat)}">${xmlEscape(f.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${t(f.notOnOrAfter)}" Recipient="${xmlEscape(f.recipient)}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${t(f.notBefore)}" NotOnOrAfter="${t(f.notOnOrAfter)}"><saml:AudienceRestriction><saml:Audience>${xmlEscape(f.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${t(f.issueInstant)}" SessionIndex="${xmlEscape(f.sessionIndex)}"><saml:AuthnContext><saml:AuthnContextClassRef>${xmlEscape(f.authnContextClassRef)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    attributeStatement(f.attributes) +
    `</saml:Assertion></samlp:Response>`
  );
}

/** A Response with a non-Success status and no assertion (samlify's libsaml signs it as a message). */
export function errorResponseXml(
  f: Pick<ResponseFields, 'issuer' | 'destination' | 'inResponseTo' | 'issueInstant'>,
  status: { code: string; subCode?: string; message?: string },
  responseId: string,
): string {
  const irt = f.inResponseTo === null ? '' : ` InResponseTo="${xmlEscape(f.inResponseTo)}"`;
  const destination = f.destination === null ? '' : ` Destination="${xmlEscape(f.destination)}"`;
  const sub = status.subCode ? `<samlp:StatusCode Value="${xmlEscape(status.subCode)}"/>` : '';
  const message = status.message ? `<samlp:StatusMessage>${xmlEscape(status.message)}</samlp:StatusMessage>` : '';
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${responseId}" Version="2.0" IssueInstant="${f.issueInstant.toISOString()}"${destination}${irt}>` +
    `<saml:Issuer>${xmlEscape(f.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${xmlEscape(status.code)}">${sub}</samlp:StatusCode>${message}</samlp:Status>` +
    `</samlp:Response>`
  );
}
