import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as samlify from 'samlify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSpKeyPair, readCertificate } from '../../src/sso/saml/certificates.ts';
import { fetchIdpMetadata, parseIdpMetadata, MAX_METADATA_BYTES } from '../../src/sso/saml/metadata.ts';
import { checkConnectionUrl } from '../../src/sso/urls.ts';
import { serviceProviderMetadata } from '../../src/sso/saml/service-provider.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { samlConnectionFor } from '../support/saml-connection.ts';
import { codeOf, refusalOf, thrown } from '../support/thrown.ts';

const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

function bare(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

/** Shaped like Okta's app metadata: md: prefix, one signing KeyDescriptor, POST and Redirect endpoints. */
function oktaLikeMetadata(certB64: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta.com/exk1a2b3c4D5e6F7g8h9">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>${certB64.match(/.{1,76}/g)!.join('\n')}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="${POST}" Location="https://acme.okta.com/app/acme_keyledger_1/exk1a2b3c4D5e6F7g8h9/sso/saml"/>
    <md:SingleSignOnService Binding="${REDIRECT}" Location="https://acme.okta.com/app/acme_keyledger_1/exk1a2b3c4D5e6F7g8h9/sso/saml"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

/**
 * Shaped like Entra ID's federation metadata: default namespace, a metadata
 * signature whose KeyInfo carries a certificate (which is not a signing key of
 * the IdP role), WS-Federation RoleDescriptors before the IDPSSODescriptor, a
 * KeyDescriptor without `use`, and the Redirect endpoint listed after POST.
 */
function entraLikeMetadata(signingB64: string, metadataSignerB64: string, nextB64: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor ID="_4c6a8f2e-1b3d-4e5f-9a7b-0c2d4e6f8a1b" entityID="https://sts.windows.net/8a5b7c2e-0d4f-4c1e-9a3b-2f6d8e1c0b7a/" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI="#_4c6a8f2e-1b3d-4e5f-9a7b-0c2d4e6f8a1b"><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AAAA</DigestValue></Reference></SignedInfo><SignatureValue>AAAA</SignatureValue><KeyInfo><X509Data><X509Certificate>${metadataSignerB64}</X509Certificate></X509Data></KeyInfo></Signature>
  <RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${metadataSignerB64}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
  </RoleDescriptor>
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${signingB64}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <KeyDescriptor><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${nextB64}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${signingB64}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <SingleLogoutService Binding="${REDIRECT}" Location="https://login.microsoftonline.com/8a5b7c2e-0d4f-4c1e-9a3b-2f6d8e1c0b7a/saml2"/>
    <SingleSignOnService Binding="${POST}" Location="https://login.microsoftonline.com/8a5b7c2e-0d4f-4c1e-9a3b-2f6d8e1c0b7a/saml2"/>
    <SingleSignOnService Binding="${REDIRECT}" Location="https://login.microsoftonline.com/8a5b7c2e-0d4f-4c1e-9a3b-2f6d8e1c0b7a/saml2"/>
  </IDPSSODescriptor>
</EntityDescriptor>`;
}

/** A minimal IdP EntityDescriptor with the given IDPSSODescriptor body. */
function idpMetadata(body: string, root = 'EntityDescriptor'): string {
  return `<${root} xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${body}</IDPSSODescriptor></${root}>`;
}

describe('SAML metadata, certificates and SP keys', () => {
  let idp: SamlIdp;
  let certA: string;
  let certB: string;
  let certC: string;

  beforeAll(async () => {
    idp = await startSamlIdp();
    [certA, certB, certC] = (await Promise.all(['idp-a', 'idp-b', 'idp-c'].map((cn) => generateSpKeyPair(cn, new Date())))).map((k) => k.certificatePem);
  });
  afterAll(() => idp.close());

  describe('parseIdpMetadata', () => {
    it("reads samlify's IdP metadata", () => {
      expect(parseIdpMetadata(idp.metadataXml())).toEqual({ entityId: idp.entityId, ssoUrl: idp.ssoUrl, ssoBinding: 'redirect', certificates: [idp.signingCertificatePem()] });
    });

    it('reads Okta-like metadata, preferring the Redirect binding and re-wrapping the certificate as PEM', () => {
      expect(parseIdpMetadata(oktaLikeMetadata(bare(certA)))).toEqual({
        entityId: 'http://www.okta.com/exk1a2b3c4D5e6F7g8h9',
        ssoUrl: 'https://acme.okta.com/app/acme_keyledger_1/exk1a2b3c4D5e6F7g8h9/sso/saml',
        ssoBinding: 'redirect',
        certificates: [certA],
      });
    });

    it("reads Entra-like metadata: the IdP role's signing keys only (not the metadata signer's), once each, use-less KeyDescriptors included", () => {
      const meta = parseIdpMetadata(entraLikeMetadata(bare(certA), bare(certB), bare(certC)));
      expect(meta).toEqual({
        entityId: 'https://sts.windows.net/8a5b7c2e-0d4f-4c1e-9a3b-2f6d8e1c0b7a/',
        ssoUrl: 'https://login.microsoftonline.com/8a5b7c2e-0d4f-4c1e-9a3b-2f6d8e1c0b7a/saml2',
        ssoBinding: 'redirect',
        certificates: [certA, certC],
      });
    });

    it('falls back to HTTP-POST when there is no Redirect endpoint, and finds the one IdP in an EntitiesDescriptor', () => {
      const body = `<KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${bare(certA)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor><SingleSignOnService Binding="${POST}" Location="https://idp.example.com/sso/post"/>`;
      expect(parseIdpMetadata(idpMetadata(body))).toMatchObject({ ssoUrl: 'https://idp.example.com/sso/post', ssoBinding: 'post' });
      const wrapped = `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">${idpMetadata(body)}</EntitiesDescriptor>`;
      expect(parseIdpMetadata(wrapped).entityId).toBe('https://idp.example.com/saml');
      expect(thrown(() => parseIdpMetadata(`<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">${idpMetadata(body)}${idpMetadata(body)}</EntitiesDescriptor>`))).toMatchObject({
        code: 'sso.metadata_invalid',
        details: { reason: 'multiple_entities' },
      });
    });

    const signing = () => `<KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${bare(certA)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>`;
    const sso = `<SingleSignOnService Binding="${REDIRECT}" Location="https://idp.example.com/sso"/>`;
    const refusals: [string, () => string, string][] = [
      ['a DOCTYPE with entities (billion laughs)', () => `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${idpMetadata(signing() + sso).replace('https://idp.example.com/saml', '&lol2;')}`, 'doctype'],
      ['an external entity (XXE)', () => `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${idpMetadata(signing() + sso)}`, 'doctype'],
      ['malformed XML', () => idpMetadata(signing() + sso).slice(0, -5), 'malformed'],
      ['an empty document', () => '  ', 'empty'],
      ['a root that is not an EntityDescriptor', () => idpMetadata(signing() + sso, 'Organization'), 'not_entity_descriptor'],
      ['no entityID', () => idpMetadata(signing() + sso).replace(' entityID="https://idp.example.com/saml"', ''), 'no_entity_id'],
      ['SP metadata (no IDPSSODescriptor)', () => idpMetadata(signing() + sso).replace(/IDPSSODescriptor/g, 'SPSSODescriptor'), 'no_idp_descriptor'],
      ['an IDPSSODescriptor for SAML 1.1 only', () => idpMetadata(signing() + sso).replace('urn:oasis:names:tc:SAML:2.0:protocol', 'urn:oasis:names:tc:SAML:1.1:protocol'), 'no_idp_descriptor'],
      ['no SingleSignOnService', () => idpMetadata(signing()), 'no_sso_service'],
      ['only an Artifact SingleSignOnService', () => idpMetadata(signing() + sso.replace(REDIRECT, 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact')), 'no_sso_service'],
      ['no certificate', () => idpMetadata(sso), 'no_signing_certificate'],
      ['only an encryption certificate', () => idpMetadata(signing().replace('use="signing"', 'use="encryption"') + sso), 'no_signing_certificate'],
      ['a signing certificate that is not one', () => idpMetadata(signing().replace(bare(certA), 'bm90IGEgY2VydGlmaWNhdGU=') + sso), 'certificate_malformed'],
      ['more than 1 MiB', () => idpMetadata(signing() + sso + `<!--${'x'.repeat(MAX_METADATA_BYTES)}-->`), 'too_large'],
    ];
    for (const [label, xml, reason] of refusals) {
      it(`refuses ${label} (${reason})`, () => {
        expect(thrown(() => parseIdpMetadata(xml()))).toMatchObject({ code: 'sso.metadata_invalid', status: 422, details: { reason } });
      });
    }
  });

  describe('fetchIdpMetadata', () => {
    let server: Server;
    let base: string;

    beforeAll(async () => {
      server = createServer((req, res) => {
        const path = req.url ?? '/';
        if (path === '/missing') return res.writeHead(404).end('nope');
        if (path === '/slow') return void setTimeout(() => res.end('late'), 2_000);
        if (path === '/huge') {
          res.writeHead(200, { 'content-type': 'application/xml' });
          const chunk = 'x'.repeat(64 * 1024);
          for (let i = 0; i < 20; i++) res.write(chunk);
          return res.end();
        }
        if (path === '/to-idp') return res.writeHead(302, { location: idp.metadataUrl }).end();
        if (path === '/to-plain-http') return res.writeHead(302, { location: 'http://idp.example.com/metadata' }).end();
        if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end();
        res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('downloads metadata from a loopback http server, following a redirect', async () => {
      expect(parseIdpMetadata(await fetchIdpMetadata(idp.metadataUrl)).entityId).toBe(idp.entityId);
      expect(parseIdpMetadata(await fetchIdpMetadata(`${base}/to-idp`)).entityId).toBe(idp.entityId);
    });

    const unreachable: [string, string, string, { timeoutMs?: number }?][] = [
      ['an HTTP error', '/missing', 'http_status'],
      ['a timeout', '/slow', 'timeout', { timeoutMs: 200 }],
      ['a body over 1 MiB', '/huge', 'too_large'],
      ['a redirect loop', '/loop', 'too_many_redirects'],
    ];
    for (const [label, path, reason, opts] of unreachable) {
      it(`reports ${label} as sso.metadata_unreachable (${reason})`, async () => {
        expect(await refusalOf(fetchIdpMetadata(`${base}${path}`, opts))).toMatchObject({ code: 'sso.metadata_unreachable', details: { reason } });
      });
    }

    it('reports a closed port as unreachable (network)', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      expect(await refusalOf(fetchIdpMetadata(`http://127.0.0.1:${port}/metadata`))).toMatchObject({ code: 'sso.metadata_unreachable', details: { reason: 'network' } });
    });

    it('refuses plain http outside loopback, before and after a redirect', async () => {
      expect(await refusalOf(fetchIdpMetadata('http://idp.example.com/metadata'))).toMatchObject({ code: 'sso.connection_invalid', details: { field: 'metadataUrl', reason: 'not_https' } });
      expect(await refusalOf(fetchIdpMetadata(`${base}/to-plain-http`))).toMatchObject({ code: 'sso.connection_invalid', details: { reason: 'not_https' } });
    });

    const urls: [string, string | undefined][] = [
      ['https://idp.example.com/metadata', undefined],
      ['http://127.0.0.1:8080/metadata', undefined],
      ['http://[::1]:8080/metadata', undefined],
      ['http://localhost/metadata', undefined],
      ['http://idp.example.com/metadata', 'sso.connection_invalid'],
      ['http://127.0.0.1.nip.io/metadata', 'sso.connection_invalid'],
      ['http://localhost.evil.example/metadata', 'sso.connection_invalid'],
      ['ftp://idp.example.com/metadata', 'sso.connection_invalid'],
      ['file:///etc/passwd', 'sso.connection_invalid'],
      ['not a url', 'sso.connection_invalid'],
    ];
    for (const [url, code] of urls) {
      it(`${code ? 'refuses' : 'accepts'} ${url}`, () => {
        expect(codeOf(() => checkConnectionUrl(url, 'metadataUrl'))).toBe(code);
      });
    }
  });

  describe('readCertificate', () => {
    it('reads PEM and bare base64 DER (wrapped or not) alike', () => {
      const fromPem = readCertificate(certA, new Date());
      const node = new X509Certificate(certA);
      expect(fromPem).toEqual({
        pem: certA,
        fingerprint: node.fingerprint256.replace(/:/g, '').toLowerCase(),
        subject: 'CN=idp-a',
        notBefore: new Date(node.validFrom).toISOString(),
        notAfter: new Date(node.validTo).toISOString(),
      });
      expect(fromPem.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(readCertificate(bare(certA), new Date())).toEqual(fromPem);
      expect(readCertificate(bare(certA).match(/.{1,76}/g)!.join('\r\n'), new Date())).toEqual(fromPem);
    });

    it('refuses a certificate past its notAfter at the given time', () => {
      const { notAfter } = readCertificate(certA, new Date());
      expect(thrown(() => readCertificate(certA, new Date(Date.parse(notAfter) + 1000)))).toMatchObject({ code: 'sso.certificate_invalid', details: { reason: 'expired', notAfter } });
      expect(readCertificate(certA, new Date(Date.parse(notAfter) - 1000)).notAfter).toBe(notAfter);
    });

    const garbage: [string, () => string][] = [
      ['empty', () => ''],
      ['text', () => 'hello, certificate'],
      ['base64 of something else', () => Buffer.from('not a certificate at all').toString('base64')],
      ['a private key', () => '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBdRQSC1Ao6Oj0oBfMpKnpLdJ3GVfT4dwAHVTRbRHG7u\n-----END PRIVATE KEY-----\n'],
      ['a truncated certificate', () => certA.slice(0, 400) + '\n-----END CERTIFICATE-----\n'],
    ];
    for (const [label, input] of garbage) {
      it(`refuses ${label} (malformed)`, () => {
        expect(thrown(() => readCertificate(input(), new Date()))).toMatchObject({ code: 'sso.certificate_invalid', details: { reason: 'malformed' } });
      });
    }
  });

  describe('SP keys and metadata', () => {
    it('generates an RSA 3072 key and a SHA-256 self-signed certificate valid ten years from now', async () => {
      const now = new Date('2026-05-01T12:00:00.000Z');
      const keys = await generateSpKeyPair('sso.keyledger.test', now);
      const cert = new X509Certificate(keys.certificatePem);
      expect(createPublicKey(keys.certificatePem).asymmetricKeyDetails?.modulusLength).toBe(3072);
      expect(cert.checkPrivateKey(createPrivateKey(keys.privateKeyPem))).toBe(true);
      expect(cert.verify(cert.publicKey)).toBe(true);
      expect(new x509.X509Certificate(keys.certificatePem).signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
      expect(cert.subject).toBe('CN=sso.keyledger.test');
      expect(new Date(cert.validFrom).toISOString()).toBe('2026-05-01T12:00:00.000Z');
      expect(keys.notAfter).toBe('2036-05-01T12:00:00.000Z');
      expect(new Date(cert.validTo).toISOString()).toBe(keys.notAfter);
      expect(keys.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    });

    it('writes SP metadata that samlify accepts as a ServiceProvider', async () => {
      const config = await samlConnectionFor(idp);
      const xml = serviceProviderMetadata(config);
      const sp = samlify.ServiceProvider({ metadata: xml });
      expect(sp.entityMeta.getEntityID()).toBe(config.spEntityId);
      expect(sp.entityMeta.getAssertionConsumerService('post')).toBe(config.acsUrl);
      expect(sp.entityMeta.isAuthnRequestSigned()).toBe(true);
      expect(sp.entityMeta.isWantAssertionsSigned()).toBe(true);
      expect(bare(sp.entityMeta.getX509Certificate('signing') as string)).toBe(bare(config.spCertificatePem));
      expect(bare(sp.entityMeta.getX509Certificate('encryption') as string)).toBe(bare(config.spCertificatePem));
      expect(xml).toContain('<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>');
      expect(xml).not.toContain('PRIVATE KEY');
      expect(xml).not.toContain(bare(config.spPrivateKeyPem).slice(0, 40));
    });
  });
});
