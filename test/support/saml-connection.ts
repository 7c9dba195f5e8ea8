import { generateSpKeyPair } from '../../src/sso/saml/certificates.ts';
import { parseIdpMetadata } from '../../src/sso/saml/metadata.ts';
import { serviceProviderMetadata, validateSamlResponse, type SamlConnectionConfig } from '../../src/sso/saml/service-provider.ts';
import type { FederatedIdentity } from '../../src/sso/federated-identity.ts';
import type { SamlIdp } from './saml-idp.ts';

let spKeys: Promise<{ privateKeyPem: string; certificatePem: string }> | null = null;

/** One SP key pair per test process (RSA 3072 takes a few hundred ms to generate). */
export function testSpKeys(): Promise<{ privateKeyPem: string; certificatePem: string }> {
  spKeys ??= generateSpKeyPair('keyledger.test', new Date());
  return spKeys;
}

/**
 * A connection to the test IdP configured the way an administrator would: from
 * the IdP's metadata, with SP keys, the SP metadata registered at the IdP.
 */
export async function samlConnectionFor(idp: SamlIdp, overrides: Partial<SamlConnectionConfig> = {}): Promise<SamlConnectionConfig> {
  const meta = parseIdpMetadata(idp.metadataXml());
  const keys = await testSpKeys();
  const name = overrides.spEntityId ?? `https://keyledger.test/sso/saml/${Math.random().toString(36).slice(2)}`;
  const config: SamlConnectionConfig = {
    idpEntityId: meta.entityId,
    ssoUrl: meta.ssoUrl,
    ssoBinding: meta.ssoBinding,
    certificates: meta.certificates,
    spEntityId: name,
    acsUrl: `${name}/acs`,
    spPrivateKeyPem: keys.privateKeyPem,
    spCertificatePem: keys.certificatePem,
    clockSkewSeconds: 60,
    allowIdpInitiated: false,
    ...overrides,
  };
  idp.trustServiceProvider(serviceProviderMetadata(config));
  return config;
}

/** validateSamlResponse at `now` (the real clock by default), knowing the given request ids. */
export function validateAt(
  config: SamlConnectionConfig,
  samlResponse: string,
  opts: { now?: Date; requestIds?: string[] } = {},
): Promise<FederatedIdentity> {
  const known = new Set(opts.requestIds ?? []);
  return validateSamlResponse(config, samlResponse, { now: opts.now ?? new Date(), expectedRequestId: async (id) => known.has(id) });
}

/** The SAMLResponse and RelayState the test IdP's sign-in page would post. */
export function formFields(html: string): { samlResponse: string; relayState: string | null; action: string; button: string } {
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? null;
  const samlResponse = field('SAMLResponse');
  if (!samlResponse) throw new Error(`no SAMLResponse in the page: ${html.slice(0, 300)}`);
  return {
    samlResponse,
    relayState: field('RelayState'),
    action: /<form method="post" action="([^"]+)"/.exec(html)![1],
    button: /<button type="submit">([^<]*)<\/button>/.exec(html)![1],
  };
}
