import { createHash, webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyledgerError } from '../../platform/errors.ts';

/** A signing certificate as a connection stores and shows it. */
export interface CertificateInfo {
  /** The certificate re-encoded as PEM (64-column base64). */
  pem: string;
  /** SHA-256 of the DER bytes, lower-case hex without colons. */
  fingerprint: string;
  /** The subject distinguished name, e.g. `CN=idp.example.com`. */
  subject: string;
  notBefore: string;
  notAfter: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_CERTIFICATE_CHARS = 64 * 1024;

/** PEM text for DER bytes: the base64 wrapped at 64 columns between CERTIFICATE armour. */
export function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The DER bytes of a PEM certificate or of bare base64 (whitespace allowed, as metadata files wrap it); null when it is neither. */
function certificateDer(input: string): Buffer | null {
  if (input.length > MAX_CERTIFICATE_CHARS) return null;
  const armoured = PEM_BLOCK.exec(input);
  const b64 = (armoured ? armoured[1] : input).replace(/\s+/g, '');
  if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64)) return null;
  return Buffer.from(b64, 'base64');
}

/**
 * Reads an IdP signing certificate given as PEM or as the bare base64 DER that
 * metadata and admin consoles show. Refuses (sso.certificate_invalid) anything
 * that is not an X.509 certificate (reason 'malformed'), and a certificate
 * past its notAfter at `now` (reason 'expired') — a connection must not be
 * configured with a key its IdP has already retired. A certificate whose
 * notBefore is still ahead is accepted: IdPs publish the next key early.
 */
export function readCertificate(input: string, now: Date): CertificateInfo {
  const der = certificateDer(input.trim());
  let cert: x509.X509Certificate;
  try {
    if (!der) throw new Error('not base64');
    cert = new x509.X509Certificate(new Uint8Array(der));
  } catch {
    throw new KeyledgerError('sso.certificate_invalid', 'The certificate is not a PEM or base64 DER X.509 certificate', { reason: 'malformed' });
  }
  const notAfter = cert.notAfter.toISOString();
  if (cert.notAfter.getTime() <= now.getTime()) {
    throw new KeyledgerError('sso.certificate_invalid', `The certificate expired at ${notAfter}`, { reason: 'expired', notAfter });
  }
  return {
    pem: derToPem(der!),
    fingerprint: createHash('sha256').update(der!).digest('hex'),
    subject: cert.subject,
    notBefore: cert.notBefore.toISOString(),
    notAfter,
  };
}

const SP_KEY_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 3072 } as const;
const SP_CERTIFICATE_YEARS = 10;

/**
 * A fresh key pair and self-signed certificate for one SP connection: RSA 3072,
 * SHA-256, valid for ten years from `now`. The private key (PKCS#8 PEM) must be
 * stored encrypted (`encryptSecret`); the certificate goes into the SP
 * metadata, where the IdP uses it to check AuthnRequest signatures and to
 * encrypt assertions. SAML peers do not check SP certificate chains or dates
 * beyond that, so self-signed is the norm.
 */
export async function generateSpKeyPair(commonName: string, now: Date): Promise<{ privateKeyPem: string; certificatePem: string; notAfter: string }> {
  const crypto = webcrypto;
  const keys = (await crypto.subtle.generateKey(SP_KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notAfter = new Date(now.getTime());
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + SP_CERTIFICATE_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
      name: new x509.Name([{ CN: [commonName] }]),
      notBefore: now,
      notAfter,
      keys,
      signingAlgorithm: SP_KEY_ALGORITHM,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true)],
    },
    crypto as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return {
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
    certificatePem: derToPem(new Uint8Array(cert.rawData)),
    notAfter: cert.notAfter.toISOString(),
  };
}
