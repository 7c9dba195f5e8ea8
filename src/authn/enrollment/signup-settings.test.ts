import { describe, expect, it } from 'vitest';
import { isKeyledgerError } from '../../platform/errors.ts';
import { isSignupDomainAllowed, resolveSignupSettings } from './signup-settings.ts';

function refusal(settings: Record<string, unknown>): string {
  try {
    resolveSignupSettings(settings);
  } catch (err) {
    if (isKeyledgerError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(settings)} to be refused`);
}

describe('signup settings', () => {
  it('default to invitation only when absent', () => {
    expect(resolveSignupSettings({})).toEqual({ mode: 'invitation_only', allowedDomains: null });
    expect(resolveSignupSettings(null)).toEqual({ mode: 'invitation_only', allowedDomains: null });
  });

  it('read an open mode with or without a domain allow-list', () => {
    expect(resolveSignupSettings({ signup: { mode: 'open' } })).toEqual({ mode: 'open', allowedDomains: null });
    expect(resolveSignupSettings({ signup: { mode: 'open', allowedDomains: ['acme.com', 'eu.acme.com', 'acme.com'] } })).toEqual({ mode: 'open', allowedDomains: ['acme.com', 'eu.acme.com'] });
  });

  it('refuse anything that is not exactly a known shape, saying what was wrong', () => {
    expect(refusal({ signup: 'open' })).toMatch(/^organization\.settings_invalid: signup must be an object/);
    expect(refusal({ signup: { mode: 'public' } })).toContain('mode must be one of invitation_only, open, got "public"');
    expect(refusal({ signup: {} })).toContain('mode must be one of');
    expect(refusal({ signup: { mode: 'open', domains: ['acme.com'] } })).toContain('unknown field(s) domains');
    expect(refusal({ signup: { mode: 'open', allowedDomains: [] } })).toContain('allowedDomains must be a list of 1 to 100');
    expect(refusal({ signup: { mode: 'open', allowedDomains: 'acme.com' } })).toContain('allowedDomains must be a list');
    for (const bad of ['Acme.com', '@acme.com', 'acme', '*.acme.com', 'acme..com', '-acme.com', 5]) {
      expect(refusal({ signup: { mode: 'open', allowedDomains: [bad] } })).toContain('lower-case domain names');
    }
  });

  it('match an address by its exact domain, never a subdomain or a look-alike', () => {
    const signup = resolveSignupSettings({ signup: { mode: 'open', allowedDomains: ['acme.com'] } });
    expect(isSignupDomainAllowed(signup, 'ada@acme.com')).toBe(true);
    expect(isSignupDomainAllowed(signup, 'ada@evil.acme.com')).toBe(false);
    expect(isSignupDomainAllowed(signup, 'ada@acme.com.evil.test')).toBe(false);
    expect(isSignupDomainAllowed(signup, 'acme.com@evil.test')).toBe(false);
    expect(isSignupDomainAllowed(resolveSignupSettings({ signup: { mode: 'open' } }), 'anyone@anywhere.test')).toBe(true);
  });
});
