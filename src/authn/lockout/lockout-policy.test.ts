import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { decideLock, lockoutPolicyFrom, windowStart } from './lockout-policy.ts';
import { deriveLockoutSubjectKey, lockoutSubject } from './lockout-subject.ts';
import { isKeyledgerError } from '../../platform/errors.ts';

describe('the lockout policy', () => {
  const policy = lockoutPolicyFrom({ threshold: 10, windowMinutes: 15, durationMinutes: 30 });
  const now = new Date('2026-04-01T08:00:00.000Z');

  it('is the configuration in milliseconds', () => {
    expect(policy).toEqual({ threshold: 10, windowMs: 900_000, durationMs: 1_800_000 });
    expect(windowStart(policy, now).toISOString()).toBe('2026-04-01T07:45:00.000Z');
  });

  it('locks at the threshold, not below it, for the configured duration', () => {
    expect(decideLock(policy, 9, now)).toBeNull();
    expect(decideLock(policy, 10, now)).toEqual({ lockedUntil: new Date('2026-04-01T08:30:00.000Z') });
    expect(decideLock(policy, 11, now)).toEqual({ lockedUntil: new Date('2026-04-01T08:30:00.000Z') });
  });
});

describe('lockout subjects', () => {
  const key = deriveLockoutSubjectKey(randomBytes(32));

  it('names an account by its id, and an email without one by a keyed hash of its normalized form', () => {
    expect(lockoutSubject(key, { userId: 'u-1', email: 'ada@acme.test' })).toBe('user:u-1');
    const subject = lockoutSubject(key, { userId: null, email: 'ada@acme.test' })!;
    expect(subject).toMatch(/^email:[0-9a-f]{64}$/);
    // Hex only (the pattern above), so nothing of the address survives; and not its plain SHA-256, which anyone could look up.
    expect(subject).not.toBe(`email:${createHash('sha256').update('ada@acme.test').digest('hex')}`);
    expect(lockoutSubject(key, { userId: null, email: '  ADA@Acme.Test ' })).toBe(subject);
    expect(lockoutSubject(key, { userId: null, email: 'bob@acme.test' })).not.toBe(subject);
    expect(lockoutSubject(deriveLockoutSubjectKey(randomBytes(32)), { userId: null, email: 'ada@acme.test' })).not.toBe(subject);
    expect(lockoutSubject(key, { userId: null, email: null })).toBeNull();
  });

  it('refuses to derive its key from a short master key', () => {
    let thrown: unknown;
    try {
      deriveLockoutSubjectKey(randomBytes(16));
    } catch (err) {
      thrown = err;
    }
    expect(isKeyledgerError(thrown) && thrown.code).toBe('config.invalid');
  });
});
