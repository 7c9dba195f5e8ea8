import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { DIALECTS } from '../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../test/support/runtime.ts';
import { ManualClock } from '../platform/clock.ts';
import { systemContext, type CommandContext } from '../audit/event.ts';
import { lookupAction } from '../audit/actions.ts';
import { generateTotpCode, totpSecretToBase32 } from './totp/totp.ts';
import { createPasswordHasher, OWASP_ARGON2ID } from './password/password-hasher.ts';
import { createAuthnService } from './service.ts';
import { openTotpSecret } from './totp-secret.ts';
import { LOGIN_CHALLENGE_TTL_MS } from './login.ts';
import { eventTail, refusalOf as refusal } from '../../test/support/thrown.ts';

const admin = systemContext('test', 'authn test');
const web: CommandContext = { actor: { type: 'system', id: 'login-page', display: 'login page' }, request: { requestId: 'req-login', ip: '203.0.113.9', userAgent: 'vitest' } };
const PASSWORD = 'quartz-lantern-meadow-91-harbor';
const STEP = 30_000;

for (const dialect of DIALECTS) {
  describe(`authn on ${dialect}`, () => {
    let t: TestRuntime;
    const clock = new ManualClock('2026-03-01T09:00:00.000Z');
    let orgId: string;
    let ada: string;
    let secret: Buffer;
    /** Every secret handed out during the suite, for the scan at the end. */
    const secrets: string[] = [PASSWORD];
    const newEvents = eventTail(() => t.rt);
    const code = () => generateTotpCode({ secret, now: clock.now() });
    const begin = (email: string, password = PASSWORD, orgRef: string | null = 'acme') => t.rt.authn.beginPasswordLogin(web, { email, password, orgRef });
    const challengeOf = async (email: string) => {
      const r = await begin(email);
      if (!r.mfaRequired) throw new Error('expected a challenge');
      secrets.push(r.challengeToken);
      return r.challengeToken;
    };

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      orgId = (await t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' })).id;
      ada = (await t.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada Lovelace' }, { orgRef: 'acme' })).id;
      await newEvents();
    });
    afterAll(async () => t?.close());

    it('refuses a blocklisted or context-word password with 422 and every violation, changing nothing', async () => {
      const err = await refusal(t.rt.authn.setPassword(admin, ada, 'password1234'));
      expect(err.status).toBe(422);
      expect(err.code).toMatch(/^authn\.password_/);
      expect((err.details as { violations: { code: string }[] }).violations.map((v) => v.code)).toContain('authn.password_breached_or_common');
      const ctxErr = await refusal(t.rt.authn.setPassword(admin, ada, 'lovelace-acme-2026-lovelace'));
      expect((ctxErr.details as { violations: { code: string }[] }).violations.map((v) => v.code)).toContain('authn.password_contains_context');
      expect(await newEvents()).toEqual([]);
      expect((await t.rt.authn.listFactors(ada)).password.set).toBe(false);
    });

    it('sets a password as argon2id and records authn.password.changed without it', async () => {
      await t.rt.authn.setPassword(admin, ada, PASSWORD);
      const row = await t.database.db.selectFrom('password_credentials').selectAll().where('user_id', '=', ada).executeTakeFirstOrThrow();
      expect(row.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      const events = await newEvents();
      expect(events.map((e) => [e.action, e.data])).toEqual([['authn.password.changed', { userId: ada, initial: true }]]);
    });

    it('signs in with the password alone when no second factor is needed (amr ["pwd"])', async () => {
      const r = await begin('ada@acme.test');
      expect(r.mfaRequired).toBe(false);
      if (r.mfaRequired) return;
      secrets.push(r.sessionToken);
      expect(await t.rt.sessions.validate(r.sessionToken)).toMatchObject({ userId: ada, orgId, amr: ['pwd'] });
      const events = await newEvents();
      expect(events.map((e) => e.action)).toEqual(['authn.login.password_verified', 'sessions.session.created', 'authn.login.succeeded']);
      expect(events[2].data).toEqual({ userId: ada, orgId, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd', sessionId: r.session.id, mfa: { level: 'optional', source: 'default', satisfied: true, inGrace: false, graceEndsAt: null } });
    });

    it('enrolls TOTP (pending, confirmed by a code) with the secret sealed under the master key only', async () => {
      const start = await t.rt.authn.startTotpEnrollment(admin, ada, { issuer: 'Keyledger' });
      expect(start.uri).toMatch(/^otpauth:\/\/totp\/Keyledger:ada%40acme\.test\?/);
      expect(start.qrSvg).toContain('<svg');
      const row = await t.database.db.selectFrom('totp_factors').selectAll().where('id', '=', start.factorId).executeTakeFirstOrThrow();
      expect(row.status).toBe('pending');
      secret = openTotpSecret(t.rt.master, row.secret);
      expect(totpSecretToBase32(secret)).toBe(start.secretBase32);
      secrets.push(start.secretBase32, secret.toString('hex'), secret.toString('base64'));
      // Another master key cannot open it.
      const other = { id: t.rt.master.id, key: randomBytes(32) };
      expect(await refusal(Promise.resolve().then(() => openTotpSecret(other, row.secret)))).toMatchObject({ code: 'config.invalid' });
      expect((await refusal(t.rt.authn.confirmTotpEnrollment(admin, ada, start.factorId, '000000'))).code).toMatch(/^authn\.totp_code_/);
      const active = await t.rt.authn.confirmTotpEnrollment(admin, ada, start.factorId, code());
      expect(active).toMatchObject({ id: start.factorId, status: 'active' });
      expect((await refusal(t.rt.authn.startTotpEnrollment(admin, ada, { issuer: 'Keyledger' }))).code).toBe('authn.factor_already_enrolled');
      expect((await newEvents()).map((e) => e.action)).toEqual(['authn.totp.enrollment_started', 'authn.totp.enrolled']);
      expect((await t.rt.authn.listFactors(ada)).totp).toEqual([expect.objectContaining({ id: start.factorId, status: 'active' })]);
    });

    it('signs in end to end with password + TOTP: a session with amr ["pwd","otp"] and acr mfa', async () => {
      clock.advance(STEP);
      const token = await challengeOf('ada@acme.test');
      expect(token).toMatch(/^kl_login_/);
      const { session, sessionToken } = await t.rt.authn.completeLogin(web, token, { totpCode: code() });
      secrets.push(sessionToken);
      expect(await t.rt.sessions.validate(sessionToken)).toMatchObject({ id: session.id, userId: ada, orgId, amr: ['pwd', 'otp'], acr: 'urn:keyledger:acr:mfa' });
      const events = await newEvents();
      expect(events.map((e) => e.action)).toEqual(['authn.login.password_verified', 'authn.login.factor_verified', 'sessions.session.created', 'authn.login.succeeded']);
      expect(events[0].data).toMatchObject({ userId: ada, mfaRequired: true });
      // The completed challenge cannot be used again.
      expect((await refusal(t.rt.authn.completeLogin(web, token, { totpCode: code() }))).code).toBe('authn.challenge_invalid');
      expect((await newEvents()).map((e) => [e.action, e.reason])).toEqual([['authn.login.failed', 'challenge_completed']]);
    });

    it('refuses a replayed TOTP code on a new challenge, recording replayed_totp', async () => {
      const used = code();
      const token = await challengeOf('ada@acme.test');
      await newEvents();
      const err = await refusal(t.rt.authn.completeLogin(web, token, { totpCode: used }));
      expect(err).toMatchObject({ code: 'authn.second_factor_invalid', status: 401 });
      const [failed] = await newEvents();
      expect(failed).toMatchObject({ action: 'authn.login.failed', outcome: 'failure', reason: 'replayed_totp', data: { reason: 'replayed_totp', method: 'totp', userId: ada } });
      // The challenge is still usable with the next code.
      clock.advance(STEP);
      await t.rt.authn.completeLogin(web, token, { totpCode: code() });
      await newEvents();
    });

    it('refuses a valid TOTP code after the challenge expired', async () => {
      clock.advance(STEP);
      const token = await challengeOf('ada@acme.test');
      clock.advance(LOGIN_CHALLENGE_TTL_MS);
      await newEvents();
      expect((await refusal(t.rt.authn.completeLogin(web, token, { totpCode: code() }))).code).toBe('authn.challenge_invalid');
      expect((await newEvents()).map((e) => e.reason)).toEqual(['challenge_expired']);
    });

    it('closes a challenge after 5 wrong codes, each recorded as wrong_totp', async () => {
      clock.advance(STEP);
      const token = await challengeOf('ada@acme.test');
      await newEvents();
      const wrong = String((Number(code()) + 1) % 1_000_000).padStart(6, '0');
      for (let i = 0; i < 5; i++) expect((await refusal(t.rt.authn.completeLogin(web, token, { totpCode: wrong }))).code).toBe('authn.second_factor_invalid');
      expect((await refusal(t.rt.authn.completeLogin(web, token, { totpCode: code() }))).code).toBe('authn.challenge_invalid');
      expect((await newEvents()).map((e) => e.reason)).toEqual([...Array(5).fill('wrong_totp'), 'challenge_locked']);
    });

    it('accepts a recovery code once and never twice; regenerating invalidates the old set', async () => {
      const old = await t.rt.authn.regenerateRecoveryCodes(admin, ada);
      const codes = await t.rt.authn.regenerateRecoveryCodes(admin, ada);
      secrets.push(...old, ...codes, ...codes.map((c) => c.replace('-', '')));
      expect(codes).toHaveLength(10);
      expect((await newEvents()).map((e) => e.data)).toEqual([expect.objectContaining({ count: 10, invalidated: 0 }), expect.objectContaining({ count: 10, invalidated: 10 })]);
      const token = await challengeOf('ada@acme.test');
      expect((await refusal(t.rt.authn.completeLogin(web, token, { recoveryCode: old[0] }))).code).toBe('authn.second_factor_invalid');
      const { sessionToken } = await t.rt.authn.completeLogin(web, token, { recoveryCode: codes[0].toLowerCase() });
      secrets.push(sessionToken);
      expect((await t.rt.sessions.validate(sessionToken))?.amr).toEqual(['pwd', 'otp']);
      const events = await newEvents();
      expect(events.map((e) => e.action)).toEqual(['authn.login.password_verified', 'authn.login.failed', 'authn.recovery_code.used', 'authn.login.factor_verified', 'sessions.session.created', 'authn.login.succeeded']);
      expect(events[1].reason).toBe('wrong_recovery_code');
      expect(events[2].data).toMatchObject({ userId: ada, remaining: 9 });
      const again = await challengeOf('ada@acme.test');
      expect((await refusal(t.rt.authn.completeLogin(web, again, { recoveryCode: codes[0] }))).code).toBe('authn.second_factor_invalid');
      expect((await newEvents()).map((e) => e.reason ?? e.action)).toEqual(['authn.login.password_verified', 'wrong_recovery_code']);
      expect((await t.rt.authn.listFactors(ada)).recoveryCodes.remaining).toBe(9);
    });

    it('gives wrong password, unknown email, unknown organization and no password the same refusal; the ledger keeps the reasons', async () => {
      const bob = (await t.rt.identity.createUser(admin, { email: 'bob@acme.test' }, { orgRef: 'acme' })).id;
      await t.rt.identity.createUser(admin, { email: 'eve@other.test' });
      await t.rt.authn.setPassword(admin, (await t.rt.identity.listUsers({ email: 'eve@other.test' }, { limit: 1 })).items[0].id, PASSWORD);
      await newEvents();
      const attempts = [
        () => begin('ada@acme.test', 'wrong-password-entirely-42'),
        () => begin('nobody@acme.test'),
        () => begin('bob@acme.test'),
        () => begin('ada@acme.test', PASSWORD, 'no-such-org'),
        () => begin('eve@other.test'),
      ];
      const errors = [];
      for (const a of attempts) errors.push(await refusal(a()));
      expect(new Set(errors.map((e) => JSON.stringify(e))).size).toBe(1);
      expect(errors[0]).toMatchObject({ code: 'authn.login_failed', status: 401 });
      const events = await newEvents();
      expect(events.map((e) => [e.action, e.outcome, e.data.reason])).toEqual([
        ['authn.login.failed', 'failure', 'wrong_password'],
        ['authn.login.failed', 'failure', 'unknown_account'],
        ['authn.login.failed', 'failure', 'no_password'],
        ['authn.login.failed', 'failure', 'unknown_organization'],
        ['authn.login.failed', 'failure', 'not_member'],
      ]);
      expect(events[1].data).toMatchObject({ email: 'nobody@acme.test', userId: null });
      expect(events[2].data).toMatchObject({ userId: bob });
    });

    it('refuses a suspended user with the right password (inactive_account)', async () => {
      const carl = (await t.rt.identity.createUser(admin, { email: 'carl@acme.test' }, { orgRef: 'acme' })).id;
      await t.rt.authn.setPassword(admin, carl, PASSWORD);
      await t.rt.identity.setUserStatus(admin, carl, 'suspended', 'leave');
      await newEvents();
      expect(await refusal(begin('carl@acme.test'))).toMatchObject({ code: 'authn.login_failed' });
      expect((await newEvents()).map((e) => e.data.reason)).toEqual(['inactive_account']);
    });

    it('lets a member without a second factor sign in under an MFA policy, recording the policy unmet and the grace period', async () => {
      await t.rt.identity.createOrganization(admin, { slug: 'strict', name: 'Strict', settings: { mfaPolicy: 'required', mfaGracePeriodDays: 7 } });
      const dora = (await t.rt.identity.createUser(admin, { email: 'dora@acme.test' }, { orgRef: 'strict' })).id;
      await t.rt.authn.setPassword(admin, dora, PASSWORD);
      await newEvents();
      const r = await begin('dora@acme.test', PASSWORD, 'strict');
      if (r.mfaRequired) throw new Error('no factor to ask for');
      secrets.push(r.sessionToken);
      expect(r.session).toMatchObject({ amr: ['pwd'], acr: 'urn:keyledger:acr:pwd' });
      const succeeded = (await newEvents()).find((e) => e.action === 'authn.login.succeeded')!;
      expect(succeeded.data.mfa).toMatchObject({ level: 'required', source: 'organization', satisfied: false, inGrace: true });
      // Past the grace period the sign-in still records the policy as unmet, now outside any grace.
      clock.advance(8 * 24 * 3600_000);
      const late = await begin('dora@acme.test', PASSWORD, 'strict');
      if (!late.mfaRequired) secrets.push(late.sessionToken);
      expect((await newEvents()).find((e) => e.action === 'authn.login.succeeded')!.data.mfa).toMatchObject({ level: 'required', satisfied: false, inGrace: false });
    });

    it('rehashes on login when the stored hash was made with other parameters', async () => {
      const low = createAuthnService({ db: t.database.db, runner: t.rt.runner, clock, newId: t.rt.newId, master: t.rt.master, sessions: t.rt.sessions, identity: t.rt.identity, hasher: createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1, outputLen: 32 }) });
      const fay = (await t.rt.identity.createUser(admin, { email: 'fay@acme.test' }, { orgRef: 'acme' })).id;
      await low.setPassword(admin, fay, PASSWORD);
      const hashOf = async () => (await t.database.db.selectFrom('password_credentials').select('hash').where('user_id', '=', fay).executeTakeFirstOrThrow()).hash;
      expect(await hashOf()).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
      const r = await begin('fay@acme.test');
      if (!r.mfaRequired) secrets.push(r.sessionToken);
      expect(await hashOf()).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${OWASP_ARGON2ID.memoryCost},t=${OWASP_ARGON2ID.timeCost},p=1\\$`));
      expect((await createPasswordHasher().verify(await hashOf(), PASSWORD)).ok).toBe(true);
    });

    it('records every attempt as a catalogued event and keeps every secret out of every row and ledger body', async () => {
      const { events } = await t.rt.ledger.listEvents({}, { limit: 5000 });
      for (const e of events) {
        const spec = lookupAction(e.action);
        expect(spec, e.action).toBeDefined();
        expect(Object.keys(e.data).filter((f) => !(f in spec!.data))).toEqual([]);
      }
      const dump = [];
      for (const table of ['password_credentials', 'totp_factors', 'recovery_codes', 'login_challenges', 'sessions', 'audit_events'] as const) {
        dump.push(JSON.stringify(await t.database.db.selectFrom(table).selectAll().execute()));
      }
      const text = dump.join('\n');
      expect(secrets.length).toBeGreaterThan(30);
      for (const s of secrets) expect(text.includes(s), `secret ${s.slice(0, 12)}… found in storage`).toBe(false);
      expect(text.toLowerCase().includes(secret.toString('hex'))).toBe(false);
    });
  });
}
