/** Fixtures for SSO administration tests: IdP signing certificates and connection bodies. */
import { generateSpKeyPair } from '../../src/sso/saml/certificates.ts';

/** A fresh self-signed certificate as an IdP would sign with (PEM). */
export async function idpCertificatePem(commonName: string): Promise<string> {
  return (await generateSpKeyPair(commonName, new Date())).certificatePem;
}

/** A SAML connection body with the IdP entered by hand (no metadata, no network). */
export function samlBody(name: string, ...certificates: string[]): Record<string, unknown> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return { type: 'saml', name, idp: { entityId: `https://idp.acme.test/${slug}`, ssoUrl: `https://idp.acme.test/${slug}/sso`, certificates } };
}
