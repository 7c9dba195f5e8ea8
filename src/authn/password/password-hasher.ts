import { randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';
import { KeyledgerError } from '../../platform/errors.ts';
import { PasswordError } from './errors.ts';
import { normalizePassword } from './normalize-password.ts';

/** Argon2id cost parameters, named as @node-rs/argon2 names them (memory in KiB, output length in bytes). */
export interface Argon2idParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  outputLen: number;
}

/** OWASP Password Storage Cheat Sheet, first argon2id option: 19 MiB, 2 passes, 1 lane, 32-byte tag. */
export const OWASP_ARGON2ID: Readonly<Argon2idParams> = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 });

/** The fields of a stored argon2 PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`. */
export interface ParsedPasswordHash {
  algorithm: 'argon2id' | 'argon2i' | 'argon2d';
  version: 16 | 19;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

export interface PasswordVerification {
  ok: boolean;
  /** True only when `ok` and the stored hash was made with other algorithm, version or parameters than the hasher's: store a fresh hash now, while the password is at hand. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  readonly params: Readonly<Argon2idParams>;
  /** Hashes the NFKC-normalized password with a fresh 16-byte salt from the library; returns the PHC string to store. */
  hash(password: string): Promise<string>;
  /** Checks a password against a stored PHC string in constant time (inside the library); throws `authn.password_hash_invalid` if the string is malformed. */
  verify(encoded: string, password: string): Promise<PasswordVerification>;
  /** Does the work of one `verify` against a fixed hash at the same parameters and always fails: call it for unknown accounts so timing does not reveal which exist. */
  dummyVerify(password: string): Promise<PasswordVerification>;
}

const ARGON2ID = 2 as Algorithm; // Algorithm is a `const enum`, which isolated-module transpilers cannot inline
const UINT32_MAX = 2 ** 32 - 1;
// Ceilings for stored hashes, far above any sane policy (OWASP's heaviest option is 46 MiB, t=1).
const MAX_STORED_MEMORY_KIB = 1_048_576;
const MAX_STORED_TIME_COST = 64;
const MAX_STORED_BYTES = 64;
const MIN_SALT_BYTES = 16;

/** A hash of 32 random bytes nobody kept, at OWASP_ARGON2ID: the target of `dummyVerify` for the default parameters. */
const OWASP_DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$PUON9ZgCceFHmIc4b/y9pA$MjCYkgFCtJLXrd3cRhul3iSuWcLCvnXnsaGTtHX/eUg';

const PHC_PATTERN = /^\$(argon2id|argon2i|argon2d)\$v=(16|19)\$m=([1-9][0-9]{0,9}),t=([1-9][0-9]{0,9}),p=([1-9][0-9]{0,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function invalid(message: string): PasswordError {
  return new PasswordError('authn.password_hash_invalid', `stored password hash is malformed: ${message}`);
}

/** Decodes PHC base64 (standard alphabet, no padding), refusing any string that is not the one canonical encoding of its bytes. */
function decodePhcBase64(text: string, field: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  // Protects against non-canonical encodings (stray trailing bits, impossible lengths) that lenient decoders accept silently.
  if (bytes.toString('base64').replace(/=+$/, '') !== text) throw invalid(`${field} is not canonical unpadded base64`);
  return bytes;
}

/**
 * Parses a stored argon2 PHC string strictly: the `v=` field is required, the
 * parameters come in the order m, t, p with no `keyid`/`data`, numbers carry no
 * leading zeros, base64 is canonical. Throws `authn.password_hash_invalid`
 * (status 500: a bad row is a server fault) with what was wrong.
 */
export function parsePasswordHash(encoded: string): ParsedPasswordHash {
  // Protects against rows that are not PHC strings at all (bcrypt, plain text, truncated columns, stray whitespace).
  const match = typeof encoded === 'string' ? PHC_PATTERN.exec(encoded) : null;
  if (!match) throw invalid('expected "$argon2{id,i,d}$v=<16|19>$m=<kib>,t=<passes>,p=<lanes>$<salt>$<hash>"');
  const [, algorithm, version, m, t, p, saltText, hashText] = match;
  const memoryCost = Number(m);
  const timeCost = Number(t);
  const parallelism = Number(p);
  // Protects against values RFC 9106 forbids: at most 2^32-1, and at least 8 KiB of memory per lane.
  if (memoryCost > UINT32_MAX || timeCost > UINT32_MAX) throw invalid(`m=${m} or t=${t} exceeds 2^32-1`);
  if (memoryCost < 8 * parallelism) throw invalid(`m=${memoryCost} is below 8 KiB per lane (p=${parallelism})`);
  // Protects against a corrupt or planted row turning one login into gigabytes of memory or minutes of CPU.
  if (memoryCost > MAX_STORED_MEMORY_KIB) throw invalid(`m=${memoryCost} exceeds the ceiling of ${MAX_STORED_MEMORY_KIB} KiB`);
  if (timeCost > MAX_STORED_TIME_COST) throw invalid(`t=${timeCost} exceeds the ceiling of ${MAX_STORED_TIME_COST}`);
  const salt = decodePhcBase64(saltText, 'salt');
  const hash = decodePhcBase64(hashText, 'hash');
  // Protects against salts and tags shorter than RFC 9106 allows (8 and 4 bytes) or longer than any we write.
  if (salt.length < 8 || salt.length > MAX_STORED_BYTES) throw invalid(`salt is ${salt.length} bytes, expected 8 to ${MAX_STORED_BYTES}`);
  if (hash.length < 4 || hash.length > MAX_STORED_BYTES) throw invalid(`hash is ${hash.length} bytes, expected 4 to ${MAX_STORED_BYTES}`);
  return {
    algorithm: algorithm as ParsedPasswordHash['algorithm'],
    version: Number(version) as 16 | 19,
    memoryCost,
    timeCost,
    parallelism,
    salt,
    hash,
  };
}

/** Whether a stored hash was made differently from how `params` would make it today (algorithm, version, costs, tag length, a short salt). */
export function hashNeedsRehash(parsed: ParsedPasswordHash, params: Readonly<Argon2idParams>): boolean {
  return (
    parsed.algorithm !== 'argon2id' ||
    parsed.version !== 19 ||
    parsed.memoryCost !== params.memoryCost ||
    parsed.timeCost !== params.timeCost ||
    parsed.parallelism !== params.parallelism ||
    parsed.hash.length !== params.outputLen ||
    parsed.salt.length < MIN_SALT_BYTES
  );
}

/** Copies the four cost fields, refusing values outside what this module will later verify. Throws `config.invalid`. */
function checkParams(params: Readonly<Argon2idParams>): Readonly<Argon2idParams> {
  // Copying only the known fields protects against extra keys (a fixed `salt`, a `secret`) reaching the library through a spread.
  const { memoryCost, timeCost, parallelism, outputLen } = params;
  const fail = (message: string) => new KeyledgerError('config.invalid', `argon2id parameters are out of range: ${message}`);
  // Protects against NaN and fractions, which the native binding would truncate or reject at the first login.
  if (![memoryCost, timeCost, parallelism, outputLen].every(Number.isInteger)) throw fail(`expected whole numbers, got ${JSON.stringify(params)}`);
  // Protects against values below RFC 9106's floors (1 pass, 1 to 255 lanes in this binding, 8 KiB per lane).
  if (timeCost < 1 || parallelism < 1 || parallelism > 255 || memoryCost < 8 * parallelism) throw fail(`t=${timeCost}, p=${parallelism}, m=${memoryCost} KiB`);
  // Protects against writing hashes that parsePasswordHash would later refuse as over the ceilings.
  if (timeCost > MAX_STORED_TIME_COST || memoryCost > MAX_STORED_MEMORY_KIB) throw fail(`t=${timeCost} (at most ${MAX_STORED_TIME_COST}), m=${memoryCost} KiB (at most ${MAX_STORED_MEMORY_KIB})`);
  // Protects against tags too short to resist collisions, or longer than the parser accepts.
  if (outputLen < 16 || outputLen > MAX_STORED_BYTES) throw fail(`outputLen is ${outputLen} bytes, expected 16 to ${MAX_STORED_BYTES}`);
  return Object.freeze({ memoryCost, timeCost, parallelism, outputLen });
}

/**
 * A password hasher: argon2id at `params` (default OWASP_ARGON2ID), passwords
 * NFKC-normalized first. Comparison happens inside @node-rs/argon2, in
 * constant time; this module never compares hashes itself.
 */
export function createPasswordHasher(params: Readonly<Argon2idParams> = OWASP_ARGON2ID): PasswordHasher {
  const current = checkParams(params);
  let dummyHash: Promise<string> | null = null;

  async function verify(encoded: string, password: string): Promise<PasswordVerification> {
    const parsed = parsePasswordHash(encoded);
    let ok: boolean;
    try {
      ok = await argon2Verify(encoded, normalizePassword(password));
    } catch (err) {
      throw new PasswordError('authn.password_hash_invalid', 'stored password hash was refused by the argon2 library', undefined, { cause: err });
    }
    return { ok, needsRehash: ok && hashNeedsRehash(parsed, current) };
  }

  function targetForDummy(): Promise<string> {
    const sameAsOwasp = (Object.keys(OWASP_ARGON2ID) as (keyof Argon2idParams)[]).every((k) => current[k] === OWASP_ARGON2ID[k]);
    // Other parameters get their own target, made once, so the dummy costs what a real verify costs (the first call also pays one hash).
    dummyHash ??= sameAsOwasp ? Promise.resolve(OWASP_DUMMY_HASH) : argon2Hash(randomBytes(32).toString('base64url'), { ...current, algorithm: ARGON2ID });
    return dummyHash;
  }

  return {
    params: current,
    hash: (password) => argon2Hash(normalizePassword(password), { ...current, algorithm: ARGON2ID }),
    verify,
    async dummyVerify(password) {
      await verify(await targetForDummy(), password);
      return { ok: false, needsRehash: false };
    },
  };
}
