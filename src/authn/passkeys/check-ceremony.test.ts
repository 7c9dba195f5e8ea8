import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { FLAG, SoftAuthenticator } from '../../../test/support/soft-authenticator.ts';
import { checkAuthenticationShape, checkAuthenticatorData, checkCeremony, checkClientData, checkRegistrationShape, readAttestedAuthenticatorData, readAuthenticatorData } from './check-ceremony.ts';

const RP = 'id.acme.test';
const ORIGIN = 'https://id.acme.test';
const CHALLENGE = Buffer.alloc(32, 3).toString('base64url');
const expected = { type: 'webauthn.get' as const, challenge: CHALLENGE, origins: [ORIGIN], rpId: RP };
const clientData = (data: Record<string, unknown>) => Buffer.from(JSON.stringify(data)).toString('base64url');

/** One credential on a software authenticator, and a fresh assertion from it. */
function setup() {
  const a = new SoftAuthenticator();
  a.create({ rp: { id: RP, name: 'Keyledger' }, user: { id: 'aGFuZGxl', name: 'ada', displayName: 'Ada' }, challenge: CHALLENGE, pubKeyCredParams: [{ alg: -7, type: 'public-key' }] }, ORIGIN);
  return { a, assertion: a.get({ rpId: RP, challenge: CHALLENGE }, ORIGIN) };
}

describe('checkClientData', () => {
  const good = { type: 'webauthn.get', challenge: CHALLENGE, origin: ORIGIN, crossOrigin: false };
  it('accepts the expected type, challenge and origin', () => {
    expect(checkClientData(clientData(good), expected)).toBeNull();
  });
  it.each([
    [{ ...good, type: 'webauthn.create' }, 'type'],
    [{ ...good, challenge: CHALLENGE.slice(1) }, 'challenge'],
    [{ ...good, origin: 'https://id.acme.test:8443' }, 'origin'],
    [{ ...good, origin: 'http://id.acme.test' }, 'origin'],
    [{ ...good, origin: 'https://id.acme.test.evil.test' }, 'origin'],
    [{ ...good, crossOrigin: true, topOrigin: 'https://evil.test' }, 'origin'],
    [{ ...good, origin: undefined }, 'origin'],
  ])('refuses %j as a %s mismatch, saying what it expected and got', (data, check) => {
    const m = checkClientData(clientData(data), expected);
    expect(m?.check).toBe(check);
    expect(m?.expected).toBeDefined();
    expect(m?.got).toBeDefined();
  });
  it('refuses clientDataJSON that is not a JSON object', () => {
    expect(checkClientData(Buffer.from('not json').toString('base64url'), expected)?.check).toBe('malformed');
    expect(checkClientData(Buffer.from('null').toString('base64url'), expected)?.check).toBe('malformed');
  });
});

describe('checkAuthenticatorData', () => {
  const hash = createHash('sha256').update(RP).digest();
  const flags = { up: true, uv: true, be: true, bs: true, at: false, ed: false, flagsInt: 0x1d };
  it('accepts our RP id hash with UP and UV', () => {
    expect(checkAuthenticatorData({ rpIdHash: hash, flags }, RP)).toBeNull();
  });
  it('refuses a bit-flipped, truncated or parent-domain RP id hash', () => {
    const flipped = Buffer.from(hash);
    flipped[31] ^= 1;
    expect(checkAuthenticatorData({ rpIdHash: flipped, flags }, RP)?.check).toBe('rp_id');
    expect(checkAuthenticatorData({ rpIdHash: hash.subarray(0, 31), flags }, RP)?.check).toBe('rp_id');
    expect(checkAuthenticatorData({ rpIdHash: createHash('sha256').update('acme.test').digest(), flags }, RP)).toMatchObject({ check: 'rp_id', expected: hash.toString('hex') });
  });
  it('refuses a missing UP or UV flag', () => {
    expect(checkAuthenticatorData({ rpIdHash: hash, flags: { ...flags, up: false } }, RP)?.check).toBe('user_presence');
    expect(checkAuthenticatorData({ rpIdHash: hash, flags: { ...flags, uv: false } }, RP)?.check).toBe('user_verification');
  });
});

describe('response shapes and authenticator data from a real (software) authenticator', () => {
  it('accepts the browser JSON of a registration and an assertion', () => {
    const a = new SoftAuthenticator();
    const reg = a.create({ rp: { id: RP, name: 'K' }, user: { id: 'aGFuZGxl', name: 'ada', displayName: 'Ada' }, challenge: CHALLENGE, pubKeyCredParams: [{ alg: -7, type: 'public-key' }] }, ORIGIN);
    expect(checkRegistrationShape(reg)).toBeNull();
    const parsed = readAttestedAuthenticatorData(reg.response.attestationObject);
    expect(parsed?.flags).toMatchObject({ up: true, uv: true, be: true, bs: true, at: true });
    expect(Buffer.from(parsed!.credentialID!).toString('base64url')).toBe(reg.id);
    const { assertion } = setup();
    expect(checkAuthenticationShape(assertion)).toBeNull();
    expect(checkCeremony(assertion.response.clientDataJSON, readAuthenticatorData(assertion.response.authenticatorData), expected)).toBeNull();
  });
  it('reports the first broken expectation of a tampered assertion', () => {
    const { a } = setup();
    const noUv = a.get({ rpId: RP, challenge: CHALLENGE }, ORIGIN, { clearFlags: FLAG.UV });
    expect(checkCeremony(noUv.response.clientDataJSON, readAuthenticatorData(noUv.response.authenticatorData), expected)?.check).toBe('user_verification');
    const truncated = Buffer.from(noUv.response.authenticatorData, 'base64url').subarray(0, 30).toString('base64url');
    expect(checkCeremony(noUv.response.clientDataJSON, readAuthenticatorData(truncated), expected)?.check).toBe('malformed');
  });
  it.each([
    ['null', null],
    ['a string', 'credential'],
    ['a long id', { id: 'A'.repeat(1365), rawId: 'A'.repeat(1365), type: 'public-key', response: {} }],
    ['rawId ≠ id', { id: 'AAAA', rawId: 'AAAB', type: 'public-key', response: {} }],
    ['another type', { id: 'AAAA', rawId: 'AAAA', type: 'password', response: {} }],
    ['no response', { id: 'AAAA', rawId: 'AAAA', type: 'public-key' }],
    ['a non-base64url signature', { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'a+b/' } }],
  ])('refuses an assertion that is %s as malformed', (_label, value) => {
    expect(checkAuthenticationShape(value)?.check).toBe('malformed');
  });
});
