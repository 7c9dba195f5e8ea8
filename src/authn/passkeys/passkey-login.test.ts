import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { DIALECTS } from '../../../test/support/databases.ts';
import { admin, expectCataloguedWithoutKeys, ORIGIN, refusal, startPasskeySuite, web } from '../../../test/support/passkeys.ts';
import { FLAG, SoftAuthenticator, type Tamper } from '../../../test/support/soft-authenticator.ts';
import { ManualClock } from '../../platform/clock.ts';
import { ACR_PHISHING_RESISTANT } from './passkey-service.ts';
import { WEBAUTHN_CHALLENGE_TTL_MS } from './webauthn-challenges.ts';

for (const dialect of DIALECTS) {
  describe(`passwordless sign-in with a passkey on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-02T10:00:00.000Z');
    let s: Awaited<ReturnType<typeof startPasskeySuite>>;
    let orgId: string;
    let ada: string;
    /** Ada's synced passkey (BE+BS, counter always 0) and her device-bound security key (counter grows). */
    const phone = new SoftAuthenticator({ counterStep: 0 });
    const key = new SoftAuthenticator({ backupEligible: false, backedUp: false, transports: ['usb'] });
    let keyPasskeyId: string;

    /** A full sign-in ceremony: options from Keyledger, the authenticator's response, back to Keyledger. */
    const signIn = async (authenticator: SoftAuthenticator, tamper: Tamper = {}, orgRef: string | null = 'acme') => {
      const { challengeId, options } = await s.rt.passkeys.startPasskeyLogin();
      return s.rt.passkeys.completePasskeyLogin(web, challengeId, authenticator.get(options, ORIGIN, tamper), { orgRef });
    };
    /** The attempt is refused with the one authn.login_failed, records exactly one authn.login.failed with `reason`, and opens no session. */
    const expectRefused = async (attempt: () => Promise<unknown>, reason: string, userId: string | null = ada) => {
      await s.newEvents();
      const sessionsBefore = await s.sessionCount();
      expect(await refusal(attempt())).toEqual({ code: 'authn.login_failed', status: 401, message: 'the passkey was not accepted', details: undefined });
      const events = await s.newEvents();
      expect(events.map((e) => [e.action, e.outcome, e.reason])).toEqual([['authn.login.failed', 'failure', reason]]);
      expect(events[0].data).toMatchObject({ reason, method: 'passkey', email: null, userId });
      expect(await s.sessionCount()).toBe(sessionsBefore);
      return events[0];
    };

    beforeAll(async () => {
      s = await startPasskeySuite(dialect, clock);
      orgId = (await s.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' })).id;
      await s.rt.identity.createOrganization(admin, { slug: 'globex', name: 'Globex' });
      ada = (await s.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada' }, { orgRef: 'acme' })).id;
      await s.register(ada, phone, 'Phone');
      keyPasskeyId = (await s.register(ada, key, 'YubiKey')).id;
      await s.newEvents();
    });
    afterAll(async () => s?.t.close());

    it('offers discoverable credentials: empty allowCredentials, user verification required, our RP id', async () => {
      const { challengeId, options } = await s.rt.passkeys.startPasskeyLogin();
      expect(challengeId).toMatch(/^[0-9a-f-]{36}$/);
      expect(options).toMatchObject({ rpId: 'id.acme.test', allowCredentials: [], userVerification: 'required', timeout: WEBAUTHN_CHALLENGE_TTL_MS });
      expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32);
      // Issuing a challenge changes nobody's access: no ledger event.
      expect(await s.newEvents()).toEqual([]);
    });

    it('signs in with a synced passkey: a session with amr ["swk","user"] and the phishing-resistant acr, in one command', async () => {
      const { session, sessionToken } = await signIn(phone);
      expect(sessionToken).toMatch(/^kl_sess_/);
      expect(await s.rt.sessions.validate(sessionToken)).toMatchObject({ id: session.id, userId: ada, orgId, amr: ['swk', 'user'], acr: ACR_PHISHING_RESISTANT });
      expect(ACR_PHISHING_RESISTANT).toBe('urn:keyledger:acr:phr');
      const events = await s.newEvents();
      expect(events.map((e) => e.action)).toEqual(['sessions.session.created', 'authn.login.succeeded']);
      // One command: the session and the sign-in share a time.
      expect(events[0].time).toBe(events[1].time);
      expect(events[1].data).toEqual({ userId: ada, orgId, amr: ['swk', 'user'], acr: 'urn:keyledger:acr:phr', sessionId: session.id, mfa: { level: 'optional', source: 'default', satisfied: true, inGrace: false, graceEndsAt: null } });
      expect(events[1].targets.map((t) => t.type)).toEqual(['user', 'session', 'passkey']);
      expect((await s.rt.passkeys.listPasskeys(ada))[0]).toMatchObject({ name: 'Phone', lastUsedAt: clock.now().toISOString() });
    });

    it('signs in with a device-bound security key (amr ["hwk","user"]) and stores its growing counter', async () => {
      const { session } = await signIn(key, {}, null);
      expect(session).toMatchObject({ orgId: null, amr: ['hwk', 'user'] });
      const row = await s.t.database.db.selectFrom('passkey_credentials').select(['sign_count']).where('id', '=', keyPasskeyId).executeTakeFirstOrThrow();
      expect(Number(row.sign_count)).toBe(key.credentials[0].counter);
      await s.newEvents();
    });

    it('refuses a response relayed from another origin (phishing page): origin_mismatch', async () => {
      const event = await expectRefused(() => signIn(phone, { origin: 'https://id.acme-login.test' }), 'origin_mismatch');
      expect(event.targets.map((t) => t.type)).toEqual(['user', 'passkey']);
    });

    it('refuses a ceremony run inside a cross-origin iframe: origin_mismatch', async () => {
      await expectRefused(() => signIn(phone, { topOrigin: 'https://evil.test' }), 'origin_mismatch');
    });

    it('refuses authenticator data scoped to another RP id: rp_id_mismatch', async () => {
      await expectRefused(() => signIn(phone, { rpIdHashOf: 'acme.test' }), 'rp_id_mismatch');
    });

    it('refuses an assertion without user verification (UV flag clear): user_not_verified', async () => {
      await expectRefused(() => signIn(phone, { clearFlags: FLAG.UV }), 'user_not_verified');
      await expectRefused(() => signIn(phone, { clearFlags: FLAG.UP | FLAG.UV }), 'user_not_verified');
    });

    it('refuses a response over another challenge than the one issued: challenge_invalid', async () => {
      const other = await s.rt.passkeys.startPasskeyLogin();
      await expectRefused(() => signIn(phone, { challenge: other.options.challenge }), 'challenge_invalid');
    });

    it('refuses an unknown or malformed challenge id, and a challenge issued for a registration', async () => {
      const { options } = await s.rt.passkeys.startPasskeyLogin();
      await expectRefused(() => s.rt.passkeys.completePasskeyLogin(web, '01890000-0000-7000-8000-000000000000', phone.get(options, ORIGIN)), 'challenge_invalid');
      await expectRefused(() => s.rt.passkeys.completePasskeyLogin(web, 'junk', phone.get(options, ORIGIN)), 'challenge_invalid');
      const reg = await s.rt.passkeys.startRegistration(admin, ada);
      const event = await expectRefused(() => s.rt.passkeys.completePasskeyLogin(web, reg.challengeId, phone.get({ ...options, challenge: reg.options.challenge }, ORIGIN)), 'challenge_invalid');
      expect(event.data.challengeId).toBe(reg.challengeId);
      // A registration challenge is not spent by a sign-in attempt: only its own ceremony may use it.
      const row = await s.t.database.db.selectFrom('webauthn_challenges').select('used_at').where('id', '=', reg.challengeId).executeTakeFirstOrThrow();
      expect(row.used_at).toBeNull();
    });

    it('refuses an expired challenge even with a valid signature', async () => {
      const { challengeId, options } = await s.rt.passkeys.startPasskeyLogin();
      clock.advance(WEBAUTHN_CHALLENGE_TTL_MS);
      await expectRefused(() => s.rt.passkeys.completePasskeyLogin(web, challengeId, phone.get(options, ORIGIN), { orgRef: 'acme' }), 'challenge_invalid');
    });

    it('accepts a challenge once: a replayed response is refused (challenge_invalid)', async () => {
      const { challengeId, options } = await s.rt.passkeys.startPasskeyLogin();
      const response = phone.get(options, ORIGIN);
      await s.rt.passkeys.completePasskeyLogin(web, challengeId, response);
      await expectRefused(() => s.rt.passkeys.completePasskeyLogin(web, challengeId, response), 'challenge_invalid');
    });

    it('lets exactly one of two concurrent sign-ins with the same challenge through', async () => {
      const { challengeId, options } = await s.rt.passkeys.startPasskeyLogin();
      const response = phone.get(options, ORIGIN);
      await s.newEvents();
      const before = await s.sessionCount();
      const results = await Promise.allSettled([0, 1, 2].map(() => s.rt.passkeys.completePasskeyLogin(web, challengeId, response)));
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected', 'rejected']);
      expect(await s.sessionCount()).toBe(before + 1);
      expect((await s.newEvents()).map((e) => e.reason ?? e.action).sort()).toEqual(['authn.login.succeeded', 'challenge_invalid', 'challenge_invalid', 'sessions.session.created']);
    });

    it('spends the challenge on a refused attempt, so a repaired response cannot follow', async () => {
      const { challengeId, options } = await s.rt.passkeys.startPasskeyLogin();
      await expectRefused(() => s.rt.passkeys.completePasskeyLogin(web, challengeId, phone.get(options, ORIGIN, { clearFlags: FLAG.UV })), 'user_not_verified');
      await expectRefused(() => s.rt.passkeys.completePasskeyLogin(web, challengeId, phone.get(options, ORIGIN)), 'challenge_invalid');
    });

    it('refuses a credential id no passkey has: unknown_credential, no account named', async () => {
      const stranger = new SoftAuthenticator();
      const { options } = await s.rt.passkeys.startRegistration(admin, ada);
      stranger.create(options, ORIGIN);
      const event = await expectRefused(() => signIn(stranger), 'unknown_credential', null);
      expect(event.targets).toEqual([]);
    });

    it('refuses a forged signature and a foreign user handle: verification_failed', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await expectRefused(() => signIn(phone, { signWith: privateKey }), 'verification_failed');
      await expectRefused(() => signIn(phone, { userHandle: Buffer.alloc(32, 7).toString('base64url') }), 'verification_failed');
    });

    it('refuses a cloned authenticator: the second to sign in shows a counter that did not increase (counter_regression)', async () => {
      const clone = key.clone();
      await signIn(key);
      await s.newEvents();
      const event = await expectRefused(() => signIn(clone), 'counter_regression');
      expect(event.targets).toContainEqual(expect.objectContaining({ type: 'passkey', id: keyPasskeyId }));
      // The stored counter stays where the genuine authenticator left it.
      const row = await s.t.database.db.selectFrom('passkey_credentials').select('sign_count').where('id', '=', keyPasskeyId).executeTakeFirstOrThrow();
      expect(Number(row.sign_count)).toBe(key.credentials[0].counter);
      // A counter going back to 0 on a key that counts is a regression too.
      await expectRefused(() => signIn(key, { counter: 0 }), 'counter_regression');
    });

    it('refuses a non-member of the organization asked for, and an unknown organization', async () => {
      await expectRefused(() => signIn(phone, {}, 'globex'), 'not_member');
      await expectRefused(() => signIn(phone, {}, 'no-such-org'), 'unknown_organization');
    });

    it('refuses a removed passkey: unknown_credential, still naming its owner', async () => {
      const spare = new SoftAuthenticator();
      const view = await s.register(ada, spare, 'Spare');
      await s.rt.passkeys.removePasskey(admin, ada, view.id);
      const event = await expectRefused(() => signIn(spare), 'unknown_credential');
      expect(event.targets).toContainEqual(expect.objectContaining({ type: 'passkey', id: view.id }));
    });

    it('refuses a suspended user with their own valid passkey: inactive_account', async () => {
      const carl = (await s.rt.identity.createUser(admin, { email: 'carl@acme.test' }, { orgRef: 'acme' })).id;
      const carlsPhone = new SoftAuthenticator();
      await s.register(carl, carlsPhone);
      await signIn(carlsPhone);
      await s.rt.identity.setUserStatus(admin, carl, 'suspended', 'leave');
      await expectRefused(() => signIn(carlsPhone), 'inactive_account', carl);
    });

    it('keeps public keys out of the ledger and records every attempt as a catalogued event', async () => {
      await expectCataloguedWithoutKeys(s.t);
      const { events } = await s.rt.ledger.listEvents({ actionPrefix: 'authn.login.failed' }, { limit: 5000 });
      expect(events.length).toBeGreaterThan(15);
    });
  });
}
