import { describe, expect, it } from 'vitest';
import { checkAmr, isFresh, mergeAmr, sessionState } from './session.ts';
import { thrown } from '../../test/support/thrown.ts';

const at = (iso: string) => new Date(iso);

describe('isFresh', () => {
  const signedIn = { authTime: '2026-01-01T10:00:00.000Z', stepUpAt: null };

  it('counts the sign-in as proof until the window passes, inclusive', () => {
    expect(isFresh(signedIn, at('2026-01-01T10:04:59.999Z'), 300)).toBe(true);
    expect(isFresh(signedIn, at('2026-01-01T10:05:00.000Z'), 300)).toBe(true);
    expect(isFresh(signedIn, at('2026-01-01T10:05:00.001Z'), 300)).toBe(false);
  });

  it('counts the latest step-up once it is newer than the sign-in', () => {
    const stepped = { ...signedIn, stepUpAt: '2026-01-01T11:00:00.000Z' };
    expect(isFresh(stepped, at('2026-01-01T11:04:00.000Z'), 300)).toBe(true);
    expect(isFresh(stepped, at('2026-01-01T11:06:00.000Z'), 300)).toBe(false);
  });

  it('with a zero window, only a proof at this very instant is fresh', () => {
    expect(isFresh(signedIn, at('2026-01-01T10:00:00.000Z'), 0)).toBe(true);
    expect(isFresh(signedIn, at('2026-01-01T10:00:00.001Z'), 0)).toBe(false);
  });

  it('refuses a negative window rather than calling every session stale', () => {
    expect(thrown(() => isFresh(signedIn, at('2026-01-01T10:00:00.000Z'), -1))).toBeInstanceOf(RangeError);
  });
});

describe('sessionState', () => {
  const row = { revoked_at: null, idle_expires_at: '2026-01-01T10:30:00.000Z', absolute_expires_at: '2026-01-01T22:00:00.000Z' };

  it('is active before both expiries and expired at the idle instant', () => {
    expect(sessionState(row, at('2026-01-01T10:29:59.999Z'))).toBe('active');
    expect(sessionState(row, at('2026-01-01T10:30:00.000Z'))).toBe('idle_expired');
  });

  it('reports the absolute limit before the idle one, and revocation before both', () => {
    expect(sessionState(row, at('2026-01-01T22:00:00.000Z'))).toBe('absolute_expired');
    expect(sessionState({ ...row, revoked_at: '2026-01-01T10:00:00.000Z' }, at('2026-01-01T23:00:00.000Z'))).toBe('revoked');
  });
});

describe('checkAmr and mergeAmr', () => {
  it('accepts RFC 8176 values and drops duplicates', () => {
    expect(checkAmr(['pwd', 'otp', 'pwd'])).toEqual(['pwd', 'otp']);
    expect(checkAmr(['hwk', 'user'])).toEqual(['hwk', 'user']);
  });

  it.each([[[]], [['password']], [['pwd', 'TOTP']], ['pwd'], [null], [[1]]])('refuses %j with session.amr_invalid', (amr) => {
    expect(thrown(() => checkAmr(amr))).toMatchObject({ code: 'session.amr_invalid', status: 422 });
  });

  it('merges keeping existing methods first', () => {
    expect(mergeAmr(['pwd'], ['otp', 'pwd'])).toEqual(['pwd', 'otp']);
  });
});
