import { createHash, createPublicKey, type JsonWebKey } from 'node:crypto';
import { KeyledgerError } from '../../platform/errors.ts';

/**
 * Rules for the public keys a private_key_jwt client signs its assertions with
 * (RFC 7523, OIDC Core §9):
 *  - `{ keys: [...] }` with 1 to MAX_JWKS_KEYS keys, each with a unique `kid`;
 *  - public keys only: no private or symmetric members (`d`, `p`, `q`, `dp`,
 *    `dq`, `qi`, `oth`, `k`), so a leaked private key is never stored or served;
 *  - RSA of at least 2048 bits, EC on P-256/P-384/P-521, OKP Ed25519/Ed448;
 *  - `use`, when given, is `sig`; `alg`, when given, is an asymmetric
 *    signature algorithm that fits the key type (never `none` or HS*);
 *  - the key imports as a public key (the numbers are a real key).
 */

export const MAX_JWKS_KEYS = 10;
export const MIN_RSA_BITS = 2048;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);
const OKP_CURVES = new Set(['Ed25519', 'Ed448']);
const ALGS: Record<string, Set<string>> = {
  RSA: new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']),
  EC: new Set(['ES256', 'ES384', 'ES512']),
  OKP: new Set(['EdDSA', 'Ed25519', 'Ed448']),
};

export interface Jwks {
  keys: JsonWebKey[];
}

function refuse(message: string, details: Record<string, unknown>): never {
  throw new KeyledgerError('application.jwks_invalid', message, details);
}

/** The bit length of an RSA modulus given as base64url (leading zero bytes do not count). */
function modulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
}

/** Checks one key; `index` is its position, for the error. */
function checkKey(key: unknown, index: number): JsonWebKey {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) refuse(`jwks.keys[${index}] is not a JSON object`, { index });
  const jwk = key as Record<string, unknown>;
  const kid = jwk.kid;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 200) refuse(`jwks.keys[${index}] has no kid (a non-empty string of at most 200 characters)`, { index });
  const at = { index, kid };
  const secret = PRIVATE_MEMBERS.filter((m) => m in jwk);
  if (secret.length > 0) refuse(`jwks key "${kid}" carries private or symmetric key material (${secret.join(', ')}); register public keys only`, { ...at, members: secret });
  const kty = jwk.kty;
  if (kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') refuse(`jwks key "${kid}" (RSA) needs n and e`, at);
    const bits = modulusBits(jwk.n);
    if (bits < MIN_RSA_BITS) refuse(`jwks key "${kid}" is an RSA key of ${bits} bits, expected at least ${MIN_RSA_BITS}`, { ...at, bits });
  } else if (kty === 'EC') {
    if (!EC_CURVES.has(jwk.crv as string)) refuse(`jwks key "${kid}" uses curve ${JSON.stringify(jwk.crv)}, expected one of ${[...EC_CURVES].join(', ')}`, at);
  } else if (kty === 'OKP') {
    if (!OKP_CURVES.has(jwk.crv as string)) refuse(`jwks key "${kid}" uses curve ${JSON.stringify(jwk.crv)}, expected one of ${[...OKP_CURVES].join(', ')} (signature keys)`, at);
  } else {
    refuse(`jwks key "${kid}" has key type ${JSON.stringify(kty)}, expected RSA, EC or OKP`, at);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') refuse(`jwks key "${kid}" has use ${JSON.stringify(jwk.use)}, expected "sig"`, at);
  if (jwk.alg !== undefined && !ALGS[kty].has(jwk.alg as string)) refuse(`jwks key "${kid}" has alg ${JSON.stringify(jwk.alg)}, expected one of ${[...ALGS[kty]].join(', ')} for a ${kty} key`, at);
  try {
    const imported = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    if (imported.type !== 'public') throw new Error(imported.type);
  } catch {
    refuse(`jwks key "${kid}" is not a well-formed ${kty} public key`, at);
  }
  return jwk as JsonWebKey;
}

/** Checks a client's JWKS against the rules above; returns it as given. Throws `application.jwks_invalid`. */
export function checkJwks(jwks: unknown): Jwks {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) refuse('jwks must be an object { keys: [...] } with at least one key', {});
  if (keys.length > MAX_JWKS_KEYS) refuse(`jwks has ${keys.length} keys, at most ${MAX_JWKS_KEYS} are allowed`, { count: keys.length });
  const checked = keys.map(checkKey);
  const kids = checked.map((k) => k.kid as string);
  const duplicate = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (duplicate !== undefined) refuse(`jwks has two keys with kid "${duplicate}"; each key needs its own`, { kid: duplicate });
  return { keys: checked };
}

/** The RFC 7638 thumbprint (SHA-256, base64url) of a public key checked by checkJwks. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const required: Record<string, string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };
  const members = required[jwk.kty as string] ?? [];
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify((jwk as Record<string, unknown>)[m])}`).join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/** What the ledger records of a JWKS: each key's kid and thumbprint (the keys are public, but the summary is what an auditor compares). */
export function summarizeJwks(jwks: Jwks | null): Array<{ kid: string; thumbprint: string }> | null {
  return jwks ? jwks.keys.map((k) => ({ kid: k.kid as string, thumbprint: jwkThumbprint(k) })) : null;
}
