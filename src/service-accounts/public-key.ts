import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { KeyledgerError } from '../platform/errors.ts';

/**
 * Checks a public key a caller registers for OAuth `private_key_jwt` client
 * authentication, and gives the form Keyledger stores. Rules:
 * - a JWK or a PEM SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`), nothing else;
 * - public only: a JWK with private members (d, p, q, dp, dq, qi) or a PEM
 *   private key is refused, never reduced to its public half (the caller
 *   would have sent a private key over the wire: it must be replaced);
 * - asymmetric only: `oct` keys (HS256 and friends) are refused;
 * - RSA of 2048 to 8192 bits (RS256); EC on P-256 (ES256) or P-384 (ES384);
 *   Ed25519 (EdDSA). Other curves, RSA-PSS-only keys, X25519 and DSA are refused;
 * - a JWK's own `alg` or `use`, when present, must agree (alg as above, use `sig`).
 * The stored JWK holds only the public members node exported, plus `kid`
 * (the credential id), `alg` and `use: "sig"`, so nothing else a caller sent is kept.
 */

export type KeyAlg = 'RS256' | 'ES256' | 'ES384' | 'EdDSA';

export interface CheckedPublicKey {
  /** The public members only (kty, n/e, crv/x/y), normalized by node. */
  jwk: Record<string, string>;
  alg: KeyAlg;
  /** RFC 7638 SHA-256 thumbprint, base64url. */
  thumbprint: string;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;
const MAX_PEM_LENGTH = 10_000;

function refuse(reason: string, message: string): KeyledgerError {
  return new KeyledgerError('service_account.public_key_invalid', message, { reason });
}

/** The key as a KeyObject, refusing anything that is not a plain public key. */
function importJwk(jwk: Record<string, unknown>): KeyObject {
  if (typeof jwk.kty !== 'string') throw refuse('malformed', 'the JWK has no "kty"');
  // A symmetric key is a shared secret: it cannot be a public key, whatever else it claims.
  if (jwk.kty === 'oct') throw refuse('symmetric_key', `symmetric keys (kty "oct"${typeof jwk.alg === 'string' ? `, alg "${jwk.alg}"` : ''}) are refused; register a public key (RSA, EC or Ed25519)`);
  const secret = PRIVATE_MEMBERS.filter((m) => m in jwk);
  if (secret.length > 0) throw refuse('private_key', `the JWK carries private key members (${secret.join(', ')}); send only the public key and replace this key pair, its private half has left its owner`);
  if (!['RSA', 'EC', 'OKP'].includes(jwk.kty)) throw refuse('unsupported_key_type', `kty "${jwk.kty}" is not supported, expected RSA, EC or OKP`);
  try {
    return createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch (err) {
    throw refuse('malformed', `the JWK is not a valid ${jwk.kty} public key: ${(err as Error).message}`);
  }
}

function importPem(pem: string): KeyObject {
  const text = pem.trim();
  if (text.length > MAX_PEM_LENGTH) throw refuse('malformed', `the PEM is longer than ${MAX_PEM_LENGTH} characters`);
  const label = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  // A private key PEM would be silently turned into its public half by createPublicKey; refuse it outright.
  if (label && /PRIVATE KEY/.test(label)) throw refuse('private_key', `the PEM is a private key ("${label}"); send only the public key (BEGIN PUBLIC KEY) and replace this key pair`);
  if (label !== 'PUBLIC KEY') throw refuse('malformed', `expected a PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"), got ${label ? `"${label}"` : 'no PEM header'}`);
  if (!/-----END PUBLIC KEY-----$/.test(text)) throw refuse('malformed', 'the PEM has no "-----END PUBLIC KEY-----" line');
  try {
    return createPublicKey({ key: text, format: 'pem', type: 'spki' });
  } catch (err) {
    throw refuse('malformed', `the PEM is not a valid public key: ${(err as Error).message}`);
  }
}

/** The algorithm a key is used with, refusing weak or unsupported keys. */
function algorithmOf(key: KeyObject): KeyAlg {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw refuse('weak_key', `RSA keys need at least ${MIN_RSA_BITS} bits, got ${bits}`);
    if (bits > MAX_RSA_BITS) throw refuse('unsupported_key_type', `RSA keys of more than ${MAX_RSA_BITS} bits are not supported, got ${bits}`);
    return 'RS256';
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    throw refuse('unsupported_key_type', `EC keys must be on P-256 or P-384, got ${curve ?? 'an unnamed curve'}`);
  }
  if (type === 'ed25519') return 'EdDSA';
  throw refuse('unsupported_key_type', `${type ?? 'this'} keys are not supported, expected RSA (2048+ bits), EC P-256/P-384 or Ed25519`);
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: Record<string, string>): string {
  const required: Record<string, string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };
  const members = required[jwk.kty];
  if (!members) throw refuse('unsupported_key_type', `kty "${jwk.kty}" has no thumbprint`);
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/**
 * Checks a caller-supplied public key (exactly one of `jwk`, `pem`) and returns
 * its public JWK, algorithm and thumbprint. Throws
 * `service_account.public_key_invalid` with details.reason one of
 * private_key, symmetric_key, weak_key, unsupported_key_type, malformed, alg_mismatch.
 */
export function checkPublicKey(input: { jwk?: Record<string, unknown>; pem?: string }): CheckedPublicKey {
  if ((input.jwk === undefined) === (input.pem === undefined)) throw refuse('malformed', 'send exactly one of "jwk" and "pem"');
  const key = input.jwk !== undefined ? importJwk(input.jwk) : importPem(input.pem!);
  if (key.type !== 'public') throw refuse('private_key', 'only public keys can be registered');
  const alg = algorithmOf(key);
  if (input.jwk) {
    if (input.jwk.alg !== undefined && input.jwk.alg !== alg) throw refuse('alg_mismatch', `the JWK says alg ${JSON.stringify(input.jwk.alg)}, but this key is used with ${alg}`);
    if (input.jwk.use !== undefined && input.jwk.use !== 'sig') throw refuse('alg_mismatch', `the JWK says use ${JSON.stringify(input.jwk.use)}, expected "sig"`);
  }
  const exported = key.export({ format: 'jwk' }) as Record<string, string>;
  const jwk: Record<string, string> = {};
  for (const member of ['kty', 'crv', 'n', 'e', 'x', 'y']) if (typeof exported[member] === 'string') jwk[member] = exported[member];
  return { jwk, alg, thumbprint: jwkThumbprint(jwk) };
}
