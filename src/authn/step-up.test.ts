import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../test/support/runtime.ts';
import { ManualClock } from '../platform/clock.ts';
import { isKeyledgerError, type KeyledgerError } from '../platform/errors.ts';
import { systemContext } from '../audit/event.ts';
import { DEFAULT_SESSION_POLICY } from '../sessions/session-policy.ts';
import { requireFreshAuthentication, stepUpFreshnessSeconds } from './step-up.ts';

function refusal(fn: () => void): KeyledgerError | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (isKeyledgerError(err)) return err;
    throw err;
  }
}

const SIGNED_IN = '2026-06-01T12:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(SIGNED_IN) + ms);

describe('requireFreshAuthentication', () => {
  const session = { authTime: SIGNED_IN, stepUpAt: null, amr: ['pwd', 'otp'] };

  it('admits a proof as old as the window, and refuses one a millisecond older with authn.step_up_required', () => {
    expect(refusal(() => requireFreshAuthentication(session, { freshnessSeconds: 600, now: at(600_000) }))).toBeNull();
    const err = refusal(() => requireFreshAuthentication(session, { freshnessSeconds: 600, now: at(600_001) }));
    expect(err && { code: err.code, status: err.status, details: err.details }).toEqual({ code: 'authn.step_up_required', status: 401, details: { freshnessSeconds: 600, level: 'optional' } });
    expect(err!.message).toContain('600 seconds');
  });

  it('counts the latest step-up as the last proof', () => {
    const stepped = { ...session, stepUpAt: at(3_600_000).toISOString() };
    expect(refusal(() => requireFreshAuthentication(stepped, { freshnessSeconds: 60, now: at(3_660_000) }))).toBeNull();
    expect(refusal(() => requireFreshAuthentication(stepped, { freshnessSeconds: 60, now: at(3_660_001) }))?.code).toBe('authn.step_up_required');
  });

  it('refuses a fresh session whose methods do not meet the level asked for', () => {
    const passwordOnly = { authTime: SIGNED_IN, stepUpAt: null, amr: ['pwd'] };
    const now = at(1000);
    expect(refusal(() => requireFreshAuthentication(passwordOnly, { freshnessSeconds: 600, now }))).toBeNull();
    const err = refusal(() => requireFreshAuthentication(passwordOnly, { freshnessSeconds: 600, now, level: 'required' }));
    expect(err && { code: err.code, details: err.details }).toEqual({ code: 'authn.step_up_required', details: { freshnessSeconds: 600, level: 'required' } });
    expect(refusal(() => requireFreshAuthentication(session, { freshnessSeconds: 600, now, level: 'required' }))).toBeNull();
    // TOTP is not phishing-resistant: only a passkey is.
    expect(refusal(() => requireFreshAuthentication(session, { freshnessSeconds: 600, now, level: 'phishing_resistant' }))?.details).toEqual({ freshnessSeconds: 600, level: 'phishing_resistant' });
    expect(refusal(() => requireFreshAuthentication({ ...session, amr: ['hwk', 'user'] }, { freshnessSeconds: 600, now, level: 'phishing_resistant' }))).toBeNull();
  });

  it('refuses a window that is not a number of seconds >= 0', () => {
    expect(() => requireFreshAuthentication(session, { freshnessSeconds: -1, now: at(0) })).toThrow(RangeError);
    expect(() => requireFreshAuthentication(session, { freshnessSeconds: Number.NaN, now: at(0) })).toThrow(RangeError);
  });

  it('reads the window from the organization settings (default 10 minutes)', () => {
    expect(stepUpFreshnessSeconds(null)).toBe(600);
    expect(stepUpFreshnessSeconds({ stepUpFreshnessMinutes: 5 })).toBe(300);
    expect(() => stepUpFreshnessSeconds({ stepUpFreshnessMinutes: 0 })).toThrow(expect.objectContaining({ code: 'organization.settings_invalid' }));
  });
});

const ctx = systemContext('account-page', 'account page');

for (const dialect of DIALECTS) {
  describe(`step-up on stored sessions, on ${dialect}`, () => {
    const clock = new ManualClock(SIGNED_IN);
    let t: TestRuntime;
    let userId: string;
    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      userId = (await t.rt.identity.createUser(ctx, { email: 'ada@acme.test' })).id;
    });
    afterAll(async () => t?.close());

    it('a session signed in 11 minutes ago must step up before a sensitive action, and passes once it has', async () => {
      const { token } = await t.rt.sessions.create(ctx, { userId, orgId: null, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd', ip: null, userAgent: null, policy: { ...DEFAULT_SESSION_POLICY } });
      const window = stepUpFreshnessSeconds({ stepUpFreshnessMinutes: 10 });
      clock.advance(5 * 60_000);
      requireFreshAuthentication((await t.rt.sessions.validate(token))!, { freshnessSeconds: window, now: clock.now() });
      clock.advance(6 * 60_000);
      const stale = (await t.rt.sessions.validate(token))!;
      expect(refusal(() => requireFreshAuthentication(stale, { freshnessSeconds: window, now: clock.now() }))?.code).toBe('authn.step_up_required');

      // A password-only session that steps up with a password is fresh, but still not MFA.
      await t.rt.sessions.recordStepUp(ctx, stale.id, ['pwd']);
      const fresh = (await t.rt.sessions.validate(token))!;
      expect(refusal(() => requireFreshAuthentication(fresh, { freshnessSeconds: window, now: clock.now() }))).toBeNull();
      expect(refusal(() => requireFreshAuthentication(fresh, { freshnessSeconds: window, now: clock.now(), level: 'required' }))?.details).toEqual({ freshnessSeconds: 600, level: 'required' });
      await t.rt.sessions.recordStepUp(ctx, stale.id, ['otp'], { acr: 'urn:keyledger:acr:mfa' });
      const mfa = (await t.rt.sessions.validate(token))!;
      expect(mfa.amr).toEqual(['pwd', 'otp']);
      expect(refusal(() => requireFreshAuthentication(mfa, { freshnessSeconds: window, now: clock.now(), level: 'required' }))).toBeNull();
      clock.advance(window * 1000 + 1);
      const later = (await t.rt.sessions.validate(token))!;
      expect(refusal(() => requireFreshAuthentication(later, { freshnessSeconds: window, now: clock.now(), level: 'required' }))?.code).toBe('authn.step_up_required');
    });
  });
}
