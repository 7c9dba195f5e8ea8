import { TotpConfigInvalidError, TotpEnrollmentExpiredError, totpFailureError } from './errors.ts';
import { checkTotpSecret, generateTotpSecret, resolveTotpParameters, verifyTotp, type TotpAlgorithm, type TotpParameters } from './totp.ts';

/**
 * The state rules of TOTP enrollment, kept pure for the service to apply:
 * enrollment starts pending with a fresh secret and a short expiry, and becomes
 * active only when the user proves the authenticator holds the secret by
 * entering a valid code before the expiry (confirm-before-activate). A
 * half-finished enrollment therefore never becomes a factor the user cannot
 * produce. Storing the records (secret encrypted with platform/crypto's
 * envelope encryption) is the service's job.
 */

/** How long a pending enrollment may be confirmed: long enough to install an app and scan, short enough that a leaked QR goes stale. */
export const TOTP_ENROLLMENT_TTL_MS = 10 * 60 * 1000;

export interface PendingTotpEnrollment {
  secret: Buffer;
  algorithm: TotpAlgorithm;
  digits: number;
  period: number;
  createdAt: Date;
  expiresAt: Date;
}

export interface ActiveTotpEnrollment {
  secret: Buffer;
  algorithm: TotpAlgorithm;
  digits: number;
  period: number;
  activatedAt: Date;
  /** The step of the confirming code: store it, so that code cannot be used again to log in. */
  lastUsedStep: number;
}

/**
 * Opens a pending enrollment at `now`, expiring `TOTP_ENROLLMENT_TTL_MS` later.
 * Requires a valid `now`. `secret` defaults to a fresh 160-bit secret; pass one
 * only to replay a known fixture. Parameters default to SHA1 / 6 digits / 30 s,
 * the only combination every authenticator app honours.
 */
export function startEnrollment(now: Date, options: { secret?: Buffer } & TotpParameters = {}): PendingTotpEnrollment {
  // An invalid clock reading would produce an expiry of NaN that never (or always) passes.
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TotpConfigInvalidError(`enrollment start time must be a valid Date, got ${String(now)}`);
  }
  const secret = options.secret ?? generateTotpSecret();
  // A weak injected secret would be enrolled for good; refuse it before it reaches a QR code.
  checkTotpSecret(secret);
  // Bad parameters are refused now, not after the user has scanned a QR code that can never confirm.
  const { algorithm, digits, period } = resolveTotpParameters(options);
  return {
    secret,
    algorithm,
    digits,
    period,
    createdAt: new Date(now.getTime()),
    expiresAt: new Date(now.getTime() + TOTP_ENROLLMENT_TTL_MS),
  };
}

/**
 * Activates a pending enrollment if `code` is valid for its secret at `now` and
 * `now` is before `expiresAt`; returns the active record including the step
 * to store as `lastUsedStep`. Throws `TotpEnrollmentExpiredError`,
 * `TotpCodeMalformedError` or `TotpCodeInvalidError`. Requires a record made by
 * `startEnrollment` and a valid `now`; `window` as for `verifyTotp`.
 */
export function confirmEnrollment(
  pending: PendingTotpEnrollment,
  code: string,
  now: Date,
  options: { window?: number } = {},
): ActiveTotpEnrollment {
  // An invalid clock reading would compare false against the expiry and let a stale enrollment through.
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TotpConfigInvalidError(`enrollment confirmation time must be a valid Date, got ${String(now)}`);
  }
  // A stale pending enrollment (abandoned tab, leaked QR) must not be activated.
  if (now.getTime() >= pending.expiresAt.getTime()) {
    throw new TotpEnrollmentExpiredError(pending.expiresAt, now);
  }
  const result = verifyTotp({
    secret: pending.secret,
    code,
    now,
    lastUsedStep: null,
    window: options.window,
    algorithm: pending.algorithm,
    digits: pending.digits,
    period: pending.period,
  });
  // Confirm-before-activate: without a valid code the user has not shown the app holds the secret.
  if (!result.ok) throw totpFailureError(result.reason, pending.digits);
  return {
    secret: pending.secret,
    algorithm: pending.algorithm,
    digits: pending.digits,
    period: pending.period,
    activatedAt: new Date(now.getTime()),
    lastUsedStep: result.step,
  };
}
