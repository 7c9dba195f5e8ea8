import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamlConnectionConfig } from '../../src/sso/saml/service-provider.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import {
  ATTACKER_NAME_ID,
  commentInNameId,
  decodeSamlResponse,
  duplicateIds,
  encodeSamlResponse,
  removeSignatures,
  resignWithAttackerKey,
  swapAudience,
  twoAssertions,
  xsw1,
  xsw2,
  xsw3,
  xsw4,
  xsw5,
  xsw6,
  xsw7,
  xsw8,
} from '../support/saml-attacks.ts';
import { samlConnectionFor, validateAt } from '../support/saml-connection.ts';
import { refusalOf } from '../support/thrown.ts';

/**
 * Each attack starts from a response the IdP really signed, shows that the
 * untampered response is accepted (so a refusal is the attack's doing, not the
 * fixture's), then that the tampered one is refused with its specific code.
 */

const victim = { nameId: 'alice@example.com', email: 'alice@example.com', givenName: 'Alice' };
const REQUEST = '_attack-request';

describe('SAML attack suite', () => {
  let idp: SamlIdp;
  let config: SamlConnectionConfig;

  beforeAll(async () => {
    idp = await startSamlIdp();
    config = await samlConnectionFor(idp);
  });
  afterAll(() => idp.close());

  const validate = (samlResponse: string) => validateAt(config, samlResponse, { requestIds: [REQUEST] });

  /** A freshly signed response's XML, checked to be accepted as it is. */
  async function signedXml(sign: 'assertion' | 'response' | 'both', user = victim): Promise<string> {
    const response = await idp.loginResponse({ user, requestId: REQUEST, sign });
    expect((await validate(response)).subject).toBe(user.nameId);
    return decodeSamlResponse(response);
  }

  async function expectRefused(xml: string, code: string, reason?: string): Promise<void> {
    const refusal = await refusalOf(validate(encodeSamlResponse(xml)));
    expect(refusal.code).toBe(code);
    if (reason) expect(refusal.details).toMatchObject({ reason });
    expect(JSON.stringify(refusal)).not.toContain(ATTACKER_NAME_ID);
  }

  describe('XML Signature Wrapping (SAMLRaider XSW1–XSW8)', () => {
    const responseWrapping = { xsw1, xsw2 };
    for (const [name, attack] of Object.entries(responseWrapping)) {
      it(`${name}: the signed Response hidden ${name === 'xsw1' ? 'inside its Signature' : 'beside its Signature'} is refused`, async () => {
        const xml = await signedXml('both');
        const forged = attack(xml);
        expect(forged).toContain(ATTACKER_NAME_ID);
        await expectRefused(forged, 'sso.saml_signature_invalid', 'xsw');
      });
    }

    const assertionWrapping = { xsw3, xsw4, xsw5, xsw6, xsw7, xsw8 };
    for (const sign of ['assertion', 'both'] as const) {
      for (const [name, attack] of Object.entries(assertionWrapping)) {
        it(`${name} on a response with the ${sign === 'both' ? 'Response and assertion' : 'assertion'} signed is refused`, async () => {
          const xml = await signedXml(sign);
          const forged = attack(xml);
          expect(forged).toContain(ATTACKER_NAME_ID);
          await expectRefused(forged, 'sso.saml_signature_invalid', 'xsw');
        });
      }
    }
  });

  describe('signatures', () => {
    for (const sign of ['assertion', 'response', 'both'] as const) {
      it(`refuses a response (${sign} signed) with every signature removed`, async () => {
        await expectRefused(removeSignatures(await signedXml(sign)), 'sso.saml_signature_invalid', 'unsigned');
      });
    }

    it('refuses an assertion re-signed by an attacker key whose certificate rides in KeyInfo', async () => {
      const forged = await resignWithAttackerKey(await signedXml('assertion'));
      expect(forged).toContain('<ds:X509Certificate>');
      expect(forged).toContain(ATTACKER_NAME_ID);
      await expectRefused(forged, 'sso.saml_signature_invalid', 'wrong_key');
    });

    it('refuses a signed assertion whose Audience was rewritten', async () => {
      const forged = swapAudience(await signedXml('assertion'), 'https://other-sp.example.com');
      expect(forged).toContain('<saml:Audience>https://other-sp.example.com</saml:Audience>');
      await expectRefused(forged, 'sso.saml_signature_invalid', 'altered');
    });

    it('refuses a Response whose signed content was changed after signing (response-only signature)', async () => {
      const xml = await signedXml('response');
      await expectRefused(xml.replace('>alice@example.com<', `>${ATTACKER_NAME_ID}<`), 'sso.saml_signature_invalid', 'altered');
    });
  });

  describe('ids and assertions', () => {
    it('refuses a forged assertion that reuses the signed one’s ID', async () => {
      await expectRefused(duplicateIds(await signedXml('assertion')), 'sso.saml_signature_invalid', 'duplicate_id');
    });

    it('refuses two genuinely signed assertions in one response', async () => {
      const first = await signedXml('assertion');
      const second = await signedXml('assertion', { nameId: 'mallory@example.com', email: 'mallory@example.com', givenName: 'Mallory' });
      const combined = twoAssertions(first, second);
      expect(combined.match(/<saml:Assertion /g)).toHaveLength(2);
      const refusal = await refusalOf(validate(encodeSamlResponse(combined)));
      expect(refusal).toMatchObject({ code: 'sso.saml_multiple_assertions', details: { count: 2 } });
    });
  });

  describe('the NameID comment trick', () => {
    it('reads the whole NameID around a comment, never the part before it', async () => {
      const registered = 'admin@victim.com.evil.com';
      const xml = await signedXml('assertion', { nameId: registered, email: registered, givenName: 'Eve' });
      const tricked = commentInNameId(xml, '.evil.com');
      expect(tricked).toContain('admin@victim.com<!---->.evil.com');
      // The signature still verifies (canonicalization drops comments), so only the reading can go wrong.
      const identity = await validate(encodeSamlResponse(tricked));
      expect(identity.subject).toBe(registered);
      expect(identity.email).toBe(registered);
    });
  });

  describe('replay', () => {
    it('validates the same response twice with the same tokenId, for the service to refuse the second', async () => {
      const response = encodeSamlResponse(await signedXml('assertion'));
      const [a, b] = [await validate(response), await validate(response)];
      expect(b.tokenId).toBe(a.tokenId);
      expect(b.expiresAt).toBe(a.expiresAt);
    });
  });
});
