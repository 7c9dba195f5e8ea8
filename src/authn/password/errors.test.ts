import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../platform/errors.ts';
import { PASSWORD_ERROR_CATALOGUE, PasswordError, type PasswordErrorCode } from './errors.ts';

describe('password errors', () => {
  it('carry the catalogue status, and expose only client errors', () => {
    for (const code of Object.keys(PASSWORD_ERROR_CATALOGUE) as PasswordErrorCode[]) {
      const error = new PasswordError(code, 'message', { detail: 1 });
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'PasswordError', code, status: PASSWORD_ERROR_CATALOGUE[code].status, expose: PASSWORD_ERROR_CATALOGUE[code].status < 500, details: { detail: 1 } });
    }
    expect(new PasswordError('authn.password_hash_invalid', 'x').expose).toBe(false);
    expect(new PasswordError('authn.password_too_short', 'x').expose).toBe(true);
  });

  it('use authn.password_* codes that do not collide with the central catalogue', () => {
    for (const code of Object.keys(PASSWORD_ERROR_CATALOGUE)) {
      expect(code).toMatch(/^authn\.password_[a-z_]+$/);
      expect(Object.keys(ERROR_CATALOGUE)).not.toContain(code);
    }
  });

  it('keep the cause of a wrapped failure', () => {
    const cause = new Error('decoding failed');
    expect(new PasswordError('authn.password_hash_invalid', 'x', undefined, { cause }).cause).toBe(cause);
  });
});
