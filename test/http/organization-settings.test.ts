import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';

for (const dialect of DIALECTS) {
  describe(`organization policies are checked when saved, on ${dialect}`, () => {
    let s: HttpSuite;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      await createOrg(s, 'acme');
    });
    afterAll(async () => s?.close());

    const refused: Array<[string, Record<string, unknown>, string]> = [
      ['an idle timeout below 5 minutes', { sessionPolicy: { idleTimeoutMinutes: 1 } }, 'session.policy_invalid'],
      ['a misspelt session field', { sessionPolicy: { idleTimeoutMins: 10 } }, 'session.policy_invalid'],
      ['a password minimum of 8 without MFA', { passwordPolicy: { minLength: 8 } }, 'authn.password_policy_invalid'],
      ['a password maximum below 64', { passwordPolicy: { maxLength: 32 } }, 'authn.password_policy_invalid'],
      ['an unknown password field', { passwordPolicy: { requireSymbols: true } }, 'authn.password_policy_invalid'],
      ['an unknown MFA policy', { mfaPolicy: 'sometimes' }, 'organization.settings_invalid'],
      ['a negative MFA grace period', { mfaGracePeriodDays: -1 }, 'organization.settings_invalid'],
      ['an MFA grace period over 90 days', { mfaGracePeriodDays: 91 }, 'organization.settings_invalid'],
      ['a fractional MFA grace period', { mfaGracePeriodDays: 1.5 }, 'organization.settings_invalid'],
      ['an MFA grace period given as text', { mfaGracePeriodDays: '7' }, 'organization.settings_invalid'],
      ['a step-up window of 0 minutes', { stepUpFreshnessMinutes: 0 }, 'organization.settings_invalid'],
      ['a step-up window over a day', { stepUpFreshnessMinutes: 1441 }, 'organization.settings_invalid'],
      ['a step-up window of null', { stepUpFreshnessMinutes: null }, 'organization.settings_invalid'],
      ['an unknown signup mode', { signup: { mode: 'public' } }, 'organization.settings_invalid'],
      ['a signup domain that is not a lower-case domain name', { signup: { mode: 'open', allowedDomains: ['*.acme.com'] } }, 'organization.settings_invalid'],
      ['SSO enforcement given as text', { ssoEnforced: 'true' }, 'organization.settings_invalid'],
      ['SSO enforcement given as a number', { ssoEnforced: 1 }, 'organization.settings_invalid'],
      ['SSO enforcement of null', { ssoEnforced: null }, 'organization.settings_invalid'],
    ];
    for (const [label, settings, code] of refused) {
      it(`refuses ${label} on create and on update (422 ${code}), changing nothing`, async () => {
        await expectNothingChanged(s.rt, async () => {
          expectError(await s.request('POST', '/api/v1/organizations', { body: { slug: 'weak', name: 'Weak', settings } }), 422, code);
          expectError(await s.request('PATCH', '/api/v1/organizations/acme', { body: { settings } }), 422, code);
        });
      });
    }

    it('accepts policies within the floors and stores them as given', async () => {
      const settings = { sessionPolicy: { idleTimeoutMinutes: 15, absoluteTimeoutHours: 8 }, passwordPolicy: { minLength: 8, mfaRequired: true }, mfaPolicy: 'required', signup: { mode: 'open', allowedDomains: ['acme.com'] }, ssoEnforced: false, brand: 'blue' };
      const org = await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings });
      expect(org.settings).toEqual(settings);
      // The bounds are inclusive.
      for (const [mfaGracePeriodDays, stepUpFreshnessMinutes] of [[0, 1], [90, 1440], [7, 10]]) {
        const bounded = await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings: { ...settings, mfaGracePeriodDays, stepUpFreshnessMinutes } });
        expect(bounded.settings).toMatchObject({ mfaGracePeriodDays, stepUpFreshnessMinutes });
      }
    });
  });
}
