import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../platform/errors.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import { PasswordError, type PasswordErrorCode } from './errors.ts';

const PASSWORD_CODES = Object.keys(ERROR_CATALOGUE).filter((c) => c.startsWith('authn.password_')) as PasswordErrorCode[];

describe('password errors', () => {
  it('carry the catalogue status, and expose only client errors', () => {
    expect(PASSWORD_CODES.length).toBe(7);
    for (const code of PASSWORD_CODES) {
      const error = new PasswordError(code, 'message', { detail: 1 });
      expect(error).toBeInstanceOf(KeyledgerError);
      expect(error).toMatchObject({ name: 'PasswordError', code, status: ERROR_CATALOGUE[code].status, expose: ERROR_CATALOGUE[code].status < 500, details: { detail: 1 } });
    }
    expect(new PasswordError('authn.password_hash_invalid', 'x').expose).toBe(false);
    expect(new PasswordError('authn.password_too_short', 'x').expose).toBe(true);
  });

  it('use authn.password_* codes', () => {
    for (const code of PASSWORD_CODES) expect(code).toMatch(/^authn\.password_[a-z_]+$/);
  });

  it('keep the cause of a wrapped failure', () => {
    const cause = new Error('decoding failed');
    expect(new PasswordError('authn.password_hash_invalid', 'x', undefined, { cause }).cause).toBe(cause);
  });
});
