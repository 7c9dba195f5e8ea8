import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { lockAccount, webContext, freshIp } from '../support/lockout.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';
import { enrollTotp, PASSWORD } from '../monitor/detection-fixtures.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { cc66Mfa } from '../../src/evidence/criteria/cc6-6-mfa.ts';
import { rowsNotRecomputable, sectionFor, table } from './sections.ts';

const HOUR = 3_600_000;
const START = '2026-05-04T08:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(START) + hours * HOUR).toISOString();
const admin = systemContext('test', 'evidence test');

/**
 * CC6.6 from the ledger: members' factors replayed from enrollment events, the
 * last sign-in with a second factor, the policy those sign-ins recorded,
 * privileged users' passkeys and account locks.
 */
describe.each(DIALECTS)('CC6.6 MFA evidence, on %s', (dialect) => {
  const clock = new ManualClock(START);
  let s: HttpSuite;
  const u: Record<string, string> = {};
  const window = { org: 'acme', from: at(1), to: at(24) };

  async function member(name: string, org = 'acme'): Promise<string> {
    const id = (await s.rt.identity.createUser(admin, { email: `${name}@${org}.test`, name }, { orgRef: org })).id;
    await s.rt.authn.setPassword(admin, id, PASSWORD);
    return id;
  }

  beforeAll(async () => {
    s = await startHttpSuite(dialect, { clock });
    await createOrg(s, 'acme');
    await createOrg(s, 'globex');
    await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings: { mfaPolicy: 'required', mfaGracePeriodDays: 7 } });
    await createRole(s, 'acme', 'db-admin', { privileged: true });
    for (const name of ['ada', 'bob', 'cat', 'dan']) u[name] = await member(name);
    u.gil = await member('gil', 'globex');
    // ada: TOTP and recovery codes, privileged without a passkey.
    const secret = await enrollTotp(s, clock, u.ada);
    await s.rt.authn.regenerateRecoveryCodes(admin, u.ada);
    await grantRole(s, 'acme', 'db-admin', u.ada);
    // bob: a passkey, privileged.
    const authenticator = new SoftAuthenticator();
    const { challengeId, options } = await s.rt.passkeys.startRegistration(admin, u.bob);
    await s.rt.passkeys.finishRegistration(admin, u.bob, challengeId, authenticator.create(options, s.rt.config.webauthnOrigins[0]), 'laptop');
    await grantRole(s, 'acme', 'db-admin', u.bob);
    // dan left before the window.
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${u.dan}/deprovision`, { reason: 'left' });
    // gil (globex) has a TOTP authenticator and no policy demands more.
    const gilSecret = await enrollTotp(s, clock, u.gil);

    // In the window: ada signs in with password and TOTP; cat with a password only, inside the grace period.
    clock.set(at(2));
    const first = await s.rt.authn.beginPasswordLogin(webContext(freshIp()), { email: 'ada@acme.test', password: PASSWORD, orgRef: 'acme' });
    if (!first.mfaRequired) throw new Error('ada should be asked for her second factor');
    await s.rt.authn.completeLogin(webContext(freshIp()), first.challengeToken, { totpCode: generateTotpCode({ secret, now: clock.now() }) });
    clock.set(at(3));
    const cat = await s.rt.authn.beginPasswordLogin(webContext(freshIp()), { email: 'cat@acme.test', password: PASSWORD, orgRef: 'acme' });
    expect(cat.mfaRequired).toBe(false);
    clock.set(at(4));
    await lockAccount(s.rt, 'cat@acme.test');
    clock.set(at(5));
    const gil = await s.rt.authn.beginPasswordLogin(webContext(freshIp()), { email: 'gil@globex.test', password: PASSWORD, orgRef: 'globex' });
    if (!gil.mfaRequired) throw new Error('gil should be asked for his second factor');
    await s.rt.authn.completeLogin(webContext(freshIp()), gil.challengeToken, { totpCode: generateTotpCode({ secret: gilSecret, now: clock.now() }) });
    clock.set(at(30));
  }, 60_000);
  afterAll(async () => s?.close());

  it('lists every active member with factors and last MFA use, and flags required-but-missing MFA and a privileged user without a passkey', async () => {
    const section = await sectionFor(s.rt, cc66Mfa, window);
    const accounts = table(section, 'mfa-accounts');
    expect(accounts.rows.map((r) => r.row.email)).toEqual(['ada@acme.test', 'bob@acme.test', 'cat@acme.test']);
    const [ada, bob, cat] = accounts.rows.map((r) => r.row);
    expect(ada).toEqual({
      user_id: u.ada,
      email: 'ada@acme.test',
      totp_factors: 1,
      passkeys: 0,
      recovery_codes_remaining: 10,
      mfa_enabled: true,
      first_enrolled_at: START,
      last_mfa_use: at(2),
      last_mfa_methods: expect.stringContaining('otp'),
      last_sign_in: at(2),
      mfa_required: 'required',
      required_but_missing: false,
    });
    expect(bob).toMatchObject({ totp_factors: 0, passkeys: 1, mfa_enabled: true, last_sign_in: null, mfa_required: null, required_but_missing: false });
    expect(cat).toMatchObject({ totp_factors: 0, passkeys: 0, mfa_enabled: false, last_mfa_use: null, last_sign_in: at(3), mfa_required: 'required', required_but_missing: true });

    const privileged = table(section, 'privileged-phishing-resistant');
    expect(privileged.rows.map((r) => r.row)).toEqual([
      { user_id: u.ada, email: 'ada@acme.test', privileged_roles: 'db-admin', passkeys: 0, has_passkey: false },
      { user_id: u.bob, email: 'bob@acme.test', privileged_roles: 'db-admin', passkeys: 1, has_passkey: true },
    ]);
    const lockouts = table(section, 'lockouts');
    expect(lockouts.rows.map((r) => r.row)).toEqual([expect.objectContaining({ user_id: u.cat, event: 'locked', at: at(4), failures: s.rt.config.lockout.threshold })]);
    expect(Object.fromEntries(table(section, 'lockout-policy').rows.map((r) => [r.row.setting, r.row.value]))).toEqual({ threshold_failures: 10, window_minutes: 15, lock_duration_minutes: 15 });
    expect(table(section, 'rate-limits').recompute).toBeUndefined();

    expect(section.status).toBe('attention');
    expect(section.facts).toEqual(
      expect.arrayContaining([
        { label: 'Members active in the window', value: 3 },
        { label: 'Members with MFA enrolled', value: 2 },
        { label: 'MFA coverage (percent)', value: 66.7 },
        { label: 'Required MFA but none enrolled', value: 1, attention: true },
        { label: 'Privileged users with a passkey (percent)', value: 50, attention: true },
      ]),
    );
    for (const t of [accounts, privileged, lockouts]) expect(await rowsNotRecomputable(s.rt, t, window)).toEqual([]);
  });

  it('passes for an organization whose members meet the policy and hold no privileged role', async () => {
    const w = { org: 'globex', from: at(1), to: at(24) };
    const section = await sectionFor(s.rt, cc66Mfa, w);
    expect(table(section, 'mfa-accounts').rows.map((r) => [r.row.email, r.row.mfa_enabled, r.row.mfa_required, r.row.last_mfa_use])).toEqual([['gil@globex.test', true, 'optional', at(5)]]);
    expect(section.status).toBe('pass');
    expect(await rowsNotRecomputable(s.rt, table(section, 'mfa-accounts'), w)).toEqual([]);
  });
});
