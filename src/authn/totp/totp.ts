import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { TotpConfigInvalidError } from './errors.ts';

/**
 * The pure TOTP layer (RFC 6238 over RFC 4226 HOTP): secrets, otpauth URIs,
 * QR codes and code verification with replay protection. No clock, storage or
 * I/O here: the caller passes the time and the last step it stored.
 */

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** Parameters shared by every authenticator; the defaults are the only ones all authenticator apps honour. */
export interface TotpParameters {
  algorithm?: TotpAlgorithm;
  digits?: number;
  period?: number;
}

export const TOTP_DEFAULTS = { algorithm: 'SHA1', digits: 6, period: 30, window: 1 } as const;

/** RFC 4226 §4 R6 requires at least 128 bits of shared secret. */
export const TOTP_MIN_SECRET_BYTES = 16;
/** RFC 4226 §4 R6 recommends 160 bits. */
export const TOTP_SECRET_BYTES = 20;
/** Each extra step of skew multiplies an online guesser's odds; RFC 6238 §5.2 recommends at most one. */
export const TOTP_MAX_WINDOW = 10;

const ALGORITHMS: readonly string[] = ['SHA1', 'SHA256', 'SHA512'];

export type TotpVerification = { ok: true; step: number } | { ok: false; reason: 'malformed' | 'invalid' | 'replayed' };

/** A fresh 160-bit secret from the system CSPRNG. No preconditions. */
export function generateTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

/**
 * RFC 4648 base32 of the secret, unpadded, as authenticator apps expect.
 * Requires `secret.length >= TOTP_MIN_SECRET_BYTES`.
 */
export function totpSecretToBase32(secret: Buffer): string {
  return toOtpSecret(secret).base32;
}

/**
 * The base32 secret in groups of four ("JBSW Y3DP …") for manual entry on the
 * enrollment page; authenticator apps ignore the spaces. Same precondition as
 * `totpSecretToBase32`.
 */
export function totpSecretForDisplay(secret: Buffer): string {
  return totpSecretToBase32(secret).replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * The time step (RFC 6238 T) that `now` falls in. Requires a valid `now` at or
 * after the Unix epoch and a positive integer `period` in seconds.
 */
export function totpStep(now: Date, period: number = TOTP_DEFAULTS.period): number {
  checkPeriod(period);
  checkNow(now);
  return Math.floor(now.getTime() / 1000 / period);
}

/**
 * The code an authenticator shows at `now`. Used by tests and fixtures; the
 * server never needs to display a code. Preconditions as for `verifyTotp`.
 */
export function generateTotpCode(options: { secret: Buffer; now: Date } & TotpParameters): string {
  const { algorithm, digits, period } = resolveTotpParameters(options);
  return codeAtStep(toOtpSecret(options.secret), totpStep(options.now, period), algorithm, digits);
}

/**
 * The `otpauth://totp/ISSUER:ACCOUNT?issuer=ISSUER&secret=…` key URI (Google's
 * Key URI Format), every component percent-encoded. Requires a non-empty
 * `issuer` without a colon (authenticator apps split the label at the first
 * colon, so a colon in the issuer would move part of it into the account
 * name), a non-empty `accountName`, a secret of at least 128 bits and valid
 * parameters.
 */
export function totpUri(options: { secret: Buffer; issuer: string; accountName: string } & TotpParameters): string {
  const { algorithm, digits, period } = resolveTotpParameters(options);
  // An empty issuer would drop the issuer from the label and leave apps to guess the service.
  if (typeof options.issuer !== 'string' || options.issuer.trim() === '') {
    throw new TotpConfigInvalidError('TOTP issuer must be a non-empty string');
  }
  // A colon in the issuer makes the label ambiguous: apps would show part of the issuer as the account.
  if (options.issuer.includes(':')) {
    throw new TotpConfigInvalidError(`TOTP issuer "${options.issuer}" must not contain a colon`);
  }
  // An empty account name leaves the user unable to tell two entries of one issuer apart.
  if (typeof options.accountName !== 'string' || options.accountName.trim() === '') {
    throw new TotpConfigInvalidError('TOTP account name must be a non-empty string');
  }
  const totp = new TOTP({
    issuer: options.issuer,
    label: options.accountName,
    issuerInLabel: true,
    secret: toOtpSecret(options.secret),
    algorithm,
    digits,
    period,
  });
  return totp.toString();
}

/** An SVG image of the key URI's QR code. Requires a URI made by `totpUri`. */
export async function totpQrSvg(uri: string): Promise<string> {
  checkOtpauthUri(uri);
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M' });
}

/** A `data:image/png;base64,…` URL of the key URI's QR code. Requires a URI made by `totpUri`. */
export async function totpQrDataUrl(uri: string): Promise<string> {
  checkOtpauthUri(uri);
  return QRCode.toDataURL(uri, { type: 'image/png', errorCorrectionLevel: 'M' });
}

/**
 * Checks a submitted code against the steps `current - window … current + window`
 * (clock skew) in constant time, and refuses any step not newer than
 * `lastUsedStep`, so each code is used once and an older code cannot follow a
 * newer one. On success the caller must store the returned `step` as its new
 * `lastUsedStep` (atomically with accepting the login). When a code matches
 * several steps (a 1-in-10^digits collision) the newest is returned, so the
 * same code cannot be replayed against the other.
 *
 * Whitespace in `code` is ignored; anything else but exactly `digits` ASCII
 * digits is `malformed`. Requires: a secret of at least 128 bits; `now` valid
 * and not before 1970; `lastUsedStep` null or a non-negative integer;
 * `window` an integer in 0..TOTP_MAX_WINDOW; `digits` 6..8; `period` a
 * positive integer. Brute-force limits are the caller's job: each attempt has
 * (2·window+1)/10^digits odds.
 */
export function verifyTotp(options: {
  secret: Buffer;
  code: string;
  now: Date;
  lastUsedStep: number | null;
  window?: number;
} & TotpParameters): TotpVerification {
  const { algorithm, digits, period } = resolveTotpParameters(options);
  const window = options.window ?? TOTP_DEFAULTS.window;
  // A negative, fractional or huge window would either reject everything or accept far too many codes.
  if (!Number.isInteger(window) || window < 0 || window > TOTP_MAX_WINDOW) {
    throw new TotpConfigInvalidError(`TOTP window must be an integer from 0 to ${TOTP_MAX_WINDOW}, got ${String(window)}`);
  }
  const { lastUsedStep } = options;
  // A corrupt stored step (NaN, negative) would silently disable replay protection.
  if (lastUsedStep !== null && (!Number.isSafeInteger(lastUsedStep) || lastUsedStep < 0)) {
    throw new TotpConfigInvalidError(`lastUsedStep must be null or a non-negative integer, got ${String(lastUsedStep)}`);
  }
  const current = totpStep(options.now, period);
  const secret = toOtpSecret(options.secret);

  const submitted = typeof options.code === 'string' ? options.code.replace(/\s+/g, '') : '';
  // Non-digits, wrong lengths and non-ASCII digits are refused before any HMAC is computed.
  if (submitted.length !== digits || !/^[0-9]+$/.test(submitted)) {
    return { ok: false, reason: 'malformed' };
  }

  const submittedBytes = Buffer.from(submitted, 'ascii');
  let matched = -1;
  // Every candidate is computed and compared, so timing does not reveal which step (if any) matched.
  // Ascending order makes the last match the newest; there are no steps before the epoch.
  for (let step = Math.max(current - window, 0); step <= current + window; step++) {
    const candidate = Buffer.from(codeAtStep(secret, step, algorithm, digits), 'ascii');
    const equal = timingSafeEqual(candidate, submittedBytes);
    matched = equal ? step : matched;
  }

  // No step in the window produced this code: wrong secret, typo, or a clock too far off.
  if (matched < 0) return { ok: false, reason: 'invalid' };
  // A step at or before the last one used is a replay, or an older code used after a newer one.
  if (lastUsedStep !== null && matched <= lastUsedStep) return { ok: false, reason: 'replayed' };
  return { ok: true, step: matched };
}

/** otpauth's Secret takes an ArrayBuffer; copy so a pooled Buffer's neighbours never leak into the key. */
function toOtpSecret(secret: Buffer): Secret {
  checkTotpSecret(secret);
  return new Secret({ buffer: Uint8Array.from(secret).buffer });
}

function codeAtStep(secret: Secret, step: number, algorithm: TotpAlgorithm, digits: number): string {
  return HOTP.generate({ secret, algorithm, digits, counter: step });
}

/** Throws `TotpConfigInvalidError` unless `secret` is a Buffer of at least 128 bits. */
export function checkTotpSecret(secret: Buffer): void {
  // A short or missing secret falls below RFC 4226's 128-bit minimum.
  if (!Buffer.isBuffer(secret) || secret.length < TOTP_MIN_SECRET_BYTES) {
    const got = Buffer.isBuffer(secret) ? `${secret.length} bytes` : typeof secret;
    throw new TotpConfigInvalidError(`TOTP secret must be a Buffer of at least ${TOTP_MIN_SECRET_BYTES} bytes, got ${got}`);
  }
}

/**
 * Fills in the defaults and throws `TotpConfigInvalidError` unless the
 * algorithm is SHA1/SHA256/SHA512, digits 6..8 and period a positive integer.
 */
export function resolveTotpParameters(options: TotpParameters): Required<TotpParameters> {
  const algorithm = options.algorithm ?? TOTP_DEFAULTS.algorithm;
  const digits = options.digits ?? TOTP_DEFAULTS.digits;
  const period = options.period ?? TOTP_DEFAULTS.period;
  // An unknown algorithm string (e.g. from a corrupt row) must not fall through to some other HMAC.
  if (!ALGORITHMS.includes(algorithm)) {
    throw new TotpConfigInvalidError(`TOTP algorithm must be one of ${ALGORITHMS.join(', ')}, got "${String(algorithm)}"`);
  }
  // RFC 4226 §5.3: at least 6 digits; 7 and 8 are the defined extensions.
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new TotpConfigInvalidError(`TOTP digits must be 6, 7 or 8, got ${String(digits)}`);
  }
  checkPeriod(period);
  return { algorithm, digits, period };
}

function checkPeriod(period: number): void {
  // A zero, negative or fractional period makes steps meaningless (division by zero, drifting boundaries).
  if (!Number.isInteger(period) || period < 1) {
    throw new TotpConfigInvalidError(`TOTP period must be a positive integer of seconds, got ${String(period)}`);
  }
}

function checkNow(now: Date): void {
  // An invalid or pre-epoch time would give NaN or negative steps and break replay ordering.
  if (!(now instanceof Date) || Number.isNaN(now.getTime()) || now.getTime() < 0) {
    throw new TotpConfigInvalidError(`TOTP time must be a valid Date at or after 1970-01-01, got ${String(now)}`);
  }
}

function checkOtpauthUri(uri: string): void {
  // The enrollment QR must only ever carry a TOTP key URI, never an arbitrary (attacker-chosen) string.
  if (typeof uri !== 'string' || !uri.startsWith('otpauth://totp/')) {
    throw new TotpConfigInvalidError('QR codes are drawn only for otpauth://totp/ URIs');
  }
}
