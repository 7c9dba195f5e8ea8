/**
 * Error codes of the password layer. They follow the central catalogue
 * (src/platform/errors.ts): a stable code, an HTTP status, and `expose` for
 * client errors only. The integrator merges this list into ERROR_CATALOGUE;
 * until then the layer stays self-contained.
 */
export const PASSWORD_ERROR_CATALOGUE = {
  'authn.password_hash_invalid': { status: 500, description: 'A stored password hash is not a well-formed argon2 PHC string.' },
  'authn.password_policy_invalid': { status: 422, description: 'The password policy breaks a NIST SP 800-63B floor (minimum below 12 without MFA or below 8, maximum below 64).' },
  'authn.password_too_short': { status: 422, description: 'The password has fewer Unicode code points (after NFKC) than the policy minimum.' },
  'authn.password_too_long': { status: 422, description: 'The password has more Unicode code points (after NFKC) than the policy maximum.' },
  'authn.password_breached_or_common': { status: 422, description: 'The password is on the blocklist of common and breached passwords.' },
  'authn.password_contains_context': { status: 422, description: 'The password contains the user\'s email name, name, the organization, or the service name.' },
  'authn.password_too_weak': { status: 422, description: 'The password is too easy to guess (strength estimate below 3 of 4).' },
} as const satisfies Record<`authn.password_${string}`, { status: number; description: string }>;

export type PasswordErrorCode = keyof typeof PASSWORD_ERROR_CATALOGUE;

/** An error of the password layer, shaped like KeyledgerError: a code, a status, and whether its message may reach a client. */
export class PasswordError extends Error {
  readonly code: PasswordErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly details?: unknown;

  constructor(code: PasswordErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PasswordError';
    this.code = code;
    this.status = PASSWORD_ERROR_CATALOGUE[code].status;
    this.expose = this.status < 500;
    this.details = details;
  }
}
