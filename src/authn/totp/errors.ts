import { KeyledgerError, type ErrorCode } from '../../platform/errors.ts';

/** The TOTP layer's codes (all in the central catalogue, src/platform/errors.ts). */
export type TotpErrorCode = Extract<ErrorCode, `authn.totp_${string}`>;

/** Base class of the TOTP layer's errors. */
export class TotpError extends KeyledgerError {
  declare readonly code: TotpErrorCode;
  override readonly name: string = 'TotpError';

  constructor(code: TotpErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** The submitted code is not `digits` ASCII digits (spaces aside). */
export class TotpCodeMalformedError extends TotpError {
  override readonly name = 'TotpCodeMalformedError';
  constructor(expectedDigits: number) {
    super('authn.totp_code_malformed', `Expected a code of exactly ${expectedDigits} digits`, { expectedDigits });
  }
}

/** The code matches no time step in the accepted window. */
export class TotpCodeInvalidError extends TotpError {
  override readonly name = 'TotpCodeInvalidError';
  constructor() {
    super('authn.totp_code_invalid', 'The code is not valid for this authenticator at this time');
  }
}

/** The code matches, but its step is not newer than the last step used. */
export class TotpCodeReplayedError extends TotpError {
  override readonly name = 'TotpCodeReplayedError';
  constructor() {
    super('authn.totp_code_replayed', 'The code has already been used; wait for the next code');
  }
}

/** Confirmation arrived at or after the pending enrollment's expiry. */
export class TotpEnrollmentExpiredError extends TotpError {
  override readonly name = 'TotpEnrollmentExpiredError';
  constructor(expiresAt: Date, now: Date) {
    super(
      'authn.totp_enrollment_expired',
      `TOTP enrollment expired at ${expiresAt.toISOString()}, confirmation came at ${now.toISOString()}; start again`,
      { expiresAt: expiresAt.toISOString() },
    );
  }
}

/** A caller broke a precondition (server-side bug or bad configuration); never exposed. */
export class TotpConfigInvalidError extends TotpError {
  override readonly name = 'TotpConfigInvalidError';
  constructor(message: string) {
    super('authn.totp_config_invalid', message);
  }
}

/** The failure reasons `verifyTotp` reports, mapped to their typed errors. */
export function totpFailureError(reason: 'malformed' | 'invalid' | 'replayed', digits: number): TotpError {
  switch (reason) {
    case 'malformed':
      return new TotpCodeMalformedError(digits);
    case 'invalid':
      return new TotpCodeInvalidError();
    case 'replayed':
      return new TotpCodeReplayedError();
  }
}
