import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY, resolveSessionPolicy } from './session-policy.ts';
import { thrown } from '../../test/support/thrown.ts';

describe('resolveSessionPolicy', () => {
  it('gives the defaults (30 minutes idle, 12 hours absolute) when nothing is set', () => {
    expect(DEFAULT_SESSION_POLICY).toEqual({ idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 });
    expect(resolveSessionPolicy(undefined)).toEqual({ idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 });
    expect(resolveSessionPolicy(null)).toEqual({ idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 });
    expect(resolveSessionPolicy({})).toEqual({ idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 });
    expect(resolveSessionPolicy({ mfa: 'required', sessionPolicy: null })).toEqual({ idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 });
  });

  it('fills a missing field with its default', () => {
    expect(resolveSessionPolicy({ sessionPolicy: { idleTimeoutMinutes: 15 } })).toEqual({ idleTimeoutMinutes: 15, absoluteTimeoutHours: 12 });
    expect(resolveSessionPolicy({ sessionPolicy: { absoluteTimeoutHours: 1 } })).toEqual({ idleTimeoutMinutes: 30, absoluteTimeoutHours: 1 });
  });

  it('accepts the inclusive bounds', () => {
    expect(resolveSessionPolicy({ sessionPolicy: { idleTimeoutMinutes: 5, absoluteTimeoutHours: 1 } })).toEqual({ idleTimeoutMinutes: 5, absoluteTimeoutHours: 1 });
    expect(resolveSessionPolicy({ sessionPolicy: { idleTimeoutMinutes: 1440, absoluteTimeoutHours: 720 } })).toEqual({ idleTimeoutMinutes: 1440, absoluteTimeoutHours: 720 });
    expect(resolveSessionPolicy({ sessionPolicy: { idleTimeoutMinutes: 60, absoluteTimeoutHours: 1 } })).toEqual({ idleTimeoutMinutes: 60, absoluteTimeoutHours: 1 });
  });

  it.each([
    ['idle below 5 minutes', { idleTimeoutMinutes: 4 }, /between 5 and 1440, got 4/],
    ['idle above 1440 minutes', { idleTimeoutMinutes: 1441, absoluteTimeoutHours: 720 }, /between 5 and 1440, got 1441/],
    ['absolute below 1 hour', { absoluteTimeoutHours: 0 }, /between 1 and 720, got 0/],
    ['absolute above 720 hours', { absoluteTimeoutHours: 721 }, /between 1 and 720, got 721/],
    ['idle longer than absolute', { idleTimeoutMinutes: 61, absoluteTimeoutHours: 1 }, /must not exceed absoluteTimeoutHours \(1\)/],
    ['a fraction', { idleTimeoutMinutes: 7.5 }, /must be an integer, got 7.5/],
    ['a numeric string', { idleTimeoutMinutes: '15' }, /must be an integer, got "15"/],
    ['NaN', { absoluteTimeoutHours: Number.NaN }, /must be an integer/],
    ['a misspelt field', { idleTimeoutMins: 10 }, /unknown field\(s\) "idleTimeoutMins"/],
  ])('refuses %s with session.policy_invalid, never clamping to a default', (_name, sessionPolicy, message) => {
    const err = thrown(() => resolveSessionPolicy({ sessionPolicy }));
    expect(err).toMatchObject({ code: 'session.policy_invalid', status: 422, expose: true });
    expect((err as Error).message).toMatch(message);
  });

  it.each([[[15, 12]], ['strict'], [30], [true]])('refuses a sessionPolicy that is not an object: %j', (sessionPolicy) => {
    expect(thrown(() => resolveSessionPolicy({ sessionPolicy }))).toMatchObject({ code: 'session.policy_invalid' });
  });
});
