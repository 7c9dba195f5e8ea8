import type { Element } from '@xmldom/xmldom';
import { KeyledgerError } from '../../platform/errors.ts';
import { NS, allElements, attr, childElement, childElements, isElement, parseXml, textOf } from './xml.ts';

/**
 * Checks on the SAMLResponse as received, before any signature is verified.
 * They only ever refuse: nothing read here is trusted for the identity, which
 * comes from the signed bytes alone (see validateSamlResponse). Their job is
 * to turn away the shapes that signature wrapping needs — elements moved into
 * places where a signature still covers them while a naive reader finds the
 * attacker's copy — so that what the signature covers and what is read cannot
 * differ.
 */

/** A decoded, parsed SAMLResponse: the base64 to hand to node-saml, and the DOM to inspect. */
export interface ResponseEnvelope {
  base64: string;
  xml: string;
  root: Element;
}

/** The largest decoded SAMLResponse accepted; real ones are a few KiB. */
export const MAX_RESPONSE_BYTES = 512 * 1024;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const ID_ATTRIBUTES = ['ID', 'Id', 'id'];

function responseInvalid(reason: string, message: string): KeyledgerError {
  return new KeyledgerError('sso.saml_response_invalid', message, { reason });
}

function signatureInvalid(reason: string, message: string): KeyledgerError {
  return new KeyledgerError('sso.saml_signature_invalid', message, { reason });
}

/** Decodes the POSTed SAMLResponse (base64, line breaks allowed) and parses it as a SAML 2.0 Response. */
export function readResponseEnvelope(samlResponse: string): ResponseEnvelope {
  const base64 = samlResponse.replace(/\s+/g, '');
  if (base64 === '') throw responseInvalid('missing', 'SAMLResponse is empty');
  if (base64.length % 4 !== 0 || !BASE64.test(base64)) throw responseInvalid('not_base64', 'SAMLResponse is not base64');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > MAX_RESPONSE_BYTES) throw responseInvalid('too_large', `SAMLResponse is larger than ${MAX_RESPONSE_BYTES} bytes`);
  const xml = bytes.toString('utf8');
  const parsed = parseXml(xml);
  if (!parsed.ok) throw responseInvalid(parsed.reason === 'doctype' ? 'doctype' : 'not_xml', parsed.reason === 'doctype' ? 'SAMLResponse has a DOCTYPE or entity declaration' : 'SAMLResponse is not well-formed XML');
  const root = parsed.root;
  if (!isElement(root, NS.protocol, 'Response')) throw responseInvalid('not_response', `SAMLResponse is a <${(root as Element).tagName}>, expected a samlp:Response`);
  if (attr(root, 'Version') !== '2.0') throw responseInvalid('version', `SAMLResponse has Version "${attr(root, 'Version')}", expected "2.0"`);
  return { base64, xml, root };
}

/** Refuses a Response whose top-level StatusCode is not Success (sso.saml_idp_error, with the status, sub-status and message the IdP gave). */
export function checkResponseStatus(root: Element): void {
  const status = childElement(root, NS.protocol, 'Status');
  const code = status && childElement(status, NS.protocol, 'StatusCode');
  const value = code ? attr(code, 'Value') : null;
  if (value === STATUS_SUCCESS) return;
  const sub = code && childElement(code, NS.protocol, 'StatusCode');
  const messageEl = status && childElement(status, NS.protocol, 'StatusMessage');
  const details = { status: value, subStatus: sub ? attr(sub, 'Value') : null, statusMessage: messageEl ? textOf(messageEl) : null };
  throw new KeyledgerError('sso.saml_idp_error', `The identity provider answered ${value ?? 'without a status'}${details.subStatus ? ` (${details.subStatus})` : ''}`, details);
}

function idOf(el: Element): string | null {
  for (const name of ID_ATTRIBUTES) if (el.hasAttribute(name)) return el.getAttribute(name);
  return null;
}

/**
 * Refuses a Response whose signatures, assertions or ids are arranged in any
 * way but the one honest IdPs produce:
 * - a Response, Assertion or EncryptedAssertion anywhere but the root and its
 *   direct children (XSW: the signed copy hidden inside Signature, Object,
 *   Extensions or another assertion) → signature_invalid 'xsw';
 * - a Signature anywhere but directly inside the Response or a direct-child
 *   Assertion, more than one per element, or one whose single Reference is not
 *   `#` + its parent's ID (XSW: a signature moved onto an element it does not
 *   cover) → signature_invalid 'xsw';
 * - two elements with the same ID (a reference that could resolve to the
 *   attacker's copy) → signature_invalid 'duplicate_id';
 * - no signature at all and nothing encrypted → signature_invalid 'unsigned';
 * - no assertion → saml_response_invalid 'no_assertion'; an unsigned assertion
 *   next to a signed one (XSW3) → 'xsw'; otherwise more than one →
 *   sso.saml_multiple_assertions.
 * Element names are matched by local name in any namespace, as node-saml and
 * xml-crypto look them up.
 */
export function checkSignedStructure(root: Element): void {
  const elements = allElements(root);
  const named = (local: string) => elements.filter((el) => el.localName === local);

  for (const el of named('Response')) {
    if (el !== root) throw signatureInvalid('xsw', 'A Response is nested inside the Response (signature wrapping)');
  }
  for (const el of [...named('Assertion'), ...named('EncryptedAssertion')]) {
    if (el.parentNode !== root) throw signatureInvalid('xsw', `An ${el.localName} is nested inside <${(el.parentNode as Element).localName}> (signature wrapping)`);
  }

  const signatures = named('Signature');
  const signedParents = new Set<Element>();
  for (const sig of signatures) {
    const parent = sig.parentNode as Element;
    if (!isElement(sig, NS.dsig, 'Signature') || !(parent === root || (parent.parentNode === root && parent.localName === 'Assertion'))) {
      throw signatureInvalid('xsw', `A Signature sits inside <${parent.localName}>, where no signature belongs (signature wrapping)`);
    }
    if (signedParents.has(parent)) throw signatureInvalid('xsw', `<${parent.localName}> carries more than one Signature`);
    signedParents.add(parent);
    const signedInfo = childElement(sig, NS.dsig, 'SignedInfo');
    const references = signedInfo ? childElements(signedInfo, NS.dsig, 'Reference') : [];
    const parentId = idOf(parent);
    if (references.length !== 1 || !parentId || attr(references[0], 'URI') !== `#${parentId}`) {
      throw signatureInvalid('xsw', `A Signature inside <${parent.localName}> does not reference exactly that element (signature wrapping)`);
    }
  }

  const seen = new Set<string>();
  for (const el of elements) {
    const id = idOf(el);
    if (id === null) continue;
    if (seen.has(id)) throw signatureInvalid('duplicate_id', `Two elements carry the ID "${id}"`);
    seen.add(id);
  }

  const assertions = childElements(root).filter((el) => el.localName === 'Assertion' || el.localName === 'EncryptedAssertion');
  if (signatures.length === 0 && !assertions.some((a) => a.localName === 'EncryptedAssertion')) {
    throw signatureInvalid('unsigned', 'Neither the Response nor its assertion is signed');
  }
  if (assertions.length === 0) throw responseInvalid('no_assertion', 'The Response carries no assertion');
  if (assertions.length > 1) {
    const plain = assertions.filter((a) => a.localName === 'Assertion');
    if (plain.some((a) => signedParents.has(a)) && plain.some((a) => !signedParents.has(a))) {
      throw signatureInvalid('xsw', 'An unsigned assertion sits next to a signed one (signature wrapping)');
    }
    throw new KeyledgerError('sso.saml_multiple_assertions', `The Response carries ${assertions.length} assertions; exactly one is accepted`, { count: assertions.length });
  }
}

/**
 * The InResponseTo a response claims, read WITHOUT verifying anything (null when
 * it is unreadable or has none). Only for deciding where a refusal is recorded;
 * never for accepting a sign-in, which checkInResponseTo does after the signature.
 */
export function claimedInResponseTo(samlResponse: string): string | null {
  try {
    return attr(readResponseEnvelope(samlResponse).root, 'InResponseTo') || null;
  } catch {
    return null;
  }
}
