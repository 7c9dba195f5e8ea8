import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createUser, eventsDuring, expectError, expectNothingChanged, grantRole, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { openTotpSecret } from '../../src/authn/totp-secret.ts';

const DAY = 86_400_000;
const setup = systemContext('test', 'policy test');

for (const dialect of DIALECTS) {
  describe(`authentication policies in force and MFA enforcement evidence, on ${dialect}`, () => {
    const clock = new ManualClock('2026-06-01T09:00:00.000Z');
    let s: HttpSuite;
    let org: Record<string, any>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      org = await createOrg(s, 'acme');
    });
    afterAll(async () => s?.close());

    it('an organization that sets nothing runs the defaults, and says so', async () => {
      expect(await ok(s, 200, 'GET', '/api/v1/organizations/acme/authn-policy')).toEqual({
        passwordPolicy: { minLength: 12, maxLength: 128, mfaRequired: false },
        sessionPolicy: { idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 },
        mfaPolicy: 'optional',
        mfaGracePeriodDays: 7,
        stepUpFreshnessMinutes: 10,
        roleMfaPolicies: [],
      });
    });

    it('reads the policies set on the organization and its roles, defaults filling the rest, by id or slug', async () => {
      await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', {
        settings: { passwordPolicy: { minLength: 14 }, sessionPolicy: { idleTimeoutMinutes: 15 }, mfaPolicy: 'required', mfaGracePeriodDays: 3, stepUpFreshnessMinutes: 5, brand: 'blue' },
      });
      await createRole(s, 'acme', 'root', { mfaPolicy: 'phishing_resistant' });
      await createRole(s, 'acme', 'ops', { mfaPolicy: 'required' });
      await createRole(s, 'acme', 'viewer');
      const policy = await ok(s, 200, 'GET', '/api/v1/organizations/acme/authn-policy');
      expect(policy).toEqual({
        passwordPolicy: { minLength: 14, maxLength: 128, mfaRequired: false },
        sessionPolicy: { idleTimeoutMinutes: 15, absoluteTimeoutHours: 12 },
        mfaPolicy: 'required',
        mfaGracePeriodDays: 3,
        stepUpFreshnessMinutes: 5,
        roleMfaPolicies: [
          { roleKey: 'ops', mfaPolicy: 'required' },
          { roleKey: 'root', mfaPolicy: 'phishing_resistant' },
        ],
      });
      expect(await ok(s, 200, 'GET', `/api/v1/organizations/${org.id}/authn-policy`)).toEqual(policy);
    });

    it('every change to the password policy is a ledger event with the policy before and after', async () => {
      const { res, events } = await eventsDuring(s, () =>
        s.request('PATCH', '/api/v1/organizations/acme', {
          body: { settings: { passwordPolicy: { minLength: 16 }, sessionPolicy: { idleTimeoutMinutes: 15 }, mfaPolicy: 'required', mfaGracePeriodDays: 3, stepUpFreshnessMinutes: 5, brand: 'blue' } },
        }),
      );
      expect(res.statusCode).toBe(200);
      expect(events.map((e) => [e.action, e.org, e.actor.id])).toEqual([['identity.organization.updated', org.id, s.adminKeyId]]);
      expect((events[0].data as any).before.settings.passwordPolicy).toEqual({ minLength: 14 });
      expect((events[0].data as any).after.settings.passwordPolicy).toEqual({ minLength: 16 });
      // An auditor finds it by action, and the policy in force matches the latest "after".
      const history = await listEventsViaApi(s, 'action=identity.organization.updated');
      expect(history.map((e) => (e.data as any).after.settings?.passwordPolicy)).toEqual([{ minLength: 14 }, { minLength: 16 }]);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/authn-policy')).passwordPolicy.minLength).toBe(16);
      // A policy below the NIST floor is refused and leaves no trace.
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('PATCH', '/api/v1/organizations/acme', { body: { settings: { passwordPolicy: { minLength: 6 } } } }), 422, 'authn.password_policy_invalid');
      });
    });

    it('shows per member what MFA is required, from where, until when they may enroll, and whether they comply', async () => {
      const joined = clock.now().getTime();
      const ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      const url = `/api/v1/users/${ada.id}/mfa-status?org=acme`;
      const graceEndsAt = new Date(joined + 3 * DAY).toISOString();
      expect(await ok(s, 200, 'GET', url)).toEqual({
        requirement: { level: 'required', source: 'organization', graceEndsAt, inGrace: true },
        enrolled: { password: false, totp: false, recoveryCodes: 0 },
        compliant: false,
      });

      clock.set(graceEndsAt);
      expect((await ok(s, 200, 'GET', url)).requirement.inGrace).toBe(false);

      await s.rt.authn.setPassword(setup, ada.id, 'quartz-lantern-meadow-91-harbor');
      const start = await s.rt.authn.startTotpEnrollment(setup, ada.id, { issuer: 'Keyledger' });
      const row = await s.rt.database.db.selectFrom('totp_factors').select('secret').where('id', '=', start.factorId).executeTakeFirstOrThrow();
      // A pending enrollment is not an enrollment.
      expect((await ok(s, 200, 'GET', url)).compliant).toBe(false);
      await s.rt.authn.confirmTotpEnrollment(setup, ada.id, start.factorId, generateTotpCode({ secret: openTotpSecret(s.rt.master, row.secret), now: clock.now() }));
      await s.rt.authn.regenerateRecoveryCodes(setup, ada.id);
      expect(await ok(s, 200, 'GET', url)).toMatchObject({ enrolled: { password: true, totp: true, recoveryCodes: 10 }, compliant: true });

      // A privileged role raises the bar: TOTP is not phishing-resistant.
      const root = await grantRole(s, 'acme', 'root', ada.id);
      expect(await ok(s, 200, 'GET', url)).toMatchObject({ requirement: { level: 'phishing_resistant', source: 'role:root', inGrace: false }, compliant: false });
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/role-assignments/${root.id}/revoke`, { reason: 'handover' });
      expect(await ok(s, 200, 'GET', `/api/v1/users/${ada.id}/mfa-status?org=${org.id}`)).toMatchObject({ requirement: { level: 'required', source: 'organization' }, compliant: true });

      // With the organization's policy lifted, an optional requirement is met by anything.
      await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings: {} });
      const bob = await createUser(s, { email: 'bob@acme.test', org: 'acme' });
      expect(await ok(s, 200, 'GET', `/api/v1/users/${bob.id}/mfa-status?org=acme`)).toEqual({
        requirement: { level: 'optional', source: 'default', graceEndsAt: null, inGrace: false },
        enrolled: { password: false, totp: false, recoveryCodes: 0 },
        compliant: true,
      });
    });
  });
}
