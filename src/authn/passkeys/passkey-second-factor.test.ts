import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/support/databases.ts';
import { admin, expectCataloguedWithoutKeys, ORIGIN, refusal, startPasskeySuite, web } from '../../../test/support/passkeys.ts';
import { FLAG, SoftAuthenticator } from '../../../test/support/soft-authenticator.ts';
import { ManualClock } from '../../platform/clock.ts';
import { hashToken } from '../../platform/ids.ts';
import { ACR_PHISHING_RESISTANT } from './passkey-service.ts';

const PASSWORD = 'quartz-lantern-meadow-91-harbor';

for (const dialect of DIALECTS) {
  describe(`a passkey as the second factor of a password login on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-05T09:00:00.000Z');
    let s: Awaited<ReturnType<typeof startPasskeySuite>>;
    let ada: string;
    let bob: string;
    const adasKey = new SoftAuthenticator({ backupEligible: false });
    const bobsPhone = new SoftAuthenticator();

    /** A password login of `email` that must be completed with a second factor; its challenge token. */
    const challengeOf = async (email: string) => {
      const r = await s.rt.authn.beginPasswordLogin(web, { email, password: PASSWORD, orgRef: 'acme' });
      if (!r.mfaRequired) throw new Error('expected a second factor to be required');
      return r;
    };
    /** How many wrong second factors the login challenge of `token` has counted. */
    const failuresOf = async (token: string) => Number((await s.t.database.db.selectFrom('login_challenges').select('failed_attempts').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow()).failed_attempts);

    beforeAll(async () => {
      s = await startPasskeySuite(dialect, clock);
      await s.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      ada = (await s.rt.identity.createUser(admin, { email: 'ada@acme.test' }, { orgRef: 'acme' })).id;
      bob = (await s.rt.identity.createUser(admin, { email: 'bob@acme.test' }, { orgRef: 'acme' })).id;
      await s.rt.authn.setPassword(admin, ada, PASSWORD);
      await s.rt.authn.setPassword(admin, bob, PASSWORD);
    });
    afterAll(async () => s?.t.close());

    it('asks for no second factor before the user has a passkey, and for a passkey once they have one', async () => {
      expect(await s.rt.authn.beginPasswordLogin(web, { email: 'ada@acme.test', password: PASSWORD, orgRef: 'acme' })).toMatchObject({ mfaRequired: false });
      await s.register(ada, adasKey, 'Key');
      await s.register(bob, bobsPhone, 'Phone');
      expect(await challengeOf('ada@acme.test')).toMatchObject({ mfaRequired: true, methods: ['passkey'] });
    });

    it('completes the login with the passkey: amr ["pwd","hwk"], the phishing-resistant acr, the factor recorded as passkey', async () => {
      const { challengeToken } = await challengeOf('ada@acme.test');
      const { challengeId, options } = await s.rt.passkeys.startPasskeySecondFactor(challengeToken);
      expect(options).toMatchObject({ rpId: 'id.acme.test', userVerification: 'required', allowCredentials: [{ id: adasKey.credentials[0].id.toString('base64url'), type: 'public-key' }] });
      await s.newEvents();
      const { session, sessionToken } = await s.rt.authn.completeLogin(web, challengeToken, { passkey: { challengeId, response: adasKey.get(options, ORIGIN) } });
      expect(await s.rt.sessions.validate(sessionToken)).toMatchObject({ id: session.id, userId: ada, amr: ['pwd', 'hwk'], acr: ACR_PHISHING_RESISTANT });
      const events = await s.newEvents();
      expect(events.map((e) => e.action)).toEqual(['authn.login.factor_verified', 'sessions.session.created', 'authn.login.succeeded']);
      expect(events[0].data).toMatchObject({ userId: ada, method: 'passkey' });
      // The login challenge is completed: it starts no further passkey ceremony.
      expect((await refusal(s.rt.passkeys.startPasskeySecondFactor(challengeToken))).code).toBe('authn.challenge_invalid');
    });

    it('refuses another user’s passkey (wrong_user), counting it against the login challenge', async () => {
      const { challengeToken } = await challengeOf('ada@acme.test');
      const { challengeId, options } = await s.rt.passkeys.startPasskeySecondFactor(challengeToken);
      await s.newEvents();
      const response = bobsPhone.assert(bobsPhone.credentials[0], options.challenge, ORIGIN);
      expect(await refusal(s.rt.authn.completeLogin(web, challengeToken, { passkey: { challengeId, response } }))).toMatchObject({ code: 'authn.second_factor_invalid', status: 401 });
      const events = await s.newEvents();
      expect(events.map((e) => [e.action, e.reason, e.data.method])).toEqual([['authn.login.failed', 'wrong_user', 'passkey']]);
      expect(await failuresOf(challengeToken)).toBe(1);
      // The right passkey still completes the same login.
      const again = await s.rt.passkeys.startPasskeySecondFactor(challengeToken);
      expect((await s.rt.authn.completeLogin(web, challengeToken, { passkey: { challengeId: again.challengeId, response: adasKey.get(again.options, ORIGIN) } })).session.amr).toEqual(['pwd', 'hwk']);
    });

    it('refuses a passkey challenge issued for another login, a missing UV flag, and a replay', async () => {
      const first = await challengeOf('ada@acme.test');
      const second = await challengeOf('ada@acme.test');
      const forFirst = await s.rt.passkeys.startPasskeySecondFactor(first.challengeToken);
      await s.newEvents();
      expect((await refusal(s.rt.authn.completeLogin(web, second.challengeToken, { passkey: { challengeId: forFirst.challengeId, response: adasKey.get(forFirst.options, ORIGIN) } }))).code).toBe('authn.second_factor_invalid');
      const forSecond = await s.rt.passkeys.startPasskeySecondFactor(second.challengeToken);
      expect((await refusal(s.rt.authn.completeLogin(web, second.challengeToken, { passkey: { challengeId: forSecond.challengeId, response: adasKey.get(forSecond.options, ORIGIN, { clearFlags: FLAG.UV }) } }))).code).toBe('authn.second_factor_invalid');
      const response = adasKey.get(forFirst.options, ORIGIN);
      await s.rt.authn.completeLogin(web, first.challengeToken, { passkey: { challengeId: forFirst.challengeId, response } });
      expect((await s.newEvents()).filter((e) => e.outcome === 'failure').map((e) => e.reason)).toEqual(['webauthn_challenge_invalid', 'user_not_verified']);
    });

    it('refuses to start the passkey step for an unknown or junk login token', async () => {
      for (const token of ['kl_login_' + 'A'.repeat(43), 'junk']) expect((await refusal(s.rt.passkeys.startPasskeySecondFactor(token))).code).toBe('authn.challenge_invalid');
    });

    it('records only catalogued events and never a public key', async () => {
      expect(await expectCataloguedWithoutKeys(s.t)).toBeGreaterThan(5);
    });
  });
}
