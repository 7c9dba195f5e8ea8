import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyledgerError } from '../../platform/errors.ts';
import { checkJwks, jwkThumbprint, MAX_JWKS_KEYS, summarizeJwks } from './check-jwks.ts';

type Pair = { pub: JsonWebKey; priv: JsonWebKey };
function rsa(bits: number): Pair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { pub: publicKey.export({ format: 'jwk' }), priv: privateKey.export({ format: 'jwk' }) };
}
function ec(namedCurve: string): Pair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve });
  return { pub: publicKey.export({ format: 'jwk' }), priv: privateKey.export({ format: 'jwk' }) };
}
function okp(kind: 'ed25519' | 'x25519'): Pair {
  const { publicKey, privateKey } = kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
  return { pub: publicKey.export({ format: 'jwk' }), priv: privateKey.export({ format: 'jwk' }) };
}

const rsa2048 = rsa(2048);
const rsa1024 = rsa(1024);
const p256 = ec('prime256v1');
const p384 = ec('secp384r1');
const k256 = ec('secp256k1');
const ed = okp('ed25519');
const x = okp('x25519');

function failure(jwks: unknown): { code: string; message: string } | undefined {
  try {
    checkJwks(jwks);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(KeyledgerError);
    return { code: (err as KeyledgerError).code, message: (err as KeyledgerError).message };
  }
}

describe('checkJwks', () => {
  it('accepts public RSA ≥ 2048, EC P-256/P-384 and Ed25519 keys, each with its kid, and returns them as given', () => {
    const jwks = {
      keys: [
        { ...rsa2048.pub, kid: 'rsa-1', use: 'sig', alg: 'PS256' },
        { ...p256.pub, kid: 'ec-1', alg: 'ES256' },
        { ...p384.pub, kid: 'ec-2' },
        { ...ed.pub, kid: 'ed-1', alg: 'EdDSA' },
      ],
    };
    expect(checkJwks(jwks)).toEqual(jwks);
  });

  const refusals: Array<[string, unknown, string]> = [
    ['no keys member', {}, 'with at least one key'],
    ['an empty key list', { keys: [] }, 'with at least one key'],
    ['a key that is not an object', { keys: ['x'] }, 'not a JSON object'],
    ['a key without kid', { keys: [{ ...p256.pub }] }, 'has no kid'],
    ['an empty kid', { keys: [{ ...p256.pub, kid: '' }] }, 'has no kid'],
    ['an RSA private key', { keys: [{ ...rsa2048.priv, kid: 'r' }] }, 'private or symmetric key material (d, p, q, dp, dq, qi)'],
    ['an EC private key', { keys: [{ ...p256.priv, kid: 'e' }] }, 'private or symmetric key material (d)'],
    ['an Ed25519 private key', { keys: [{ ...ed.priv, kid: 'o' }] }, 'private or symmetric key material (d)'],
    ['a symmetric key', { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 's' }] }, 'private or symmetric key material (k)'],
    ['an RSA key of 1024 bits', { keys: [{ ...rsa1024.pub, kid: 'weak' }] }, 'RSA key of 1024 bits, expected at least 2048'],
    ['an RSA key without n', { keys: [{ kty: 'RSA', e: 'AQAB', kid: 'r' }] }, 'needs n and e'],
    ['an EC key on secp256k1', { keys: [{ ...k256.pub, kid: 'k1' }] }, 'curve "secp256k1"'],
    ['an X25519 (key agreement) key', { keys: [{ ...x.pub, kid: 'x' }] }, 'curve "X25519"'],
    ['an unknown key type', { keys: [{ kty: 'DSA', kid: 'd' }] }, 'key type "DSA"'],
    ['use enc', { keys: [{ ...p256.pub, kid: 'e', use: 'enc' }] }, 'use "enc", expected "sig"'],
    ['alg none', { keys: [{ ...p256.pub, kid: 'e', alg: 'none' }] }, 'alg "none"'],
    ['alg HS256', { keys: [{ ...rsa2048.pub, kid: 'r', alg: 'HS256' }] }, 'alg "HS256"'],
    ['an alg for another key type', { keys: [{ ...p256.pub, kid: 'e', alg: 'RS256' }] }, 'alg "RS256"'],
    ['an EC point not on the curve', { keys: [{ ...p256.pub, kid: 'e', y: p384.pub.y }] }, 'not a well-formed EC public key'],
    ['a duplicate kid', { keys: [{ ...p256.pub, kid: 'same' }, { ...ed.pub, kid: 'same' }] }, 'two keys with kid "same"'],
    ['too many keys', { keys: Array.from({ length: MAX_JWKS_KEYS + 1 }, (_, i) => ({ ...p256.pub, kid: `k${i}` })) }, `at most ${MAX_JWKS_KEYS}`],
  ];
  for (const [label, jwks, message] of refusals) {
    it(`refuses ${label} with application.jwks_invalid`, () => {
      const f = failure(jwks);
      expect(f?.code).toBe('application.jwks_invalid');
      expect(f?.message).toContain(message);
    });
  }
});

describe('jwkThumbprint', () => {
  it('computes the RFC 7638 §3.1 example thumbprint', () => {
    const key: JsonWebKey = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(key)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('differs between keys and ignores kid, alg and use', () => {
    expect(jwkThumbprint({ ...p256.pub, kid: 'a' })).toBe(jwkThumbprint({ ...p256.pub, kid: 'b', alg: 'ES256', use: 'sig' }));
    expect(jwkThumbprint(p256.pub)).not.toBe(jwkThumbprint(ed.pub));
    expect(summarizeJwks({ keys: [{ ...ed.pub, kid: 'ed-1' }] })).toEqual([{ kid: 'ed-1', thumbprint: jwkThumbprint(ed.pub) }]);
    expect(summarizeJwks(null)).toBeNull();
  });
});
