import { describe, expect, it } from 'vitest';
import { credentialPolicyOf, credentialState, effectiveExpiry, readCredentialPolicy, unusedSince } from './credential-policy.ts';
import { KeyledgerError } from '../platform/errors.ts';

describe('the service account credential policy', () => {
  it('defaults to 90 days of maximum age and 30 days unused, and keeps set values within 1–365', () => {
    expect(readCredentialPolicy({})).toEqual({ maxAgeDays: 90, unusedDays: 30 });
    expect(readCredentialPolicy({ serviceAccountCredentialMaxAgeDays: 1, serviceAccountCredentialUnusedDays: 365 })).toEqual({ maxAgeDays: 1, unusedDays: 365 });
    for (const bad of [0, 366, 1.5, '30', null, -1]) {
      for (const field of ['serviceAccountCredentialMaxAgeDays', 'serviceAccountCredentialUnusedDays']) {
        let err: unknown;
        try {
          readCredentialPolicy({ [field]: bad });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(KeyledgerError);
        expect({ code: (err as KeyledgerError).code, details: (err as KeyledgerError).details }).toEqual({ code: 'organization.settings_invalid', details: { field, got: bad } });
      }
    }
    expect(credentialPolicyOf('{"serviceAccountCredentialMaxAgeDays": 7}')).toEqual({ maxAgeDays: 7, unusedDays: 30 });
  });

  it('a credential ends at its stored expiry or at the current maximum age, whichever is first', () => {
    const c = { created_at: '2026-01-01T00:00:00.000Z', expires_at: '2026-04-01T00:00:00.000Z', revoked_at: null };
    expect(effectiveExpiry(c, { maxAgeDays: 90, unusedDays: 30 }).toISOString()).toBe('2026-04-01T00:00:00.000Z');
    // Tightened to 10 days: the credential created on January 1st ends on January 11th.
    expect(effectiveExpiry(c, { maxAgeDays: 10, unusedDays: 30 }).toISOString()).toBe('2026-01-11T00:00:00.000Z');
    // Loosened: the stored expiry still holds.
    expect(effectiveExpiry(c, { maxAgeDays: 365, unusedDays: 30 }).toISOString()).toBe('2026-04-01T00:00:00.000Z');
    const policy = { maxAgeDays: 10, unusedDays: 30 };
    expect(credentialState(c, policy, new Date('2026-01-10T23:59:59.999Z'))).toBe('active');
    expect(credentialState(c, policy, new Date('2026-01-11T00:00:00.000Z'))).toBe('expired');
    expect(credentialState({ ...c, revoked_at: '2026-01-02T00:00:00.000Z' }, policy, new Date('2026-01-03T00:00:00.000Z'))).toBe('revoked');
  });

  it('counts unused time from the last use, or from creation when never used', () => {
    const policy = { maxAgeDays: 90, unusedDays: 30 };
    expect(unusedSince({ created_at: '2026-01-01T00:00:00.000Z', last_used_at: null }, policy).toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(unusedSince({ created_at: '2026-01-01T00:00:00.000Z', last_used_at: '2026-02-01T12:00:00.000Z' }, policy).toISOString()).toBe('2026-03-03T12:00:00.000Z');
  });
});
