import type { Element } from '@xmldom/xmldom';
import { KeyledgerError } from '../../platform/errors.ts';
import type { FederatedIdentity } from '../federated-identity.ts';
import { NS, attr, childElement, childElements, textOf } from './xml.ts';

/**
 * Maps a verified assertion to the FederatedIdentity contract. IdPs name the
 * same facts differently (Okta: `email`, `firstName`; Entra ID and AD FS: the
 * WS-Federation claim URIs; Shibboleth: LDAP OIDs), so each field takes the
 * first of its known names that the assertion carries, compared without case.
 */

const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

const EMAIL_NAMES = ['email', 'mail', 'emailaddress', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'urn:oid:0.9.2342.19200300.100.1.3'];
const GIVEN_NAMES = ['givenname', 'firstname', 'first_name', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname', 'urn:oid:2.5.4.42'];
const FAMILY_NAMES = ['sn', 'surname', 'lastname', 'last_name', 'familyname', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname', 'urn:oid:2.5.4.4'];
const DISPLAY_NAMES = ['displayname', 'name', 'http://schemas.microsoft.com/identity/claims/displayname', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', 'urn:oid:2.16.840.1.113730.3.1.241'];
const GROUP_NAMES = ['groups', 'memberof', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups', 'http://schemas.xmlsoap.org/claims/group', 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1'];
/** Entra ID and AD FS list the methods used here; multipleauthn means MFA. */
const AUTHN_METHODS = 'http://schemas.microsoft.com/claims/authnmethodsreferences';

/** AuthnContextClassRefs that mean more than one factor, or a factor that is not a shared secret. */
const MFA_CLASS_REFS = new Set([
  'http://schemas.microsoft.com/claims/multipleauthn',
  'https://refeds.org/profile/mfa',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:X509',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered',
]);
const MFA_PATTERN = /multi-?factor|multipleauthn|two-?factor|\bmfa\b/i;

/** Whether an AuthnContextClassRef (or Entra/AD FS authentication method) says more than one factor was used. */
export function isMultiFactorContext(ref: string): boolean {
  return MFA_CLASS_REFS.has(ref) || MFA_PATTERN.test(ref);
}

/** Every attribute of every AttributeStatement: name → values (an attribute sent twice has its values merged). */
export function readAttributes(assertion: Element): Record<string, string[]> {
  // A Map, then fromEntries: an attribute named "__proto__" becomes a plain own property.
  const out = new Map<string, string[]>();
  for (const statement of childElements(assertion, NS.assertion, 'AttributeStatement')) {
    for (const attribute of childElements(statement, NS.assertion, 'Attribute')) {
      const name = attr(attribute, 'Name');
      if (!name) continue;
      const values = childElements(attribute, NS.assertion, 'AttributeValue').map(textOf).filter((v) => v !== '');
      out.set(name, [...(out.get(name) ?? []), ...values]);
    }
  }
  return Object.fromEntries(out);
}

function lookup(attributes: Record<string, string[]>, names: string[]): string[] {
  const lowered = new Map<string, string[]>();
  for (const [name, values] of Object.entries(attributes)) {
    const key = name.toLowerCase();
    if (!lowered.has(key)) lowered.set(key, values);
  }
  for (const name of names) {
    const values = lowered.get(name);
    if (values && values.length > 0) return values;
  }
  return [];
}

/**
 * The FederatedIdentity a verified assertion asserts. Requires a NameID
 * (saml_response_invalid 'no_name_id'). The email is the NameID when its
 * format is emailAddress, else the first email attribute; lower-cased.
 */
export function readFederatedIdentity(assertion: Element, facts: { inResponseTo: string | null; expiresAt: Date }): FederatedIdentity {
  const issuerEl = childElement(assertion, NS.assertion, 'Issuer');
  const subjectEl = childElement(assertion, NS.assertion, 'Subject');
  const nameIdEl = subjectEl && childElement(subjectEl, NS.assertion, 'NameID');
  const subject = nameIdEl ? textOf(nameIdEl) : '';
  if (!subject) throw new KeyledgerError('sso.saml_response_invalid', 'The assertion has no NameID', { reason: 'no_name_id' });

  const attributes = readAttributes(assertion);
  const first = (names: string[]) => lookup(attributes, names)[0] ?? null;
  const nameIdIsEmail = attr(nameIdEl!, 'Format') === NAMEID_EMAIL && subject.includes('@');
  const email = nameIdIsEmail ? subject : first(EMAIL_NAMES);

  const authn = childElement(assertion, NS.assertion, 'AuthnStatement');
  const context = authn && childElement(authn, NS.assertion, 'AuthnContext');
  const classRef = context && childElement(context, NS.assertion, 'AuthnContextClassRef');
  const methods = [...(classRef ? [textOf(classRef)] : []), ...lookup(attributes, [AUTHN_METHODS])];

  return {
    subject,
    issuer: issuerEl ? textOf(issuerEl) : '',
    email: email ? email.toLowerCase() : null,
    givenName: first(GIVEN_NAMES),
    familyName: first(FAMILY_NAMES),
    name: first(DISPLAY_NAMES),
    groups: [...new Set(GROUP_NAMES.flatMap((n) => lookup(attributes, [n])))],
    attributes,
    tokenId: attr(assertion, 'ID') ?? '',
    expiresAt: facts.expiresAt.toISOString(),
    inResponseTo: facts.inResponseTo,
    mfa: methods.some(isMultiFactorContext),
    sessionIndex: authn ? attr(authn, 'SessionIndex') : null,
  };
}
