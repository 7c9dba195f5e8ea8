import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../test/support/runtime.ts';
import { ManualClock } from '../platform/clock.ts';
import { isKeyledgerError } from '../platform/errors.ts';
import { systemContext } from '../audit/event.ts';
import { readMfaSettings } from '../identity/organization-settings.ts';
import { ACR_MFA, ACR_PASSWORD, ACR_PHISHING_RESISTANT } from './acr.ts';
import { acrForAmr, loadMfaRequirement, resolveMfaRequirement, satisfiesMfa, type MfaRequirementInput } from './mfa-policy.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const base: MfaRequirementInput = { orgPolicy: null, rolePolicies: [], graceStartedAt: null, graceDays: 7, now: NOW };
const resolve = (over: Partial<MfaRequirementInput>) => resolveMfaRequirement({ ...base, ...over });

describe('resolveMfaRequirement', () => {
  it('is optional by default when neither the organization nor a role sets a policy', () => {
    expect(resolve({})).toEqual({ level: 'optional', source: 'default', graceEndsAt: null, inGrace: false });
    expect(resolve({ rolePolicies: [{ key: 'viewer', mfaPolicy: null }] })).toEqual({ level: 'optional', source: 'default', graceEndsAt: null, inGrace: false });
  });

  it('names the organization when it sets the policy, even to optional', () => {
    expect(resolve({ orgPolicy: 'optional' })).toMatchObject({ level: 'optional', source: 'organization' });
    expect(resolve({ orgPolicy: 'required' })).toMatchObject({ level: 'required', source: 'organization' });
  });

  it('takes the strictest of the organization and the roles', () => {
    const cases: Array<[MfaRequirementInput['orgPolicy'], Array<{ key: string; mfaPolicy: 'optional' | 'required' | 'phishing_resistant' | null }>, string, string]> = [
      ['optional', [{ key: 'admin', mfaPolicy: 'required' }], 'required', 'role:admin'],
      ['required', [{ key: 'admin', mfaPolicy: 'phishing_resistant' }], 'phishing_resistant', 'role:admin'],
      ['phishing_resistant', [{ key: 'admin', mfaPolicy: 'required' }], 'phishing_resistant', 'organization'],
      // A role cannot weaken the organization's policy.
      ['required', [{ key: 'intern', mfaPolicy: 'optional' }], 'required', 'organization'],
      [null, [{ key: 'viewer', mfaPolicy: null }, { key: 'ops', mfaPolicy: 'required' }, { key: 'root', mfaPolicy: 'phishing_resistant' }], 'phishing_resistant', 'role:root'],
      [null, [{ key: 'intern', mfaPolicy: 'optional' }], 'optional', 'role:intern'],
    ];
    for (const [orgPolicy, rolePolicies, level, source] of cases) {
      expect({ orgPolicy, rolePolicies, ...resolve({ orgPolicy, rolePolicies, graceStartedAt: null }) }).toMatchObject({ orgPolicy, rolePolicies, level, source });
    }
  });

  it('on a tie names the organization first, then roles in key order whatever the input order', () => {
    expect(resolve({ orgPolicy: 'required', rolePolicies: [{ key: 'admin', mfaPolicy: 'required' }] }).source).toBe('organization');
    const roles = [{ key: 'zeta', mfaPolicy: 'required' as const }, { key: 'alpha', mfaPolicy: 'required' as const }, { key: 'mid', mfaPolicy: 'required' as const }];
    expect(resolve({ rolePolicies: roles }).source).toBe('role:alpha');
    expect(resolve({ rolePolicies: [...roles].reverse() }).source).toBe('role:alpha');
  });

  it('gives a grace period of whole days from its start, enforced at (not after) its end', () => {
    const start = '2026-05-25T12:00:00.000Z';
    const end = '2026-06-01T12:00:00.000Z';
    const at = (now: string) => resolve({ orgPolicy: 'required', graceStartedAt: start, graceDays: 7, now: new Date(now) });
    expect(at('2026-05-25T12:00:00.000Z')).toEqual({ level: 'required', source: 'organization', graceEndsAt: end, inGrace: true });
    expect(at('2026-06-01T11:59:59.999Z').inGrace).toBe(true);
    expect(at(end)).toMatchObject({ graceEndsAt: end, inGrace: false });
    expect(at('2026-06-01T12:00:00.001Z').inGrace).toBe(false);
    // A start in the future (clock skew) is still in grace.
    expect(at('2026-05-25T11:00:00.000Z').inGrace).toBe(true);
  });

  it('gives no grace with 0 days, when the level is optional, or without a grace start', () => {
    expect(resolve({ orgPolicy: 'required', graceStartedAt: NOW.toISOString(), graceDays: 0 })).toEqual({ level: 'required', source: 'organization', graceEndsAt: NOW.toISOString(), inGrace: false });
    expect(resolve({ orgPolicy: 'optional', graceStartedAt: NOW.toISOString(), graceDays: 90 })).toMatchObject({ graceEndsAt: null, inGrace: false });
    expect(resolve({ orgPolicy: 'required', graceStartedAt: null, graceDays: 90 })).toMatchObject({ graceEndsAt: null, inGrace: false });
    expect(resolve({ orgPolicy: 'phishing_resistant', graceStartedAt: '2026-03-03T00:00:00Z', graceDays: 90, now: new Date('2026-05-31T23:59:59.999Z') })).toMatchObject({ graceEndsAt: '2026-06-01T00:00:00.000Z', inGrace: true });
  });

  it('refuses inputs outside its preconditions instead of guessing', () => {
    for (const graceDays of [-1, 91, 1.5, Number.NaN]) expect(() => resolve({ graceDays })).toThrow(RangeError);
    expect(() => resolve({ orgPolicy: 'sometimes' as never })).toThrow(/orgPolicy must be one of/);
    expect(() => resolve({ rolePolicies: [{ key: 'x', mfaPolicy: 'REQUIRED' as never }] })).toThrow(/role "x"/);
    expect(() => resolve({ orgPolicy: 'required', graceStartedAt: 'yesterday' })).toThrow(/graceStartedAt/);
    expect(() => resolve({ now: new Date('nope') })).toThrow(RangeError);
  });
});

describe('satisfiesMfa and acrForAmr', () => {
  const cases: Array<[string[], { required: boolean; phishing_resistant: boolean }, string]> = [
    [['pwd'], { required: false, phishing_resistant: false }, ACR_PASSWORD],
    [['pwd', 'otp'], { required: true, phishing_resistant: false }, ACR_MFA],
    // A recovery code is recorded as 'otp' too.
    [['otp', 'pwd'], { required: true, phishing_resistant: false }, ACR_MFA],
    [['otp'], { required: false, phishing_resistant: false }, ACR_PASSWORD],
    [['hwk', 'user'], { required: true, phishing_resistant: true }, ACR_PHISHING_RESISTANT],
    [['swk', 'user'], { required: true, phishing_resistant: true }, ACR_PHISHING_RESISTANT],
    [['pwd', 'hwk'], { required: true, phishing_resistant: true }, ACR_PHISHING_RESISTANT],
    [['pwd', 'otp', 'swk', 'user'], { required: true, phishing_resistant: true }, ACR_PHISHING_RESISTANT],
    // A key without user verification or another factor is one factor only.
    [['hwk'], { required: false, phishing_resistant: false }, ACR_PASSWORD],
    [['swk'], { required: false, phishing_resistant: false }, ACR_PASSWORD],
    // An upstream provider's "mfa" counts as two factors but says nothing about phishing resistance.
    [['mfa'], { required: true, phishing_resistant: false }, ACR_MFA],
    [['pwd', 'sms'], { required: false, phishing_resistant: false }, ACR_PASSWORD],
    [['pwd', 'kba'], { required: false, phishing_resistant: false }, ACR_PASSWORD],
    [['user', 'pin'], { required: false, phishing_resistant: false }, ACR_PASSWORD],
    [[], { required: false, phishing_resistant: false }, ACR_PASSWORD],
    [['HWK', 'USER'], { required: false, phishing_resistant: false }, ACR_PASSWORD],
  ];
  it('meets each level only with the methods it names', () => {
    for (const [amr, expected, acr] of cases) {
      expect({ amr, optional: satisfiesMfa('optional', amr), required: satisfiesMfa('required', amr), phishing_resistant: satisfiesMfa('phishing_resistant', amr), acr: acrForAmr(amr) }).toEqual({ amr, optional: true, ...expected, acr });
    }
    expect(ACR_PHISHING_RESISTANT).toBe('urn:keyledger:acr:phr');
  });

  it('refuses an unknown level', () => {
    expect(() => satisfiesMfa('sometimes' as never, ['pwd', 'otp'])).toThrow(RangeError);
  });
});

describe('readMfaSettings', () => {
  it('fills in the defaults and keeps what is set', () => {
    expect(readMfaSettings(null)).toEqual({ mfaPolicy: 'optional', mfaGracePeriodDays: 7, stepUpFreshnessMinutes: 10 });
    expect(readMfaSettings({ mfaPolicy: 'required', mfaGracePeriodDays: 0, brand: 'x' })).toEqual({ mfaPolicy: 'required', mfaGracePeriodDays: 0, stepUpFreshnessMinutes: 10 });
  });

  it('refuses a bad value with organization.settings_invalid naming the field', () => {
    for (const [settings, field] of [
      [{ mfaPolicy: 'never' }, 'mfaPolicy'],
      [{ mfaGracePeriodDays: 91 }, 'mfaGracePeriodDays'],
      [{ stepUpFreshnessMinutes: 0.5 }, 'stepUpFreshnessMinutes'],
    ] as const) {
      let caught: unknown;
      try {
        readMfaSettings(settings);
      } catch (err) {
        caught = err;
      }
      expect(isKeyledgerError(caught) && { code: caught.code, details: caught.details }).toEqual({ code: 'organization.settings_invalid', details: { field, got: Object.values(settings)[0] } });
    }
  });
});

const admin = systemContext('test', 'mfa policy test');

for (const dialect of DIALECTS) {
  describe(`loadMfaRequirement on ${dialect}`, () => {
    const clock = new ManualClock('2026-06-01T09:00:00.000Z');
    let t: TestRuntime;
    let orgId: string;
    let ada: string;
    let joinedAt: string;
    const load = (userId = ada, org: string | null = orgId) => loadMfaRequirement(t.rt.database.db, { userId, orgId: org, now: clock.now() });

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      orgId = (await t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme', settings: { mfaPolicy: 'required', mfaGracePeriodDays: 3 } })).id;
      await t.rt.identity.createOrganization(admin, { slug: 'globex', name: 'Globex' });
      clock.advance(60_000);
      joinedAt = clock.now().toISOString();
      ada = (await t.rt.identity.createUser(admin, { email: 'ada@acme.test' }, { orgRef: 'acme' })).id;
      await t.rt.identity.addMember(admin, 'globex', ada);
      await t.rt.access.createRole(admin, 'acme', { key: 'viewer', name: 'Viewer', description: 'reads', permissions: [] });
      await t.rt.access.createRole(admin, 'acme', { key: 'root', name: 'Root', description: 'everything', permissions: ['*'], mfaPolicy: 'phishing_resistant' });
      await t.rt.access.createRole(admin, 'acme', { key: 'oncall', name: 'On call', description: 'pager', permissions: [], mfaPolicy: 'phishing_resistant' });
      await t.rt.access.createRole(admin, 'globex', { key: 'root', name: 'Root', description: 'everything at Globex', permissions: ['*'], mfaPolicy: 'phishing_resistant' });
    });
    afterAll(async () => t?.close());

    it('reads the organization policy and the grace period from the membership', async () => {
      const graceEndsAt = new Date(Date.parse(joinedAt) + 3 * 86_400_000).toISOString();
      expect(await load()).toEqual({ level: 'required', source: 'organization', graceEndsAt, inGrace: true });
      await t.rt.access.grant(admin, 'acme', { role: 'viewer', principalType: 'user', principalId: ada });
      expect((await load()).source).toBe('organization');
    });

    it('counts only active assignments in that organization: ended and expired ones are ignored', async () => {
      // A role held in another organization does not raise the requirement here.
      await t.rt.access.grant(admin, 'globex', { role: 'root', principalType: 'user', principalId: ada });
      expect(await load()).toMatchObject({ level: 'required', source: 'organization' });
      expect(await load(ada, 'globex')).toMatchObject({ level: 'phishing_resistant', source: 'role:root', inGrace: true });

      const root = await t.rt.access.grant(admin, 'acme', { role: 'root', principalType: 'user', principalId: ada });
      expect(await load()).toMatchObject({ level: 'phishing_resistant', source: 'role:root' });
      await t.rt.access.revoke(admin, 'acme', root.id, 'handover');
      expect(await load()).toMatchObject({ level: 'required', source: 'organization' });

      const expiresAt = new Date(clock.now().getTime() + 3_600_000).toISOString();
      await t.rt.access.grant(admin, 'acme', { role: 'oncall', principalType: 'user', principalId: ada, expiresAt });
      clock.advance(3_600_000 - 1);
      expect(await load()).toMatchObject({ level: 'phishing_resistant', source: 'role:oncall' });
      clock.advance(1);
      expect(await load()).toMatchObject({ level: 'required', source: 'organization' });
    });

    it('ends the grace period on time and follows a changed grace setting', async () => {
      const graceEndsAt = new Date(Date.parse(joinedAt) + 3 * 86_400_000);
      clock.set(new Date(graceEndsAt.getTime() - 1));
      expect((await load()).inGrace).toBe(true);
      clock.set(graceEndsAt);
      expect(await load()).toMatchObject({ graceEndsAt: graceEndsAt.toISOString(), inGrace: false });
      await t.rt.identity.updateOrganization(admin, 'acme', { settings: { mfaPolicy: 'required', mfaGracePeriodDays: 30 } });
      expect(await load()).toMatchObject({ graceEndsAt: new Date(Date.parse(joinedAt) + 30 * 86_400_000).toISOString(), inGrace: true });
      await t.rt.identity.updateOrganization(admin, 'acme', { settings: {} });
      expect(await load()).toEqual({ level: 'optional', source: 'default', graceEndsAt: null, inGrace: false });
    });

    it('is the default outside an organization, and refuses unknown organizations and non-members', async () => {
      expect(await load(ada, null)).toEqual({ level: 'optional', source: 'default', graceEndsAt: null, inGrace: false });
      const outsider = (await t.rt.identity.createUser(admin, { email: 'outsider@globex.test' }, { orgRef: 'globex' })).id;
      await expect(load(outsider)).rejects.toMatchObject({ code: 'membership.not_found' });
      await expect(load(ada, '00000000-0000-7000-8000-000000000000')).rejects.toMatchObject({ code: 'organization.not_found' });
    });

    it('runs inside a transaction, seeing that transaction’s writes', async () => {
      await t.rt.database.db.transaction().execute(async (trx) => {
        await trx.updateTable('organizations').set({ settings: JSON.stringify({ mfaPolicy: 'phishing_resistant', mfaGracePeriodDays: 0 }) }).where('id', '=', orgId).execute();
        expect(await loadMfaRequirement(trx, { userId: ada, orgId, now: clock.now() })).toEqual({ level: 'phishing_resistant', source: 'organization', graceEndsAt: joinedAt, inGrace: false });
        await trx.updateTable('organizations').set({ settings: '{}' }).where('id', '=', orgId).execute();
      });
    });
  });
}
