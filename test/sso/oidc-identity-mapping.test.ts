import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { claimsAsAttributes, claimsShowMfa, groupsOf, mapOidcIdentity, verifiedEmail } from '../../src/sso/oidc/identity-mapping.ts';

const base = { iss: 'https://idp.example.com', sub: '00u1', aud: 'kl', exp: 1_800_000_000, iat: 1_799_999_000 };

describe('OIDC claims → federated identity', () => {
  it('maps an ID token without jti to the SHA-256 of the token, and exp to ISO time', () => {
    const identity = mapOidcIdentity({ idTokenClaims: { ...base, email: 'A@B.example', sid: 'sess-1' }, idToken: 'header.payload.sig', state: 'st' });
    expect(identity).toEqual({
      subject: '00u1',
      issuer: 'https://idp.example.com',
      email: 'a@b.example',
      givenName: null,
      familyName: null,
      name: null,
      groups: [],
      attributes: { iss: ['https://idp.example.com'], sub: ['00u1'], aud: ['kl'], exp: ['1800000000'], iat: ['1799999000'], email: ['A@B.example'], sid: ['sess-1'] },
      tokenId: createHash('sha256').update('header.payload.sig').digest('base64url'),
      expiresAt: '2027-01-15T08:00:00.000Z',
      inResponseTo: 'st',
      mfa: false,
      sessionIndex: 'sess-1',
    });
    expect(mapOidcIdentity({ idTokenClaims: { ...base, jti: 'tok-9' }, idToken: 'x', state: 'st' }).tokenId).toBe('tok-9');
  });

  it('takes subject and issuer from the ID token only; userinfo completes other claims and never overrides the ID token', () => {
    const identity = mapOidcIdentity({
      idTokenClaims: { ...base, email: 'id@example.com' },
      userinfo: { sub: 'someone-else', iss: 'https://evil.example', email: 'ui@example.com', groups: ['g1'], given_name: 'Ui' },
      idToken: 'x',
      state: 'st',
    });
    expect(identity).toMatchObject({ subject: '00u1', issuer: 'https://idp.example.com', email: 'id@example.com', groups: ['g1'], givenName: 'Ui' });
  });

  it('takes the email only when the IdP does not say it is unverified', () => {
    expect(verifiedEmail({ email: ' Ada@Example.COM ' })).toBe('ada@example.com');
    expect(verifiedEmail({ email: 'ada@example.com', email_verified: true })).toBe('ada@example.com');
    expect(verifiedEmail({ email: 'ada@example.com', email_verified: false })).toBeNull();
    expect(verifiedEmail({ email: 'ada@example.com', email_verified: 'false' })).toBeNull();
    expect(verifiedEmail({ email: '' })).toBeNull();
    expect(verifiedEmail({ email: ['a@b.c'] })).toBeNull();
    expect(verifiedEmail({})).toBeNull();
  });

  it('reads groups as a list or a single string, deduplicated', () => {
    expect(groupsOf({ groups: ['a', 'b', 'a', '', 7] })).toEqual(['a', 'b', '7']);
    expect(groupsOf({ groups: 'Domain Admins' })).toEqual(['Domain Admins']);
    expect(groupsOf({ groups: null })).toEqual([]);
    expect(groupsOf({})).toEqual([]);
  });

  it('sees MFA in amr, or in an acr that names multi-factor assurance', () => {
    const mfa = [
      { amr: ['pwd', 'mfa'] },
      { amr: ['otp'] },
      { amr: ['HWK'] },
      { amr: ['swk', 'user'] },
      { amr: ['sc'] },
      { amr: ['fpt'] },
      { acr: 'urn:keyledger:acr:mfa' },
      { acr: 'urn:keyledger:acr:phr' },
      { acr: 'phrh' },
      { acr: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' },
      { acr: 'urn:okta:loa:2fa:any' },
      { acr: 'http://idmanagement.gov/ns/assurance/aal/2' },
    ];
    for (const claims of mfa) expect(claimsShowMfa(claims), JSON.stringify(claims)).toBe(true);
    const single = [{}, { amr: ['pwd'] }, { amr: ['pwd', 'kba'] }, { amr: 'mfa' }, { acr: '1' }, { acr: 'urn:keyledger:acr:pwd' }, { acr: 'urn:okta:loa:1fa:pwd' }, { acr: 'urn:okta:loa:2fa:any:ifpossible' }, { acr: 'http://idmanagement.gov/ns/assurance/aal/1' }, { acr: 'mfa-disabled-policy' }];
    for (const claims of single) expect(claimsShowMfa(claims), JSON.stringify(claims)).toBe(false);
  });

  it('stringifies every claim for the administrator, leaving out nulls', () => {
    expect(claimsAsAttributes({ s: 'x', n: 3, b: false, list: ['a', 1, null], obj: { country: 'NL' }, gone: null })).toEqual({
      s: ['x'],
      n: ['3'],
      b: ['false'],
      list: ['a', '1'],
      obj: ['{"country":"NL"}'],
    });
  });
});
