import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { calculateJwkThumbprint } from 'jose';
import { checkPublicKey, jwkThumbprint } from './public-key.ts';
import { KeyledgerError } from '../platform/errors.ts';

const pub = (k: ReturnType<typeof generateKeyPairSync>['publicKey']) => k.export({ format: 'jwk' }) as Record<string, string>;
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyledgerError);
    expect((err as KeyledgerError).code).toBe('service_account.public_key_invalid');
    return ((err as KeyledgerError).details as { reason: string }).reason;
  }
  throw new Error('expected a refusal');
}

describe('checkPublicKey', () => {
  it('accepts RSA 2048+, EC P-256/P-384 and Ed25519 as JWK and as PEM, with the fixed algorithm and the RFC 7638 thumbprint', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [pub(rsa2048.publicKey), 'RS256'],
      [pub(generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey), 'RS256'],
      [pub(p256.publicKey), 'ES256'],
      [pub(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey), 'ES384'],
      [pub(generateKeyPairSync('ed25519').publicKey), 'EdDSA'],
    ];
    for (const [jwk, alg] of cases) {
      const fromJwk = checkPublicKey({ jwk: { ...jwk, alg, use: 'sig', kid: 'theirs', x5c: ['junk'] } });
      expect(fromJwk.alg).toBe(alg);
      // Only public members are kept: the caller's kid and other members are dropped.
      expect(fromJwk.jwk).toEqual(jwk);
      expect(fromJwk.thumbprint).toBe(await calculateJwkThumbprint(jwk as never, 'sha256'));
      const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ format: 'pem', type: 'spki' }) as string;
      expect(checkPublicKey({ pem })).toEqual(fromJwk);
    }
  });

  it('refuses private keys, as JWK and as PEM of every label, instead of deriving their public half', () => {
    expect(reason(() => checkPublicKey({ jwk: p256.privateKey.export({ format: 'jwk' }) as never }))).toBe('private_key');
    expect(reason(() => checkPublicKey({ jwk: rsa2048.privateKey.export({ format: 'jwk' }) as never }))).toBe('private_key');
    expect(reason(() => checkPublicKey({ pem: rsa2048.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }))).toBe('private_key');
    expect(reason(() => checkPublicKey({ pem: rsa2048.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string }))).toBe('private_key');
    expect(reason(() => checkPublicKey({ pem: p256.privateKey.export({ format: 'pem', type: 'sec1' }) as string }))).toBe('private_key');
  });

  it('refuses symmetric, weak, unsupported and malformed keys', () => {
    expect(reason(() => checkPublicKey({ jwk: { kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' } }))).toBe('symmetric_key');
    expect(reason(() => checkPublicKey({ jwk: pub(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey) }))).toBe('weak_key');
    expect(reason(() => checkPublicKey({ pem: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }) as string }))).toBe('weak_key');
    expect(reason(() => checkPublicKey({ jwk: pub(generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey) }))).toBe('unsupported_key_type');
    expect(reason(() => checkPublicKey({ jwk: pub(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey) }))).toBe('unsupported_key_type');
    expect(reason(() => checkPublicKey({ jwk: pub(generateKeyPairSync('x25519').publicKey) }))).toBe('unsupported_key_type');
    expect(reason(() => checkPublicKey({ jwk: pub(generateKeyPairSync('ed448').publicKey) }))).toBe('unsupported_key_type');
    expect(reason(() => checkPublicKey({ jwk: { ...pub(p256.publicKey), y: pub(p256.publicKey).x } }))).toBe('malformed');
    expect(reason(() => checkPublicKey({ jwk: { kty: 'RSA', n: 'AQAB' } }))).toBe('malformed');
    expect(reason(() => checkPublicKey({ jwk: {} }))).toBe('malformed');
    expect(reason(() => checkPublicKey({ pem: 'garbage' }))).toBe('malformed');
    expect(reason(() => checkPublicKey({ pem: '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----' }))).toBe('malformed');
    expect(reason(() => checkPublicKey({ pem: rsa2048.publicKey.export({ format: 'pem', type: 'pkcs1' }) as string }))).toBe('malformed');
    expect(reason(() => checkPublicKey({}))).toBe('malformed');
    expect(reason(() => checkPublicKey({ jwk: pub(p256.publicKey), pem: 'x' }))).toBe('malformed');
  });

  it('refuses a JWK whose own alg or use disagrees with the key', () => {
    expect(reason(() => checkPublicKey({ jwk: { ...pub(p256.publicKey), alg: 'ES384' } }))).toBe('alg_mismatch');
    expect(reason(() => checkPublicKey({ jwk: { ...pub(rsa2048.publicKey), alg: 'HS256' } }))).toBe('alg_mismatch');
    expect(reason(() => checkPublicKey({ jwk: { ...pub(rsa2048.publicKey), use: 'enc' } }))).toBe('alg_mismatch');
  });

  it('computes the RFC 7638 example thumbprint', () => {
    // RFC 7638 section 3.1.
    const n = '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    expect(jwkThumbprint({ kty: 'RSA', n, e: 'AQAB' })).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
});
