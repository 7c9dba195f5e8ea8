import { describe, expect, it } from 'vitest';
import { hashToken } from '../../platform/ids.ts';
import { issueClientSecret, SECRET_PREFIX_LENGTH, secretMatches } from './client-secrets.ts';

describe('client secrets', () => {
  it('are kl_secret_ tokens of 32 random bytes, stored as their SHA-256, with a non-secret prefix', () => {
    const a = issueClientSecret();
    const b = issueClientSecret();
    expect(a.secret).toMatch(/^kl_secret_[A-Za-z0-9_-]{43}$/);
    expect(a.hash).toBe(hashToken(a.secret));
    expect(a.hash).not.toContain(a.secret.slice(10));
    expect(a.prefix).toBe(a.secret.slice(0, SECRET_PREFIX_LENGTH));
    expect(a.secret).not.toBe(b.secret);
  });

  const now = new Date('2026-05-01T12:00:00.000Z');
  const current = issueClientSecret();
  const previous = issueClientSecret();
  const stored = { secret_hash: current.hash, previous_secret_hash: previous.hash, previous_secret_expires_at: '2026-05-01T13:00:00.000Z' };

  it('match the current secret, and the previous one strictly before its overlap ends', () => {
    expect(secretMatches(stored, current.secret, now)).toBe(true);
    expect(secretMatches(stored, previous.secret, now)).toBe(true);
    expect(secretMatches(stored, previous.secret, new Date('2026-05-01T12:59:59.999Z'))).toBe(true);
    expect(secretMatches(stored, previous.secret, new Date('2026-05-01T13:00:00.000Z'))).toBe(false);
    expect(secretMatches(stored, current.secret, new Date('2027-01-01T00:00:00.000Z'))).toBe(true);
  });

  it('refuse anything else', () => {
    expect(secretMatches(stored, issueClientSecret().secret, now)).toBe(false);
    expect(secretMatches(stored, current.secret.slice(0, -1), now)).toBe(false);
    expect(secretMatches(stored, `${current.secret}x`, now)).toBe(false);
    expect(secretMatches(stored, current.hash, now)).toBe(false);
    expect(secretMatches(stored, '', now)).toBe(false);
    expect(secretMatches(stored, 'x'.repeat(100_000), now)).toBe(false);
    expect(secretMatches(undefined, current.secret, now)).toBe(false);
    expect(secretMatches(undefined, 'kl_secret_none', now)).toBe(false);
    expect(secretMatches({ secret_hash: null, previous_secret_hash: null, previous_secret_expires_at: null }, 'kl_secret_none', now)).toBe(false);
    // A previous hash without an expiry is never live.
    expect(secretMatches({ ...stored, previous_secret_expires_at: null }, previous.secret, now)).toBe(false);
  });
});
