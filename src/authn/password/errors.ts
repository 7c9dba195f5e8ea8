import { KeyledgerError, type ErrorCode } from '../../platform/errors.ts';

/** The password layer's codes (all in the central catalogue, src/platform/errors.ts). */
export type PasswordErrorCode = Extract<ErrorCode, `authn.password_${string}`>;

/** An error of the password layer. */
export class PasswordError extends KeyledgerError {
  declare readonly code: PasswordErrorCode;
  override readonly name = 'PasswordError';

  constructor(code: PasswordErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
