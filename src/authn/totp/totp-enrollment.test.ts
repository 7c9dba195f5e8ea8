import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { TotpCodeInvalidError, TotpCodeMalformedError, TotpConfigInvalidError, TotpEnrollmentExpiredError } from './errors.ts';
import { confirmEnrollment, startEnrollment, TOTP_ENROLLMENT_TTL_MS } from './totp-enrollment.ts';
import { generateTotpCode, totpStep, verifyTotp } from './totp.ts';

const SECRET = Buffer.from('12345678901234567890', 'ascii');
const START = '2026-03-14T12:00:00.000Z';

function begin() {
  const clock = new ManualClock(START);
  const pending = startEnrollment(clock.now(), { secret: SECRET });
  const codeNow = () => generateTotpCode({ secret: pending.secret, now: clock.now() });
  return { clock, pending, codeNow };
}

describe('startEnrollment', () => {
  it('opens a pending record that expires ten minutes later', () => {
    const now = new Date(START);
    const pending = startEnrollment(now);
    expect(TOTP_ENROLLMENT_TTL_MS).toBe(10 * 60 * 1000);
    expect(pending.createdAt.toISOString()).toBe(START);
    expect(pending.expiresAt.toISOString()).toBe('2026-03-14T12:10:00.000Z');
    expect(pending).toMatchObject({ algorithm: 'SHA1', digits: 6, period: 30 });
    expect(pending.secret).toHaveLength(20);
  });

  it('gives every enrollment a fresh secret', () => {
    const now = new Date(START);
    expect(startEnrollment(now).secret.equals(startEnrollment(now).secret)).toBe(false);
  });

  it('does not alias the caller\'s Date', () => {
    const now = new Date(START);
    const pending = startEnrollment(now);
    now.setTime(0);
    expect(pending.createdAt.toISOString()).toBe(START);
  });

  it.each([
    ['a weak secret', { secret: Buffer.alloc(10) }],
    ['digits 4', { digits: 4 }],
    ['period 0', { period: 0 }],
  ])('refuses %s', (_label, options) => {
    expect(() => startEnrollment(new Date(START), options)).toThrow(TotpConfigInvalidError);
  });

  it('refuses an invalid start time', () => {
    expect(() => startEnrollment(new Date('nope'))).toThrow(TotpConfigInvalidError);
  });
});

describe('confirmEnrollment', () => {
  it('activates with a valid code before expiry and returns the step to store', () => {
    const { clock, pending, codeNow } = begin();
    clock.advance(2 * 60 * 1000);
    const active = confirmEnrollment(pending, codeNow(), clock.now());
    expect(active).toEqual({
      secret: SECRET,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      activatedAt: clock.now(),
      lastUsedStep: totpStep(clock.now()),
    });
  });

  it('stores a step that stops the confirming code from being used again to log in', () => {
    const { clock, pending, codeNow } = begin();
    const code = codeNow();
    const active = confirmEnrollment(pending, code, clock.now());
    clock.advance(5_000);
    expect(verifyTotp({ secret: active.secret, code, now: clock.now(), lastUsedStep: active.lastUsedStep })).toEqual({ ok: false, reason: 'replayed' });
    clock.advance(30_000);
    expect(verifyTotp({ secret: active.secret, code: codeNow(), now: clock.now(), lastUsedStep: active.lastUsedStep })).toMatchObject({ ok: true });
  });

  it('accepts one step of clock skew', () => {
    const { clock, pending, codeNow } = begin();
    const previous = codeNow();
    clock.advance(30_000);
    expect(confirmEnrollment(pending, previous, clock.now()).lastUsedStep).toBe(totpStep(clock.now()) - 1);
  });

  it('activates one millisecond before expiry', () => {
    const { clock, pending, codeNow } = begin();
    clock.advance(TOTP_ENROLLMENT_TTL_MS - 1);
    expect(confirmEnrollment(pending, codeNow(), clock.now()).activatedAt).toEqual(clock.now());
  });

  it('refuses at exactly the expiry, even with a valid code', () => {
    const { clock, pending, codeNow } = begin();
    clock.advance(TOTP_ENROLLMENT_TTL_MS);
    const call = () => confirmEnrollment(pending, codeNow(), clock.now());
    expect(call).toThrow(TotpEnrollmentExpiredError);
    expect(call).toThrow(expect.objectContaining({ code: 'authn.totp_enrollment_expired', status: 410, expose: true }));
  });

  it('refuses long after expiry, and says when it expired', () => {
    const { clock, pending, codeNow } = begin();
    clock.advance(60 * 60 * 1000);
    expect(() => confirmEnrollment(pending, codeNow(), clock.now())).toThrow(
      expect.objectContaining({ code: 'authn.totp_enrollment_expired', details: { expiresAt: '2026-03-14T12:10:00.000Z' } }),
    );
  });

  it('refuses a wrong code (confirm-before-activate)', () => {
    const { clock, pending, codeNow } = begin();
    const wrong = codeNow() === '000000' ? '000001' : '000000';
    const call = () => confirmEnrollment(pending, wrong, clock.now());
    expect(call).toThrow(TotpCodeInvalidError);
    expect(call).toThrow(expect.objectContaining({ code: 'authn.totp_code_invalid', status: 422, expose: true }));
  });

  it('refuses a code two steps old', () => {
    const { clock, pending, codeNow } = begin();
    const old = codeNow();
    clock.advance(60_000);
    expect(() => confirmEnrollment(pending, old, clock.now())).toThrow(TotpCodeInvalidError);
  });

  it('refuses a code made from another secret', () => {
    const { clock, pending } = begin();
    const other = generateTotpCode({ secret: Buffer.alloc(20, 7), now: clock.now() });
    expect(() => confirmEnrollment(pending, other, clock.now())).toThrow(TotpCodeInvalidError);
  });

  it('refuses a malformed code', () => {
    const { clock, pending } = begin();
    const call = () => confirmEnrollment(pending, '12a456', clock.now());
    expect(call).toThrow(TotpCodeMalformedError);
    expect(call).toThrow(expect.objectContaining({ code: 'authn.totp_code_malformed', status: 400, details: { expectedDigits: 6 } }));
  });

  it('refuses an invalid confirmation time', () => {
    const { pending, codeNow } = begin();
    expect(() => confirmEnrollment(pending, codeNow(), new Date(Number.NaN))).toThrow(TotpConfigInvalidError);
  });

  it('honours the enrollment\'s own parameters', () => {
    const clock = new ManualClock(START);
    const pending = startEnrollment(clock.now(), { secret: SECRET, algorithm: 'SHA256', digits: 8, period: 60 });
    const code = generateTotpCode({ secret: SECRET, now: clock.now(), algorithm: 'SHA256', digits: 8, period: 60 });
    expect(confirmEnrollment(pending, code, clock.now())).toMatchObject({ algorithm: 'SHA256', digits: 8, period: 60, lastUsedStep: totpStep(clock.now(), 60) });
  });
});
