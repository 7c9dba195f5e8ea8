import { constants, privateDecrypt } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { KeyledgerError } from '../../platform/errors.ts';
import { NS, attr, childElement, childElements, descendants, textOf } from './xml.ts';

/**
 * Says why node-saml verified nothing, once it has refused. node-saml throws
 * plain Errors whose messages are not an interface, so instead of reading
 * them this re-asks xml-crypto (the library node-saml verifies with) two
 * questions it answers through its API: do the digests still match the
 * content (no → 'altered'), and does any configured certificate verify the
 * SignatureValue (no → 'wrong_key')? Diagnosis only: it never accepts.
 */

const OAEP_DIGESTS: Record<string, string> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};
const RSA_OAEP = new Set(['http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p', 'http://www.w3.org/2009/xmlenc11#rsa-oaep']);

/** Whether the SP key unwraps the EncryptedAssertion's RSA-OAEP content key; null when the key transport is one this cannot test. */
function spKeyUnwraps(encrypted: Element, spPrivateKeyPem: string): boolean | null {
  const encryptedKey = descendants(encrypted, NS.xenc, 'EncryptedKey')[0];
  const method = encryptedKey && childElement(encryptedKey, NS.xenc, 'EncryptionMethod');
  const cipherData = encryptedKey && childElement(encryptedKey, NS.xenc, 'CipherData');
  const cipherValue = cipherData && childElement(cipherData, NS.xenc, 'CipherValue');
  if (!method || !cipherValue || !RSA_OAEP.has(attr(method, 'Algorithm') ?? '')) return null;
  const digest = childElement(method, NS.dsig, 'DigestMethod');
  try {
    privateDecrypt(
      { key: spPrivateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_DIGESTS[digest ? (attr(digest, 'Algorithm') ?? '') : ''] ?? 'sha1' },
      Buffer.from(textOf(cipherValue).replace(/\s+/g, ''), 'base64'),
    );
    return true;
  } catch {
    return false;
  }
}

/** How one enveloped signature fares against the configured certificates. */
function signatureOutcome(xml: string, signature: Element, certificates: string[]): 'verified' | 'altered' | 'wrong_key' {
  let altered = false;
  for (const cert of certificates) {
    const sig = new SignedXml({ publicCert: cert });
    try {
      sig.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
      if (sig.checkSignature(xml)) return 'verified';
      altered = true; // checkSignature returns false when a Reference digest does not match
    } catch {
      // it throws when the digests match but the SignatureValue does not verify with this certificate
    }
  }
  return altered ? 'altered' : 'wrong_key';
}

/** The error to throw when node-saml verified no signature of this Response with the configured certificates. */
export function explainUnverified(root: Element, xml: string, certificates: string[], spPrivateKeyPem: string): KeyledgerError {
  const encrypted = childElements(root).find((el) => el.localName === 'EncryptedAssertion');
  if (encrypted && spKeyUnwraps(encrypted, spPrivateKeyPem) === false) {
    return new KeyledgerError('sso.saml_response_invalid', "The encrypted assertion was not encrypted to this connection's SP certificate", { reason: 'undecryptable' });
  }
  const signed = [root, ...childElements(root).filter((el) => el.localName === 'Assertion')];
  const outcomes = signed.flatMap((el) => childElements(el, NS.dsig, 'Signature')).map((s) => signatureOutcome(xml.replace(/\r\n?/g, '\n'), s, certificates));
  if (outcomes.includes('altered')) {
    return new KeyledgerError('sso.saml_signature_invalid', 'The signed content was changed after it was signed (a digest does not match)', { reason: 'altered' });
  }
  if (outcomes.length > 0 && outcomes.every((o) => o === 'wrong_key')) {
    return new KeyledgerError('sso.saml_signature_invalid', 'The response is signed by a key that is not one of the certificates configured on this connection', { reason: 'wrong_key' });
  }
  return new KeyledgerError('sso.saml_signature_invalid', 'No signature of the response or its assertion verified with the certificates configured on this connection', { reason: 'not_verified' });
}
