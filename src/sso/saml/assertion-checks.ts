import type { Element } from '@xmldom/xmldom';
import { KeyledgerError } from '../../platform/errors.ts';
import { NS, attr, childElement, childElements, textOf } from './xml.ts';

/**
 * The checks that bind a verified assertion to this connection and this
 * moment (SAML 2.0 Web Browser SSO profile, §4.1.4.3): who issued it, whom it
 * is for, where it may be delivered, when it is valid, and which sign-in it
 * answers. Each runs on the signed assertion only.
 */

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function responseInvalid(reason: string, message: string): KeyledgerError {
  return new KeyledgerError('sso.saml_response_invalid', message, { reason });
}

/** An xs:dateTime attribute as epoch milliseconds, or null when absent. */
function timeAttr(el: Element | null, name: string): number | null {
  const value = el ? attr(el, name) : null;
  if (value === null) return null;
  const ms = DATE_TIME.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw responseInvalid('bad_time', `${name}="${value}" is not an xs:dateTime`);
  return ms;
}

/** Refuses an Issuer other than the connection's IdP entity id (the Response's, when it names one, and the assertion's, which must). */
export function checkIssuer(issuerEl: Element | null, expected: string, where: 'Response' | 'Assertion'): void {
  if (!issuerEl && where === 'Response') return;
  const issuer = issuerEl ? textOf(issuerEl) : null;
  if (issuer !== expected) {
    throw new KeyledgerError('sso.saml_issuer_mismatch', `Unexpected ${where} Issuer ${issuer === null ? '(none)' : `"${issuer}"`}, expected "${expected}"`, { issuer, expected });
  }
}

/** Refuses a Response whose Destination is present and is not the ACS URL (a response meant for another endpoint). */
export function checkDestination(root: Element, acsUrl: string): void {
  const destination = attr(root, 'Destination');
  if (destination !== null && destination !== acsUrl) {
    throw new KeyledgerError('sso.saml_destination_mismatch', `Unexpected Response Destination "${destination}", expected "${acsUrl}"`, { destination, expected: acsUrl });
  }
}

/** Refuses an assertion without an AudienceRestriction, or with one that does not name this SP (each restriction must, per SAML core §2.5.1.4). */
export function checkAudience(assertion: Element, spEntityId: string): void {
  const conditions = childElement(assertion, NS.assertion, 'Conditions');
  const restrictions = conditions ? childElements(conditions, NS.assertion, 'AudienceRestriction') : [];
  const audiences = restrictions.map((r) => childElements(r, NS.assertion, 'Audience').map(textOf));
  if (audiences.length === 0 || audiences.some((list) => !list.includes(spEntityId))) {
    throw new KeyledgerError('sso.saml_audience_mismatch', `Unexpected assertion audience ${audiences.length ? `"${audiences.flat().join('", "')}"` : '(none)'}, expected "${spEntityId}"`, {
      audiences: audiences.flat(),
      expected: spEntityId,
    });
  }
}

/** The bearer SubjectConfirmationData addressed to this ACS; refuses when there is none (sso.saml_recipient_mismatch). */
export function findConfirmation(assertion: Element, acsUrl: string): Element {
  const subject = childElement(assertion, NS.assertion, 'Subject');
  const data = (subject ? childElements(subject, NS.assertion, 'SubjectConfirmation') : [])
    .filter((c) => attr(c, 'Method') === BEARER)
    .map((c) => childElement(c, NS.assertion, 'SubjectConfirmationData'))
    .filter((d): d is Element => d !== null);
  const match = data.find((d) => attr(d, 'Recipient') === acsUrl);
  if (!match) {
    const recipients = data.map((d) => attr(d, 'Recipient'));
    throw new KeyledgerError('sso.saml_recipient_mismatch', `Unexpected SubjectConfirmationData Recipient ${recipients.length ? `"${recipients.join('", "')}"` : '(none)'}, expected "${acsUrl}"`, {
      recipients,
      expected: acsUrl,
    });
  }
  return match;
}

/**
 * Refuses an assertion outside its validity window at `now`, allowing
 * `skewSeconds` either way: NotBefore (Conditions, SubjectConfirmationData)
 * later than now + skew → sso.saml_not_yet_valid; NotOnOrAfter at or before
 * now − skew → sso.saml_expired. An assertion with no NotOnOrAfter at all is
 * refused (saml_response_invalid 'no_expiry'): it could be replayed forever.
 * Returns the earliest NotOnOrAfter, which bounds replay records.
 */
export function checkValidity(assertion: Element, confirmation: Element, now: Date, skewSeconds: number): Date {
  const conditions = childElement(assertion, NS.assertion, 'Conditions');
  const skew = skewSeconds * 1000;
  const at = now.getTime();
  const notBefore = [timeAttr(conditions, 'NotBefore'), timeAttr(confirmation, 'NotBefore')].filter((t): t is number => t !== null);
  const notOnOrAfter = [timeAttr(conditions, 'NotOnOrAfter'), timeAttr(confirmation, 'NotOnOrAfter')].filter((t): t is number => t !== null);
  for (const t of notBefore) {
    if (at + skew < t) {
      throw new KeyledgerError('sso.saml_not_yet_valid', `The assertion is valid from ${new Date(t).toISOString()}; it is ${now.toISOString()} (skew ${skewSeconds} s)`, {
        notBefore: new Date(t).toISOString(),
        now: now.toISOString(),
      });
    }
  }
  if (notOnOrAfter.length === 0) throw responseInvalid('no_expiry', 'The assertion has no NotOnOrAfter');
  const expiry = Math.min(...notOnOrAfter);
  if (at - skew >= expiry) {
    throw new KeyledgerError('sso.saml_expired', `The assertion expired at ${new Date(expiry).toISOString()}; it is ${now.toISOString()} (skew ${skewSeconds} s)`, {
      notOnOrAfter: new Date(expiry).toISOString(),
      now: now.toISOString(),
    });
  }
  return new Date(expiry);
}

/**
 * The AuthnRequest id this response answers, or null for an unsolicited
 * (IdP-initiated) one. The signed SubjectConfirmationData InResponseTo wins;
 * the Response's, when also present, must agree. Refuses
 * (sso.saml_request_unknown) an id `expectedRequestId` does not recognise
 * ('unknown_request'), disagreeing ids ('mismatch'), and an unsolicited
 * response when the connection does not allow IdP-initiated sign-in
 * ('unsolicited').
 */
export async function checkInResponseTo(
  root: Element,
  confirmation: Element,
  allowIdpInitiated: boolean,
  expectedRequestId: (inResponseTo: string) => Promise<boolean>,
): Promise<string | null> {
  const fromResponse = attr(root, 'InResponseTo') || null;
  const fromAssertion = attr(confirmation, 'InResponseTo') || null;
  if (fromResponse && fromAssertion && fromResponse !== fromAssertion) {
    throw new KeyledgerError('sso.saml_request_unknown', `The Response answers "${fromResponse}" but its assertion answers "${fromAssertion}"`, { reason: 'mismatch' });
  }
  const inResponseTo = fromAssertion ?? fromResponse;
  if (inResponseTo === null) {
    if (allowIdpInitiated) return null;
    throw new KeyledgerError('sso.saml_request_unknown', 'The response is unsolicited (no InResponseTo) and this connection does not allow IdP-initiated sign-in', { reason: 'unsolicited' });
  }
  if (!(await expectedRequestId(inResponseTo))) {
    throw new KeyledgerError('sso.saml_request_unknown', `InResponseTo "${inResponseTo}" names no sign-in this connection started`, { reason: 'unknown_request', inResponseTo });
  }
  return inResponseTo;
}
