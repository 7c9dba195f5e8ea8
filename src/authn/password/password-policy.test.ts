import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PasswordError } from './errors.ts';
import {
  createPasswordPolicyEvaluator,
  DEFAULT_PASSWORD_POLICY,
  describePasswordPolicy,
  evaluatePassword,
  validatePasswordPolicy,
  type PasswordCheckResult,
  type PasswordPolicy,
} from './password-policy.ts';

const POLICY: PasswordPolicy = { ...DEFAULT_PASSWORD_POLICY };
const codes = (result: PasswordCheckResult<string>): string[] => (result.ok ? [] : result.violations.map((v) => v.code));
const cp = (text: string): number => [...text.normalize('NFKC')].length;

// Printable ASCII and space, the character set NIST says must be accepted.
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const randomPassword = (length: number): string => Array.from({ length }, () => PRINTABLE[randomInt(PRINTABLE.length)]).join('');

// Strong filler made of astral emoji (2 UTF-16 units, 1 code point each) and symbols.
const STRONG_12 = 'Zq7\u{1F98A}vR2\u{1F419}mK9x';

describe('validatePasswordPolicy', () => {
  it('accepts the default policy and the NIST floors', () => {
    expect(validatePasswordPolicy(DEFAULT_PASSWORD_POLICY)).toEqual({ ok: true });
    expect(validatePasswordPolicy({ minLength: 12, maxLength: 64, mfaRequired: false })).toEqual({ ok: true });
    expect(validatePasswordPolicy({ minLength: 8, maxLength: 64, mfaRequired: true })).toEqual({ ok: true });
    expect(validatePasswordPolicy({ minLength: 15, maxLength: 256, mfaRequired: false })).toEqual({ ok: true });
  });

  it('allows a minimum of 8 only when MFA is required, and never below 8', () => {
    expect(codes(validatePasswordPolicy({ minLength: 8, maxLength: 128, mfaRequired: false }))).toEqual(['authn.password_policy_invalid']);
    expect(codes(validatePasswordPolicy({ minLength: 11, maxLength: 128, mfaRequired: false }))).toEqual(['authn.password_policy_invalid']);
    expect(codes(validatePasswordPolicy({ minLength: 7, maxLength: 128, mfaRequired: true }))).toEqual(['authn.password_policy_invalid']);
    expect(validatePasswordPolicy({ minLength: 11, maxLength: 128, mfaRequired: false })).toMatchObject({
      violations: [{ message: 'minLength is 11, expected at least 12 unless MFA is required' }],
    });
  });

  it('refuses a maximum below 64 or below the minimum, and non-numbers', () => {
    expect(validatePasswordPolicy({ minLength: 12, maxLength: 63, mfaRequired: false })).toMatchObject({ violations: [{ message: 'maxLength is 63, expected at least 64' }] });
    expect(codes(validatePasswordPolicy({ minLength: 100, maxLength: 80, mfaRequired: false }))).toEqual(['authn.password_policy_invalid']);
    expect(codes(validatePasswordPolicy({ minLength: Number.NaN, maxLength: 12.5, mfaRequired: false }))).toHaveLength(2);
    expect(codes(validatePasswordPolicy({ minLength: '12', maxLength: 128, mfaRequired: 'no' } as unknown as PasswordPolicy))).toHaveLength(2);
    expect(codes(validatePasswordPolicy({ minLength: 4, maxLength: 10, mfaRequired: false }))).toHaveLength(2);
  });

  it('is enforced by evaluatePassword, which refuses to run under an invalid policy', () => {
    expect(() => evaluatePassword('whatever it is', { minLength: 8, maxLength: 128, mfaRequired: false })).toThrow(PasswordError);
    try {
      evaluatePassword('whatever it is', { minLength: 8, maxLength: 128, mfaRequired: false });
    } catch (err) {
      expect(err).toMatchObject({ code: 'authn.password_policy_invalid', status: 422, expose: true });
    }
  });
});

describe('evaluatePassword: length', () => {
  it('counts code points after NFKC at exactly min-1 / min, with astral emoji', () => {
    expect(STRONG_12.length).toBe(14);
    expect(cp(STRONG_12)).toBe(12);
    expect(evaluatePassword(STRONG_12, POLICY)).toEqual({ ok: true });
    expect(codes(evaluatePassword(STRONG_12.slice(0, -1), POLICY))).toContain('authn.password_too_short');
    expect(evaluatePassword(STRONG_12.slice(0, -1), POLICY)).toMatchObject({ ok: false, violations: [{ message: 'password is 11 characters long, expected at least 12' }] });
  });

  it('counts combining marks as NFKC composes them, and compatibility characters as NFKC expands them', () => {
    // 12 code points typed as 14 (two decomposed accents), 12 after NFKC: accepted.
    const decomposed = 'Zq7e\u0301vR2o\u0308mK9x';
    expect([...decomposed].length).toBe(14);
    expect(cp(decomposed)).toBe(12);
    expect(codes(evaluatePassword(decomposed, POLICY))).not.toContain('authn.password_too_short');
    // 14 code points typed, 11 after NFKC (three decomposed accents compose): too short.
    expect(codes(evaluatePassword('Zq7e\u0301vR2o\u0308mKu\u0308', POLICY))).toContain('authn.password_too_short');
    // 11 code points typed, 12 after NFKC (the "ﬁ" ligature becomes "fi"): long enough.
    expect(codes(evaluatePassword('Zq7\uFB01vR2\u{1F419}mK9', POLICY))).not.toContain('authn.password_too_short');
  });

  it('allows 8 under an MFA policy', () => {
    const mfa: PasswordPolicy = { minLength: 8, maxLength: 64, mfaRequired: true };
    expect(codes(evaluatePassword('q7\u{1F98A}vR#2w', mfa))).not.toContain('authn.password_too_short');
    expect(codes(evaluatePassword('q7\u{1F98A}vR#2', mfa))).toContain('authn.password_too_short');
  });

  it('accepts exactly max and refuses max+1 code points, with multi-byte characters', () => {
    const policy: PasswordPolicy = { minLength: 12, maxLength: 64, mfaRequired: false };
    const atMax = `${STRONG_12.repeat(5)}\u00e9\u{1F98A}\u00fc\u{1F419}`;
    expect(cp(atMax)).toBe(64);
    expect(atMax.length).toBeGreaterThan(64);
    expect(evaluatePassword(atMax, policy)).toEqual({ ok: true });
    expect(evaluatePassword(`${atMax}\u00df`, policy)).toEqual({
      ok: false,
      violations: [{ code: 'authn.password_too_long', message: 'password is 65 characters long, expected at most 64' }],
    });
    const atDefaultMax = `${randomPassword(127)}\u{1F98A}`;
    expect(codes(evaluatePassword(atDefaultMax, POLICY))).not.toContain('authn.password_too_long');
    expect(codes(evaluatePassword(`${atDefaultMax}x`, POLICY))).toEqual(['authn.password_too_long']);
  });

  it('answers a huge input with too_long alone', () => {
    expect(codes(evaluatePassword('a'.repeat(1_000_000), POLICY))).toEqual(['authn.password_too_long']);
  });
});

describe('evaluatePassword: blocklist', () => {
  it('refuses common passwords and keyboard walks as too weak', () => {
    for (const password of ['password123456', 'qwertyuiopasdf', 'iloveyou1234', 'P@ssw0rd2024!', 'letmeinletmein', 'aaaaaaaaaaaa', '1qaz2wsx3edc4rfv5tgb']) {
      expect(codes(evaluatePassword(password, POLICY)), password).toContain('authn.password_too_weak');
    }
  });

  it('refuses exact entries of the common-password list, ignoring case', () => {
    expect(evaluatePassword('123456789012', POLICY)).toEqual({
      ok: false,
      violations: [{ code: 'authn.password_breached_or_common', message: 'password is on the list of common and breached passwords' }],
    });
    expect(codes(evaluatePassword('1QAZ2WSX3EDC4RFV', POLICY))).toEqual(['authn.password_breached_or_common']);
  });

  it('refuses famous passphrases and their variants', () => {
    expect(codes(evaluatePassword('correcthorsebatterystaple', POLICY))).toEqual(['authn.password_breached_or_common']);
    expect(codes(evaluatePassword('Correct Horse Battery Staple', POLICY))).toEqual(['authn.password_breached_or_common']);
    expect(codes(evaluatePassword('CorrectHorseBatteryStaple1!', POLICY))).toEqual(['authn.password_too_weak']);
  });

  it('accepts strong random 16-character passwords and four-word passphrases with spaces', () => {
    expect(evaluatePassword('kq7#vM2p!xZ9rL4w', POLICY)).toEqual({ ok: true });
    for (let i = 0; i < 20; i += 1) {
      const password = randomPassword(16);
      expect(evaluatePassword(password, POLICY), password).toEqual({ ok: true });
    }
    expect(evaluatePassword('marmot lantern cobalt fiddle', POLICY)).toEqual({ ok: true });
    expect(evaluatePassword('  spaces  lead, trail and   repeat  ', POLICY)).toEqual({ ok: true });
  });

  it('accepts 64-character passwords', () => {
    const sentence = 'my grandmother kept seven bees behind the old mill in Zaragoza!!';
    expect(cp(sentence)).toBe(64);
    expect(evaluatePassword(sentence, POLICY)).toEqual({ ok: true });
    for (let i = 0; i < 5; i += 1) expect(evaluatePassword(randomPassword(64), POLICY)).toEqual({ ok: true });
  });
});

describe('evaluatePassword: context words', () => {
  const context = { email: 'Marguerite.Okafor@example.com', name: 'Marguerite Okafor', organizationName: 'Acme Robotics', organizationSlug: 'acme-robotics' };

  it("refuses the user's email local part, or a part of it, in any case", () => {
    expect(codes(evaluatePassword('xv9#marguerite.okafor!lp', POLICY, context))).toContain('authn.password_contains_context');
    const result = evaluatePassword('Xv9#MARGUERITE!Lp42w', POLICY, { email: 'marguerite@example.com' });
    expect(result).toEqual({ ok: false, violations: [{ code: 'authn.password_contains_context', message: 'password contains "marguerite", which is part of your email address' }] });
  });

  it("refuses the user's name, the organization's name and slug, and the service name", () => {
    expect(codes(evaluatePassword('okafor rides 7 blue yaks', POLICY, context))).toContain('authn.password_contains_context');
    expect(codes(evaluatePassword('Zq7#AcmeRobotics!vR2w', POLICY, context))).toContain('authn.password_contains_context');
    expect(codes(evaluatePassword('lantern acme-robotics 9q', POLICY, context))).toContain('authn.password_contains_context');
    expect(evaluatePassword('my KeyLedger vault 7#q!', POLICY)).toMatchObject({
      ok: false,
      violations: [{ code: 'authn.password_contains_context', message: 'password contains "keyledger", which is the name of this service' }],
    });
  });

  it('ignores context words shorter than 4 characters', () => {
    expect(evaluatePassword('bo and li ride 7 yaks!', POLICY, { email: 'bo@example.com', name: 'Bo Li', organizationSlug: 'li' })).toEqual({ ok: true });
  });

  it('never echoes the password in a message', () => {
    for (const password of ['hunter2hunter2', 'password123456', '123456789012', 'correcthorsebatterystaple', 'x7#q', 'z'.repeat(200)]) {
      const result = evaluatePassword(password, POLICY);
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).not.toContain(password);
    }
  });
});

describe('createPasswordPolicyEvaluator', () => {
  it('uses the dictionaries and blocklist it is given', () => {
    const small = createPasswordPolicyEvaluator({ dictionaries: { tiny: ['zanzibarquokka'] }, blocklist: ['Hunter2Hunter2'] });
    expect(codes(small.evaluatePassword('hunter2hunter2', POLICY))).toEqual(['authn.password_breached_or_common']);
    expect(codes(small.evaluatePassword('zanzibarquokka', POLICY))).toEqual(['authn.password_too_weak']);
    // On the default lists only: these are words of passwords-common, unknown to the small evaluator.
    expect(small.evaluatePassword('baseballfootball', POLICY)).toEqual({ ok: true });
    expect(evaluatePassword('baseballfootball', POLICY).ok).toBe(false);
  });
});

describe('describePasswordPolicy', () => {
  it('states the policy in force as plain JSON for an auditor', () => {
    const description = describePasswordPolicy(DEFAULT_PASSWORD_POLICY);
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    expect(description).toMatchObject({ minLength: 12, maxLength: 128, mfaRequired: false });
    expect(description.compositionRules).toMatch(/^none/);
    expect(description.rotation).toMatch(/^no forced periodic rotation/);
    expect(description.normalization).toMatch(/NFKC/);
    expect(description.blocklist.map((b) => b.source)).toEqual(['common and breached passwords', 'strength estimate against dictionaries', 'context-specific words']);
    expect(description.blocklist[0].lists[0]).toMatch(/^@zxcvbn-ts\/language-common@\d+\.\d+\.\d+ passwords-common \(\d+ entries\)$/);
    expect(describePasswordPolicy({ minLength: 8, maxLength: 64, mfaRequired: true }).lengthRule).toMatch(/second factor/);
  });
});
