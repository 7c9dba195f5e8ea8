/**
 * Errors of the TOTP layer. The codes are not yet in the central catalogue
 * (src/platform/errors.ts); TOTP_ERROR_CATALOGUE has the same shape so the
 * integrator can move it there, after which these classes can become plain
 * `KeyledgerError`s with the same code, status and expose flag.
 */
export const TOTP_ERROR_CATALOGUE = {
  'authn.totp_code_malformed': { status: 400, description: 'The one-time code is not exactly the expected number of digits.' },
  'authn.totp_code_invalid': { status: 422, description: 'The one-time code does not match the secret at the current time (within the allowed clock skew).' },
  'authn.totp_code_replayed': { status: 422, description: 'The one-time code was already used, or a newer code has been used since.' },
  'authn.totp_enrollment_expired': { status: 410, description: 'The pending TOTP enrollment has expired; start enrollment again.' },
  'authn.totp_config_invalid': { status: 500, description: 'TOTP parameters are outside what Keyledger supports (secret size, digits, period, window, algorithm, issuer or account name).' },
} as const satisfies Record<`authn.${string}`, { status: number; description: string }>;

export type TotpErrorCode = keyof typeof TOTP_ERROR_CATALOGUE;

/** Base class: a stable code, its status, and whether the message may reach a client. */
export class TotpError extends Error {
  override readonly name: string = 'TotpError';
  readonly code: TotpErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly details?: unknown;

  constructor(code: TotpErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.status = TOTP_ERROR_CATALOGUE[code].status;
    this.expose = this.status < 500;
    this.details = details;
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
