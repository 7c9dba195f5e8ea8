import { createHmac, randomInt } from 'node:crypto';
import { KeyledgerError } from '../../platform/errors.ts';

/**
 * Upper-case letters and digits without 0/O, 1/I (and so without lower-case l):
 * 32 symbols, 5 bits each, none mistakable for another when read off paper.
 */
export const RECOVERY_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
/** Symbols per code: 10 × 5 bits = 50 bits of entropy. */
export const RECOVERY_CODE_LENGTH = 10;
const GROUP = RECOVERY_CODE_LENGTH / 2;
const MAX_CODES = 100;
const WELL_FORMED = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${RECOVERY_CODE_LENGTH}}$`);

/** One code, `XXXXX-XXXXX`, each symbol drawn uniformly with crypto.randomInt. */
function generateRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_CODE_LENGTH; i += 1) {
    if (i === GROUP) code += '-';
    code += RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)];
  }
  return code;
}

/**
 * A fresh set of `count` distinct recovery codes, formatted `XXXXX-XXXXX`, to
 * show the user once. Store only `hashRecoveryCode` of each.
 * Requires 1 <= count <= 100 (an integer); throws `config.invalid` otherwise.
 */
export function generateRecoveryCodes(count = 10): string[] {
  // Protects against a misconfigured count issuing no codes, or an unbounded number.
  if (!Number.isInteger(count) || count < 1 || count > MAX_CODES) {
    throw new KeyledgerError('config.invalid', `recovery code count is ${count}, expected a whole number from 1 to ${MAX_CODES}`);
  }
  const codes = new Set<string>();
  // Protects against the (2^-50-unlikely) duplicate within one set, which would make one code count twice.
  while (codes.size < count) codes.add(generateRecoveryCode());
  return [...codes];
}

/**
 * The canonical form of a code as typed: NFKC (full-width forms become ASCII),
 * upper case, with spaces and any dashes removed, so "abcde fghjk",
 * "ABCDE-FGHJK" and "abcdefghjk" are one code.
 */
export function normalizeRecoveryCode(input: string): string {
  return input.normalize('NFKC').toUpperCase().replace(/[\s\p{Pd}]+/gu, '');
}

/** Whether typed input, once normalized, could be a recovery code at all (10 symbols of the alphabet); lets a caller refuse garbage before any lookup. */
export function isWellFormedRecoveryCode(input: string): boolean {
  return WELL_FORMED.test(normalizeRecoveryCode(input));
}

/** The label the recovery-code key is derived under, so it is never the master key itself nor any other derived key. */
export const RECOVERY_CODE_KEY_LABEL = 'keyledger:recovery-codes';

/**
 * The key recovery codes are hashed with: HMAC-SHA-256(masterKey,
 * "keyledger:recovery-codes"). Requires a 32-byte master key (platform/crypto).
 */
export function deriveRecoveryCodeKey(masterKey: Buffer): Buffer {
  // Protects against a missing or truncated key making the "keyed" hash guessable.
  if (!Buffer.isBuffer(masterKey) || masterKey.length < 32) {
    throw new KeyledgerError('config.invalid', `recovery code key must derive from a 32-byte master key, got ${Buffer.isBuffer(masterKey) ? `${masterKey.length} bytes` : typeof masterKey}`);
  }
  return createHmac('sha256', masterKey).update(RECOVERY_CODE_KEY_LABEL, 'utf8').digest();
}

/**
 * HMAC-SHA-256 (hex), under `key` from `deriveRecoveryCodeKey`, of
 * `userId` NUL the normalized code: what is stored, and what a submitted code
 * is looked up by. Requires a non-empty `userId` without NUL.
 *
 * Why a fast MAC is acceptable here, unlike a slow hash for passwords: a code
 * is 50 bits drawn uniformly at random by the server, so there is no
 * human-chosen structure for a slow hash to defend; online guessing against
 * 2^50 is hopeless under login limits; and each code is single-use and only
 * stands in for the second factor, behind the argon2id-protected password.
 * The key (derived from the master key, which is not in the database) means a
 * stolen database alone cannot be searched at all; the user id in the message
 * means that even with the key, each user's codes must be searched
 * separately, never all in one pass. After a suspected exposure of the
 * database and the master key together, regenerate the codes.
 */
export function hashRecoveryCode(key: Buffer, userId: string, code: string): string {
  // Protects against an id that could shift the boundary between id and code in the message.
  if (typeof userId !== 'string' || userId === '' || userId.includes('\0')) throw new KeyledgerError('config.invalid', `recovery code owner must be a non-empty id without NUL, got ${JSON.stringify(userId)}`);
  return createHmac('sha256', key).update(`${userId}\0${normalizeRecoveryCode(code)}`, 'utf8').digest('hex');
}
