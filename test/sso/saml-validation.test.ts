import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthnRequest, validateSamlResponse, type SamlConnectionConfig } from '../../src/sso/saml/service-provider.ts';
import { generateSpKeyPair } from '../../src/sso/saml/certificates.ts';
import { parseIdpMetadata } from '../../src/sso/saml/metadata.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { decodeSamlResponse } from '../support/saml-attacks.ts';
import { formFields, samlConnectionFor, validateAt } from '../support/saml-connection.ts';
import { refusalOf } from '../support/thrown.ts';

const alice = { nameId: 'alice@example.com', email: 'Alice@Example.com', givenName: 'Alice', familyName: 'Liddell', groups: ['engineering', 'admins'] };
const MINUTE = 60_000;

describe('SAML response validation against a samlify IdP', () => {
  let idp: SamlIdp;
  let config: SamlConnectionConfig;

  beforeAll(async () => {
    idp = await startSamlIdp();
    config = await samlConnectionFor(idp);
  });
  afterAll(() => idp.close());

  describe('SP-initiated sign-in through the browser flow', () => {
    for (const binding of ['redirect', 'post'] as const) {
      it(`signs in over the HTTP-${binding === 'redirect' ? 'Redirect' : 'POST'} binding, answering the request it started`, async () => {
        const conn = { ...config, ssoBinding: binding };
        const start = await createAuthnRequest(conn, 'state_abc-123');
        idp.setNextUser(alice);
        const page =
          'redirectUrl' in start
            ? await fetch(start.redirectUrl)
            : await fetch(start.form.action, { method: 'POST', body: new URLSearchParams(start.form.fields) });
        const html = await page.text();
        expect(page.status, html).toBe(200);
        expect(html).not.toContain('<script');
        const form = formFields(html);
        expect(form).toMatchObject({ action: conn.acsUrl, relayState: 'state_abc-123', button: 'Sign in as Alice@Example.com' });
        // The IdP verified the AuthnRequest's signature against the SP metadata and schema-checked it.
        expect(idp.receivedRequests().at(-1)).toEqual({ id: start.requestId, binding, spEntityId: conn.spEntityId, acsUrl: conn.acsUrl, relayState: 'state_abc-123' });

        const identity = await validateAt(conn, form.samlResponse, { requestIds: [start.requestId] });
        expect(identity).toMatchObject({
          subject: 'alice@example.com',
          issuer: idp.entityId,
          email: 'alice@example.com',
          givenName: 'Alice',
          familyName: 'Liddell',
          groups: ['engineering', 'admins'],
          inResponseTo: start.requestId,
          mfa: false,
        });
        expect(identity.tokenId).toMatch(/^_[0-9a-f]{32}$/);
        expect(identity.sessionIndex).toMatch(/^_[0-9a-f]{32}$/);
        expect(Date.parse(identity.expiresAt!)).toBeGreaterThan(Date.now());
      });
    }

    it('refuses an unsigned AuthnRequest at the IdP (the test IdP really checks)', async () => {
      const start = await createAuthnRequest(config, 'state1');
      const url = new URL((start as { redirectUrl: string }).redirectUrl);
      url.searchParams.delete('Signature');
      const res = await fetch(url);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/AuthnRequest refused/);
    });

    it('refuses a RelayState that the redirect signature could not carry intact', async () => {
      for (const bad of ['', 'a b', 'x'.repeat(81), 'state~1', 'ü']) {
        expect((await refusalOf(createAuthnRequest(config, bad))).code).toBe('internal');
      }
    });

    it('refuses an InResponseTo the caller does not recognise, and gives the same tokenId each time it is validated', async () => {
      const response = await idp.loginResponse({ user: alice, requestId: '_request-1' });
      const refusal = await refusalOf(validateAt(config, response, { requestIds: ['_request-2'] }));
      expect(refusal).toMatchObject({ code: 'sso.saml_request_unknown', details: { reason: 'unknown_request', inResponseTo: '_request-1' } });
      // Replay is refused by the service from tokenId/expiresAt; validation itself is repeatable.
      const first = await validateAt(config, response, { requestIds: ['_request-1'] });
      const second = await validateAt(config, response, { requestIds: ['_request-1'] });
      expect(second.tokenId).toBe(first.tokenId);
      expect(second.expiresAt).toBe(first.expiresAt);
    });

    it('asks expectedRequestId only for an otherwise valid response, once', async () => {
      const asked: string[] = [];
      const expectedRequestId = async (id: string) => (asked.push(id), true);
      const wrongAudience = await idp.loginResponse({ user: alice, requestId: '_once', audience: 'https://other-sp.example.com' });
      expect((await refusalOf(validateSamlResponse(config, wrongAudience, { now: new Date(), expectedRequestId }))).code).toBe('sso.saml_audience_mismatch');
      expect(asked).toEqual([]);
      const good = await idp.loginResponse({ user: alice, requestId: '_once' });
      await validateSamlResponse(config, good, { now: new Date(), expectedRequestId });
      expect(asked).toEqual(['_once']);
    });
  });

  describe('IdP-initiated sign-in', () => {
    it('is accepted when the connection allows it, with no inResponseTo', async () => {
      const response = await idp.loginResponse({ user: alice, requestId: null });
      const identity = await validateAt({ ...config, allowIdpInitiated: true }, response);
      expect(identity).toMatchObject({ subject: 'alice@example.com', inResponseTo: null });
    });

    it('is refused when the connection does not', async () => {
      const response = await idp.loginResponse({ user: alice, requestId: null });
      expect(await refusalOf(validateAt(config, response))).toMatchObject({ code: 'sso.saml_request_unknown', details: { reason: 'unsolicited' } });
    });

    it('still needs a known request id when the response names one', async () => {
      const response = await idp.loginResponse({ user: alice, requestId: '_forged' });
      expect(await refusalOf(validateAt({ ...config, allowIdpInitiated: true }, response))).toMatchObject({ code: 'sso.saml_request_unknown', details: { reason: 'unknown_request' } });
    });
  });

  describe('what the IdP signs', () => {
    for (const sign of ['assertion', 'response', 'both'] as const) {
      it(`accepts a response whose ${sign === 'both' ? 'Response and assertion are' : `${sign} is`} signed`, async () => {
        const response = await idp.loginResponse({ user: alice, requestId: '_r', sign });
        const xml = decodeSamlResponse(response);
        const signatures = xml.match(/<ds:Signature /g) ?? [];
        expect(signatures).toHaveLength(sign === 'both' ? 2 : 1);
        expect((await validateAt(config, response, { requestIds: ['_r'] })).subject).toBe('alice@example.com');
      });
    }
  });

  describe('the validity window, against opts.now with the connection skew (60 s)', () => {
    // The IdP issues at the real time T with NotBefore = T and NotOnOrAfter = T + 5 min.
    const cases: [string, number, string | null][] = [
      ['at issue time', 0, null],
      ['just inside the skew after NotOnOrAfter', 5 * MINUTE + 50_000, null],
      ['past NotOnOrAfter beyond the skew', 5 * MINUTE + 70_000, 'sso.saml_expired'],
      ['an hour later', 60 * MINUTE, 'sso.saml_expired'],
      ['just inside the skew before NotBefore', -50_000, null],
      ['before NotBefore beyond the skew', -70_000, 'sso.saml_not_yet_valid'],
    ];
    for (const [label, offset, code] of cases) {
      it(`${code ? 'refuses' : 'accepts'} a response ${label}`, async () => {
        const issued = Date.now();
        const response = await idp.loginResponse({ user: alice, requestId: '_t' });
        const attempt = validateAt(config, response, { now: new Date(issued + offset), requestIds: ['_t'] });
        if (code) expect((await refusalOf(attempt)).code).toBe(code);
        else expect((await attempt).subject).toBe('alice@example.com');
      });
    }

    it('uses the connection skew: a connection with no skew refuses what 60 s allowed', async () => {
      const issued = Date.now();
      const response = await idp.loginResponse({ user: alice, requestId: '_t' });
      const now = new Date(issued + 5 * MINUTE + 30_000);
      expect((await validateAt(config, response, { now, requestIds: ['_t'] })).subject).toBe('alice@example.com');
      expect((await refusalOf(validateAt({ ...config, clockSkewSeconds: 0 }, response, { now, requestIds: ['_t'] }))).code).toBe('sso.saml_expired');
    });

    it('refuses an assertion already expired on the real clock, with its expiry in details', async () => {
      const notOnOrAfter = new Date(Date.now() - 10 * MINUTE);
      const response = await idp.loginResponse({ user: alice, requestId: '_t', notBefore: new Date(Date.now() - 20 * MINUTE), notOnOrAfter });
      expect(await refusalOf(validateAt(config, response, { requestIds: ['_t'] }))).toMatchObject({
        code: 'sso.saml_expired',
        details: { notOnOrAfter: notOnOrAfter.toISOString() },
      });
    });

    it('refuses an assertion not yet valid on the real clock', async () => {
      const notBefore = new Date(Date.now() + 10 * MINUTE);
      const response = await idp.loginResponse({ user: alice, requestId: '_t', notBefore, notOnOrAfter: new Date(Date.now() + 20 * MINUTE) });
      expect(await refusalOf(validateAt(config, response, { requestIds: ['_t'] }))).toMatchObject({
        code: 'sso.saml_not_yet_valid',
        details: { notBefore: notBefore.toISOString() },
      });
    });

    it('reports the assertion expiry as expiresAt', async () => {
      const notOnOrAfter = new Date(Date.now() + 3 * MINUTE);
      const response = await idp.loginResponse({ user: alice, requestId: '_t', notOnOrAfter });
      expect((await validateAt(config, response, { requestIds: ['_t'] })).expiresAt).toBe(notOnOrAfter.toISOString());
    });
  });

  describe('binding the assertion to this connection', () => {
    it('refuses an assertion for another SP (audience)', async () => {
      const response = await idp.loginResponse({ user: alice, requestId: '_b', audience: 'https://other-sp.example.com' });
      expect(await refusalOf(validateAt(config, response, { requestIds: ['_b'] }))).toMatchObject({
        code: 'sso.saml_audience_mismatch',
        details: { audiences: ['https://other-sp.example.com'], expected: config.spEntityId },
      });
    });

    it('refuses an assertion addressed to another ACS (recipient)', async () => {
      const response = await idp.loginResponse({ user: alice, requestId: '_b', acsUrl: 'https://other-sp.example.com/acs', destination: config.acsUrl });
      expect(await refusalOf(validateAt(config, response, { requestIds: ['_b'] }))).toMatchObject({
        code: 'sso.saml_recipient_mismatch',
        details: { recipients: ['https://other-sp.example.com/acs'], expected: config.acsUrl },
      });
    });

    it('refuses a Response with another Destination, and accepts one without', async () => {
      const elsewhere = await idp.loginResponse({ user: alice, requestId: '_b', destination: 'https://other-sp.example.com/acs' });
      expect(await refusalOf(validateAt(config, elsewhere, { requestIds: ['_b'] }))).toMatchObject({
        code: 'sso.saml_destination_mismatch',
        details: { destination: 'https://other-sp.example.com/acs' },
      });
      const none = await idp.loginResponse({ user: alice, requestId: '_b', destination: null });
      expect((await validateAt(config, none, { requestIds: ['_b'] })).subject).toBe('alice@example.com');
    });

    it('refuses an assertion issued under another entity id (issuer)', async () => {
      const response = await idp.loginResponse({ user: alice, requestId: '_b', issuer: 'https://evil-idp.example.com' });
      expect(await refusalOf(validateAt(config, response, { requestIds: ['_b'] }))).toMatchObject({
        code: 'sso.saml_issuer_mismatch',
        details: { issuer: 'https://evil-idp.example.com', expected: config.idpEntityId },
      });
    });

    it('refuses an IdP error status, saying which', async () => {
      const response = await idp.loginResponse({
        user: alice,
        requestId: '_b',
        status: { code: 'urn:oasis:names:tc:SAML:2.0:status:Responder', subCode: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed', message: 'User is not assigned to this application' },
      });
      expect(await refusalOf(validateAt(config, response, { requestIds: ['_b'] }))).toMatchObject({
        code: 'sso.saml_idp_error',
        details: {
          status: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
          subStatus: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
          statusMessage: 'User is not assigned to this application',
        },
      });
    });
  });

  describe('attribute mapping', () => {
    it('maps Okta-style attribute names', async () => {
      const response = await idp.loginResponse({ user: { ...alice, nameId: '00u1abcd2EFGH3ijk4x7' }, requestId: '_m', attributeStyle: 'okta' });
      const identity = await validateAt(config, response, { requestIds: ['_m'] });
      expect(identity).toMatchObject({ subject: '00u1abcd2EFGH3ijk4x7', email: 'alice@example.com', givenName: 'Alice', familyName: 'Liddell', name: null, groups: ['engineering', 'admins'] });
      expect(identity.attributes).toEqual({ email: ['Alice@Example.com'], firstName: ['Alice'], lastName: ['Liddell'], groups: ['engineering', 'admins'] });
    });

    it('maps Entra ID claim URIs, and MFA from its authentication methods', async () => {
      const groups = ['5f1c3a9e-2b7d-4e8f-a1c6-0d9e8b7a6c5f', '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d'];
      const response = await idp.loginResponse({
        user: { ...alice, nameId: 'k3Vd8eQ-7x0bSxG1yQeFVz0LtqTQsYUiJfx9z5kWvCw', groups },
        requestId: '_m',
        attributeStyle: 'entra',
        attributes: { 'http://schemas.microsoft.com/claims/authnmethodsreferences': ['http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password', 'http://schemas.microsoft.com/claims/multipleauthn'] },
      });
      const identity = await validateAt(config, response, { requestIds: ['_m'] });
      expect(identity).toMatchObject({ email: 'alice@example.com', givenName: 'Alice', familyName: 'Liddell', name: 'Alice Liddell', groups, mfa: true });
      expect(identity.attributes['http://schemas.microsoft.com/identity/claims/tenantid']).toEqual(['8a5b7c2e-0d4f-4c1e-9a3b-2f6d8e1c0b7a']);
    });

    it('takes the email from an emailAddress NameID before attributes, and none when there is neither', async () => {
      const fromNameId = await idp.loginResponse({ user: { nameId: 'Bob@Example.com' }, requestId: '_m', attributes: { mail: ['other@example.com'] } });
      expect((await validateAt(config, fromNameId, { requestIds: ['_m'] })).email).toBe('bob@example.com');
      const persistent = await idp.loginResponse({ user: { nameId: 'opaque-id-42' }, requestId: '_m', nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' });
      expect(await validateAt(config, persistent, { requestIds: ['_m'] })).toMatchObject({ subject: 'opaque-id-42', email: null, givenName: null, groups: [] });
    });

    const mfaRefs: [string, boolean][] = [
      ['urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport', false],
      ['urn:oasis:names:tc:SAML:2.0:ac:classes:Password', false],
      ['http://schemas.microsoft.com/claims/multipleauthn', true],
      ['urn:oasis:names:tc:SAML:2.0:ac:classes:X509', true],
      ['urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI', true],
      ['https://refeds.org/profile/mfa', true],
      ['urn:okta:saml:2.0:ac:classes:MultiFactor', true],
    ];
    for (const [ref, mfa] of mfaRefs) {
      it(`reads mfa=${mfa} from AuthnContextClassRef ${ref}`, async () => {
        const response = await idp.loginResponse({ user: alice, requestId: '_m', authnContextClassRef: ref });
        expect((await validateAt(config, response, { requestIds: ['_m'] })).mfa).toBe(mfa);
      });
    }
  });

  describe('bad input', () => {
    const cases: [string, string, string][] = [
      ['empty', '', 'missing'],
      ['not base64', 'PHNhbWxw*OlJlc3BvbnNl', 'not_base64'],
      ['base64 of text', Buffer.from('hello, world').toString('base64'), 'not_xml'],
      ['a DOCTYPE', Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&a;</samlp:Response>').toString('base64'), 'doctype'],
      ['an AuthnRequest', Buffer.from('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0"/>').toString('base64'), 'not_response'],
      ['a SAML 1.1 Response', Buffer.from('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="1.1"/>').toString('base64'), 'version'],
    ];
    for (const [label, input, reason] of cases) {
      it(`refuses ${label} as saml_response_invalid (${reason})`, async () => {
        expect(await refusalOf(validateAt(config, input))).toMatchObject({ code: 'sso.saml_response_invalid', status: 400, details: { reason } });
      });
    }
  });
});

describe('SAML encrypted assertions', () => {
  let idp: SamlIdp;
  let config: SamlConnectionConfig;

  beforeAll(async () => {
    idp = await startSamlIdp({ encryptAssertions: true });
    config = await samlConnectionFor(idp);
  });
  afterAll(() => idp.close());

  it('decrypts the assertion with the SP key and checks its signature', async () => {
    const response = await idp.loginResponse({ user: alice, requestId: '_e' });
    const xml = decodeSamlResponse(response);
    expect(xml).toContain('EncryptedAssertion');
    expect(xml).not.toContain('alice@example.com');
    expect(await validateAt(config, response, { requestIds: ['_e'] })).toMatchObject({ subject: 'alice@example.com', email: 'alice@example.com', inResponseTo: '_e' });
  });

  it('refuses an assertion encrypted to another SP certificate', async () => {
    const response = await idp.loginResponse({ user: alice, requestId: '_e' });
    const other = await generateSpKeyPair('other-sp', new Date());
    const refusal = await refusalOf(validateAt({ ...config, spPrivateKeyPem: other.privateKeyPem, spCertificatePem: other.certificatePem }, response, { requestIds: ['_e'] }));
    expect(refusal).toMatchObject({ code: 'sso.saml_response_invalid', details: { reason: 'undecryptable' } });
  });
});

describe('SAML signing key rollover', () => {
  let idp: SamlIdp;
  let oldCert: string;
  let newCert: string;
  let config: SamlConnectionConfig;

  beforeAll(async () => {
    idp = await startSamlIdp();
    config = await samlConnectionFor(idp);
    oldCert = idp.signingCertificatePem();
    await idp.rolloverSigningKey();
    newCert = idp.signingCertificatePem();
  });
  afterAll(() => idp.close());

  it('publishes only the new certificate in the metadata', () => {
    expect(idp.previousSigningCertificatePem()).toBe(oldCert);
    expect(parseIdpMetadata(idp.metadataXml()).certificates).toEqual([newCert]);
  });

  it('accepts responses signed by either key while both certificates are configured', async () => {
    const both = { ...config, certificates: [oldCert, newCert] };
    for (const signedBy of ['previous', 'current'] as const) {
      const response = await idp.loginResponse({ user: alice, requestId: '_k', signedBy });
      expect((await validateAt(both, response, { requestIds: ['_k'] })).subject).toBe('alice@example.com');
    }
  });

  it('refuses the old key once only the new certificate is configured', async () => {
    const onlyNew = { ...config, certificates: [newCert] };
    const fresh = await idp.loginResponse({ user: alice, requestId: '_k', signedBy: 'current' });
    expect((await validateAt(onlyNew, fresh, { requestIds: ['_k'] })).subject).toBe('alice@example.com');
    const stale = await idp.loginResponse({ user: alice, requestId: '_k', signedBy: 'previous' });
    expect(await refusalOf(validateAt(onlyNew, stale, { requestIds: ['_k'] }))).toMatchObject({ code: 'sso.saml_signature_invalid', details: { reason: 'wrong_key' } });
  });
});
