import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/support/databases.ts';
import { admin, expectCataloguedWithoutKeys, ORIGIN, refusal, startPasskeySuite, web } from '../../../test/support/passkeys.ts';
import { FLAG, SoftAuthenticator, type Tamper } from '../../../test/support/soft-authenticator.ts';
import { ManualClock } from '../../platform/clock.ts';
import { resolveSessionPolicy } from '../../sessions/session-policy.ts';
import type { Session } from '../../sessions/session.ts';
import { ACR_PHISHING_RESISTANT } from './passkey-service.ts';

for (const dialect of DIALECTS) {
  describe(`passkey step-up in a live session on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-04T12:00:00.000Z');
    let s: Awaited<ReturnType<typeof startPasskeySuite>>;
    let ada: string;
    let bob: string;
    const adasKey = new SoftAuthenticator({ backupEligible: false });
    const bobsPhone = new SoftAuthenticator();

    /** A live password session of the user, as a sign-in would have opened it. */
    const passwordSession = async (userId: string): Promise<Session> =>
      (await s.rt.sessions.create(web, { userId, orgId: null, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd', ip: null, userAgent: null, policy: resolveSessionPolicy(null) })).session;
    const stepUp = async (session: Session, authenticator: SoftAuthenticator, tamper: Tamper = {}) => {
      const { challengeId, options } = await s.rt.passkeys.startPasskeyStepUp(session.id);
      return s.rt.passkeys.completePasskeyStepUp(web, session.id, challengeId, authenticator.get(options, ORIGIN, tamper));
    };
    /** Refused with authn.step_up_failed, one authn.step_up.failed event with `reason`, and the session unchanged. */
    const expectRefused = async (session: Session, attempt: () => Promise<unknown>, reason: string) => {
      await s.newEvents();
      const before = await s.rt.sessions.requireSession(session.id);
      expect(await refusal(attempt())).toMatchObject({ code: 'authn.step_up_failed', status: 401 });
      const events = await s.newEvents();
      expect(events.map((e) => [e.action, e.outcome, e.reason])).toEqual([['authn.step_up.failed', 'failure', reason]]);
      expect(events[0].data).toMatchObject({ reason, method: 'passkey', userId: session.userId, sessionId: session.id });
      const after = await s.rt.sessions.requireSession(session.id);
      expect({ amr: after.amr, acr: after.acr, stepUpAt: after.stepUpAt }).toEqual({ amr: before.amr, acr: before.acr, stepUpAt: before.stepUpAt });
      return events[0];
    };

    beforeAll(async () => {
      s = await startPasskeySuite(dialect, clock);
      ada = (await s.rt.identity.createUser(admin, { email: 'ada@acme.test' })).id;
      bob = (await s.rt.identity.createUser(admin, { email: 'bob@acme.test' })).id;
      await s.register(ada, adasKey, 'Key');
      await s.register(bob, bobsPhone, 'Phone');
      await s.newEvents();
    });
    afterAll(async () => s?.t.close());

    it('steps up a password session with the user’s passkey: amr gains hwk and user, acr becomes phishing-resistant', async () => {
      const session = await passwordSession(ada);
      const { options } = await s.rt.passkeys.startPasskeyStepUp(session.id);
      expect(options).toMatchObject({ rpId: 'id.acme.test', userVerification: 'required', allowCredentials: [{ id: adasKey.credentials[0].id.toString('base64url'), type: 'public-key' }] });
      await s.newEvents();
      clock.advance(60_000);
      const raised = await stepUp(session, adasKey);
      expect(raised).toMatchObject({ id: session.id, amr: ['pwd', 'hwk', 'user'], acr: ACR_PHISHING_RESISTANT, stepUpAt: clock.now().toISOString() });
      const events = await s.newEvents();
      expect(events.map((e) => [e.action, e.data])).toEqual([['sessions.session.stepped_up', { userId: ada, amr: ['hwk', 'user'], acr: ACR_PHISHING_RESISTANT }]]);
    });

    it('refuses another user’s passkey, however valid its signature (wrong_user), and leaves that passkey untouched', async () => {
      const session = await passwordSession(ada);
      const { challengeId, options } = await s.rt.passkeys.startPasskeyStepUp(session.id);
      const bobsRow = () => s.t.database.db.selectFrom('passkey_credentials').select(['sign_count', 'last_used_at']).where('user_id', '=', bob).executeTakeFirstOrThrow();
      const before = await bobsRow();
      // A malicious page ignores allowCredentials and signs with Bob's credential.
      const response = bobsPhone.assert(bobsPhone.credentials[0], options.challenge, ORIGIN);
      const event = await expectRefused(session, () => s.rt.passkeys.completePasskeyStepUp(web, session.id, challengeId, response), 'wrong_user');
      expect(event.targets).toContainEqual(expect.objectContaining({ type: 'passkey', display: 'Phone' }));
      expect(await bobsRow()).toEqual(before);
    });

    it('refuses a challenge issued to another session (challenge_invalid)', async () => {
      const mine = await passwordSession(ada);
      const other = await passwordSession(ada);
      const { challengeId, options } = await s.rt.passkeys.startPasskeyStepUp(other.id);
      await expectRefused(mine, () => s.rt.passkeys.completePasskeyStepUp(web, mine.id, challengeId, adasKey.get(options, ORIGIN)), 'challenge_invalid');
      // The other session's challenge was not spent by the refusal.
      expect(await s.rt.passkeys.completePasskeyStepUp(web, other.id, challengeId, adasKey.get(options, ORIGIN))).toMatchObject({ acr: ACR_PHISHING_RESISTANT });
    });

    it('refuses a replayed step-up response, a missing UV flag, another origin and another RP id', async () => {
      const session = await passwordSession(ada);
      const { challengeId, options } = await s.rt.passkeys.startPasskeyStepUp(session.id);
      const response = adasKey.get(options, ORIGIN);
      await s.rt.passkeys.completePasskeyStepUp(web, session.id, challengeId, response);
      await expectRefused(session, () => s.rt.passkeys.completePasskeyStepUp(web, session.id, challengeId, response), 'challenge_invalid');
      await expectRefused(session, () => stepUp(session, adasKey, { clearFlags: FLAG.UV }), 'user_not_verified');
      await expectRefused(session, () => stepUp(session, adasKey, { origin: 'https://evil.test' }), 'origin_mismatch');
      await expectRefused(session, () => stepUp(session, adasKey, { rpIdHashOf: 'evil.test' }), 'rp_id_mismatch');
    });

    it('refuses a removed passkey (unknown_credential)', async () => {
      const spare = new SoftAuthenticator();
      const view = await s.register(ada, spare, 'Spare');
      const session = await passwordSession(ada);
      const { challengeId, options } = await s.rt.passkeys.startPasskeyStepUp(session.id);
      await s.rt.passkeys.removePasskey(admin, ada, view.id);
      await expectRefused(session, () => s.rt.passkeys.completePasskeyStepUp(web, session.id, challengeId, spare.get(options, ORIGIN)), 'unknown_credential');
    });

    it('refuses to start or complete on an ended session, and to start for a user without passkeys', async () => {
      const session = await passwordSession(ada);
      const { challengeId, options } = await s.rt.passkeys.startPasskeyStepUp(session.id);
      await s.rt.sessions.revoke(web, session.id, 'signed out');
      await s.newEvents();
      expect((await refusal(s.rt.passkeys.startPasskeyStepUp(session.id))).code).toBe('session.ended');
      expect((await refusal(s.rt.passkeys.completePasskeyStepUp(web, session.id, challengeId, adasKey.get(options, ORIGIN)))).code).toBe('session.ended');
      expect((await refusal(s.rt.passkeys.startPasskeyStepUp('01890000-0000-7000-8000-000000000000'))).code).toBe('session.not_found');
      const carl = (await s.rt.identity.createUser(admin, { email: 'carl@acme.test' })).id;
      expect((await refusal(s.rt.passkeys.startPasskeyStepUp((await passwordSession(carl)).id))).code).toBe('authn.factor_not_found');
      expect((await s.newEvents()).map((e) => e.action)).toEqual(['identity.user.created', 'sessions.session.created']);
    });

    it('records only catalogued events and never a public key', async () => {
      expect(await expectCataloguedWithoutKeys(s.t)).toBeGreaterThan(5);
    });
  });
}
