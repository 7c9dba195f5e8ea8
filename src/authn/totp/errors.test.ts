import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../platform/errors.ts';
import {
  TotpCodeInvalidError,
  TotpCodeMalformedError,
  TotpCodeReplayedError,
  TotpConfigInvalidError,
  TotpEnrollmentExpiredError,
  TotpError,
  totpFailureError,
  type TotpErrorCode,
} from './errors.ts';

const samples: TotpError[] = [
  new TotpCodeMalformedError(6),
  new TotpCodeInvalidError(),
  new TotpCodeReplayedError(),
  new TotpEnrollmentExpiredError(new Date('2026-01-01T00:10:00Z'), new Date('2026-01-01T00:11:00Z')),
  new TotpConfigInvalidError('bad'),
];

const TOTP_CODES = Object.keys(ERROR_CATALOGUE).filter((c) => c.startsWith('authn.totp_')) as TotpErrorCode[];

describe('TOTP errors', () => {
  it('has one class per catalogue code, each with the catalogue status and expose = status < 500', () => {
    expect(samples.map((e) => e.code).sort()).toEqual([...TOTP_CODES].sort());
    for (const error of samples) {
      expect(error).toBeInstanceOf(TotpError);
      expect(error).toBeInstanceOf(Error);
      expect(error.status).toBe(ERROR_CATALOGUE[error.code].status);
      expect(error.expose).toBe(error.status < 500);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('uses authn.totp_* codes', () => {
    expect(TOTP_CODES.length).toBe(5);
    for (const code of TOTP_CODES) expect(code).toMatch(/^authn\.totp_[a-z_]+$/);
  });

  it('maps verifyTotp failure reasons to their errors', () => {
    expect(totpFailureError('malformed', 8)).toMatchObject({ code: 'authn.totp_code_malformed', details: { expectedDigits: 8 } });
    expect(totpFailureError('invalid', 6)).toBeInstanceOf(TotpCodeInvalidError);
    expect(totpFailureError('replayed', 6)).toBeInstanceOf(TotpCodeReplayedError);
  });

  it('says when an enrollment expired and when confirmation came', () => {
    expect(samples[3]!.message).toBe('TOTP enrollment expired at 2026-01-01T00:10:00.000Z, confirmation came at 2026-01-01T00:11:00.000Z; start again');
  });
});
