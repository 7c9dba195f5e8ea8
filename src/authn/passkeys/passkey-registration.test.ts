import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/support/databases.ts';
import { admin, expectCataloguedWithoutKeys, ORIGIN, refusal, startPasskeySuite } from '../../../test/support/passkeys.ts';
import { FLAG, SoftAuthenticator, type Tamper } from '../../../test/support/soft-authenticator.ts';
import { ManualClock } from '../../platform/clock.ts';
import { WEBAUTHN_CHALLENGE_TTL_MS } from './webauthn-challenges.ts';

for (const dialect of DIALECTS) {
  describe(`passkey registration and management on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-03T08:00:00.000Z');
    let s: Awaited<ReturnType<typeof startPasskeySuite>>;
    let ada: string;
    let bob: string;
    const laptop = new SoftAuthenticator({ aaguid: 'adce0002-35bc-c60a-648b-0b25f1f05503' });
    const key = new SoftAuthenticator({ alg: -257, backupEligible: false, transports: ['nfc', 'usb', 'carrier-pigeon'] });
    let first: string;
    let second: string;

    const passkeyRows = () => s.t.database.db.selectFrom('passkey_credentials').selectAll().execute();
    /** A registration attempt with a tampered response is refused with `code`, records nothing and stores nothing. */
    const expectRejected = async (tamper: Tamper, details: Record<string, unknown>, userId = ada) => {
      const { challengeId, options } = await s.rt.passkeys.startRegistration(admin, userId);
      await s.newEvents();
      const rowsBefore = (await passkeyRows()).length;
      const err = await refusal(s.rt.passkeys.finishRegistration(admin, userId, challengeId, new SoftAuthenticator().create(options, ORIGIN, tamper)));
      expect(err).toMatchObject({ code: 'authn.passkey_verification_failed', status: 422, details });
      expect(await s.newEvents()).toEqual([]);
      expect((await passkeyRows()).length).toBe(rowsBefore);
      return err;
    };

    beforeAll(async () => {
      s = await startPasskeySuite(dialect, clock);
      await s.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      ada = (await s.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada Lovelace' }, { orgRef: 'acme' })).id;
      bob = (await s.rt.identity.createUser(admin, { email: 'bob@acme.test' }, { orgRef: 'acme' })).id;
      await s.newEvents();
    });
    afterAll(async () => s?.t.close());

    it('asks for a discoverable, user-verified credential with ES256 or RS256, no attestation, and a random user handle', async () => {
      const { challengeId, options } = await s.rt.passkeys.startRegistration(admin, ada);
      expect(challengeId).toMatch(/^[0-9a-f-]{36}$/);
      expect(options).toMatchObject({
        rp: { id: 'id.acme.test', name: 'Keyledger' },
        user: { name: 'ada@acme.test', displayName: 'Ada Lovelace' },
        pubKeyCredParams: [{ alg: -7, type: 'public-key' }, { alg: -257, type: 'public-key' }],
        attestation: 'none',
        excludeCredentials: [],
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        timeout: WEBAUTHN_CHALLENGE_TTL_MS,
      });
      const handle = Buffer.from(options.user.id, 'base64url');
      expect(handle).toHaveLength(32);
      expect(handle.toString('utf8')).not.toContain('ada');
      // Until a passkey exists the handle is not stored, yet each start offers a fresh random one (never the email).
      expect((await s.rt.passkeys.startRegistration(admin, ada)).options.user.id).not.toBe(options.user.id);
      expect(await s.newEvents()).toEqual([]);
    });

    it('registers two passkeys and lists them without keys or credential ids', async () => {
      first = (await s.register(ada, laptop, 'Laptop')).id;
      const events = await s.newEvents();
      expect(events.map((e) => [e.action, e.data])).toEqual([['authn.passkey.registered', { userId: ada, passkeyId: first, aaguid: 'adce0002-35bc-c60a-648b-0b25f1f05503', deviceType: 'multiDevice', backedUp: true }]]);
      expect(events[0].targets).toEqual([{ type: 'user', id: ada, display: 'ada@acme.test' }, { type: 'passkey', id: first, display: 'Laptop' }]);
      second = (await s.register(ada, key)).id;
      expect((await s.newEvents()).map((e) => e.data)).toEqual([expect.objectContaining({ passkeyId: second, deviceType: 'singleDevice', backedUp: false })]);
      const list = await s.rt.passkeys.listPasskeys(ada);
      expect(list).toEqual([
        { id: first, name: 'Laptop', aaguid: 'adce0002-35bc-c60a-648b-0b25f1f05503', deviceType: 'multiDevice', backedUp: true, transports: ['hybrid', 'internal'], createdAt: clock.now().toISOString(), lastUsedAt: null },
        // Unnamed passkeys are numbered; unknown transports are dropped.
        { id: second, name: 'Passkey 2', aaguid: key.aaguid, deviceType: 'singleDevice', backedUp: false, transports: ['nfc', 'usb'], createdAt: clock.now().toISOString(), lastUsedAt: null },
      ]);
      const rows = await passkeyRows();
      expect(rows.map((r) => r.credential_id).sort()).toEqual([laptop, key].map((a) => a.credentials[0].id.toString('base64url')).sort());
      // Both passkeys carry the one handle their authenticators stored.
      expect(new Set(rows.map((r) => r.user_handle))).toEqual(new Set([laptop.credentials[0].userHandle]));
      expect(key.credentials[0].userHandle).toBe(laptop.credentials[0].userHandle);
      expect(await s.rt.passkeys.listPasskeys(bob)).toEqual([]);
    });

    it('lists the existing passkeys in excludeCredentials, so the browser refuses to register one twice', async () => {
      const { options } = await s.rt.passkeys.startRegistration(admin, ada);
      expect(options.excludeCredentials).toEqual([
        { id: laptop.credentials[0].id.toString('base64url'), type: 'public-key', transports: ['hybrid', 'internal'] },
        { id: key.credentials[0].id.toString('base64url'), type: 'public-key', transports: ['nfc', 'usb'] },
      ]);
      expect(() => laptop.create(options, ORIGIN)).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    });

    it('refuses an attestation claiming a credential id already registered, for another user or the same (409), changing nothing', async () => {
      for (const userId of [bob, ada]) {
        const { challengeId, options } = await s.rt.passkeys.startRegistration(admin, userId);
        const claim = new SoftAuthenticator().create({ ...options, excludeCredentials: [] }, ORIGIN, { credentialId: laptop.credentials[0].id });
        expect(await refusal(s.rt.passkeys.finishRegistration(admin, userId, challengeId, claim))).toMatchObject({ code: 'authn.passkey_already_registered', status: 409 });
      }
      expect(await s.newEvents()).toEqual([]);
      expect((await passkeyRows()).filter((r) => r.credential_id === laptop.credentials[0].id.toString('base64url')).map((r) => r.user_id)).toEqual([ada]);
    });

    it('refuses a response whose id is not the attested credential id', async () => {
      const { challengeId, options } = await s.rt.passkeys.startRegistration(admin, bob);
      const response = new SoftAuthenticator().create(options, ORIGIN);
      const swapped = { ...response, id: Buffer.alloc(32, 9).toString('base64url'), rawId: Buffer.alloc(32, 9).toString('base64url') };
      expect(await refusal(s.rt.passkeys.finishRegistration(admin, bob, challengeId, swapped))).toMatchObject({ code: 'authn.passkey_verification_failed', details: { check: 'credential_id' } });
      expect(await s.newEvents()).toEqual([]);
    });

    it('refuses a response from another origin, with what differed', async () => {
      const err = await expectRejected({ origin: 'https://evil.test' }, { check: 'origin', expected: ORIGIN, got: 'https://evil.test' });
      expect(err.message).toContain('"https://evil.test"');
    });

    it('refuses authenticator data for another RP id', async () => {
      await expectRejected({ rpIdHashOf: 'evil.test' }, { check: 'rp_id' });
    });

    it('refuses a credential made without user verification', async () => {
      await expectRejected({ clearFlags: FLAG.UV }, { check: 'user_verification' });
    });

    it('refuses a response over another challenge, or posing as a sign-in', async () => {
      await expectRejected({ challenge: Buffer.alloc(32, 1).toString('base64url') }, { check: 'challenge' });
      await expectRejected({ type: 'webauthn.get' }, { check: 'type', expected: 'webauthn.create' });
    });

    it('refuses a key algorithm it did not offer (Ed25519)', async () => {
      const { challengeId, options } = await s.rt.passkeys.startRegistration(admin, ada);
      const err = await refusal(s.rt.passkeys.finishRegistration(admin, ada, challengeId, new SoftAuthenticator({ alg: -8 }).create(options, ORIGIN)));
      expect(err).toMatchObject({ code: 'authn.passkey_verification_failed', details: { check: 'attestation' } });
      expect(err.message).toMatch(/alg "-8"/);
    });

    it('refuses malformed responses with a stable code', async () => {
      const { challengeId, options } = await s.rt.passkeys.startRegistration(admin, ada);
      const good = new SoftAuthenticator().create(options, ORIGIN);
      for (const bad of [null, {}, { ...good, rawId: 'x' }, { ...good, type: 'password' }, { ...good, response: { ...good.response, attestationObject: '***' } }, { ...good, response: { ...good.response, attestationObject: 'AAAA' } }]) {
        expect(await refusal(s.rt.passkeys.finishRegistration(admin, ada, challengeId, bad as never))).toMatchObject({ code: 'authn.passkey_verification_failed', details: { check: 'malformed' } });
      }
      expect(await s.newEvents()).toEqual([]);
    });

    it('refuses an unknown, expired, reused or another user’s challenge (authn.webauthn_challenge_invalid)', async () => {
      const phone = new SoftAuthenticator();
      const stale = await s.rt.passkeys.startRegistration(admin, ada);
      clock.advance(WEBAUTHN_CHALLENGE_TTL_MS);
      expect(await refusal(s.rt.passkeys.finishRegistration(admin, ada, stale.challengeId, phone.create(stale.options, ORIGIN)))).toMatchObject({ code: 'authn.webauthn_challenge_invalid', status: 400, details: { state: 'expired' } });
      expect(await refusal(s.rt.passkeys.finishRegistration(admin, ada, 'not-an-id', phone.create(stale.options, ORIGIN)))).toMatchObject({ code: 'authn.webauthn_challenge_invalid', details: { state: 'unknown' } });
      const bobs = await s.rt.passkeys.startRegistration(admin, bob);
      expect(await refusal(s.rt.passkeys.finishRegistration(admin, ada, bobs.challengeId, new SoftAuthenticator().create(bobs.options, ORIGIN)))).toMatchObject({ details: { state: 'wrong_binding' } });
      const login = await s.rt.passkeys.startPasskeyLogin();
      expect(await refusal(s.rt.passkeys.finishRegistration(admin, ada, login.challengeId, phone.create({ ...stale.options, challenge: login.options.challenge }, ORIGIN)))).toMatchObject({ details: { state: 'wrong_binding' } });
      const fresh = await s.rt.passkeys.startRegistration(admin, ada);
      const response = new SoftAuthenticator().create(fresh.options, ORIGIN);
      await s.rt.passkeys.finishRegistration(admin, ada, fresh.challengeId, response, 'Tablet');
      expect(await refusal(s.rt.passkeys.finishRegistration(admin, ada, fresh.challengeId, new SoftAuthenticator().create(fresh.options, ORIGIN)))).toMatchObject({ details: { state: 'used' } });
      expect((await s.newEvents()).map((e) => e.action)).toEqual(['authn.passkey.registered']);
    });

    it('renames a passkey (recording before and after), refusing bad names and another user’s passkey', async () => {
      const view = await s.rt.passkeys.renamePasskey(admin, ada, second, '  YubiKey 5 NFC ');
      expect(view).toMatchObject({ id: second, name: 'YubiKey 5 NFC' });
      expect((await s.newEvents()).map((e) => [e.action, e.data])).toEqual([['authn.passkey.renamed', { userId: ada, passkeyId: second, before: { name: 'Passkey 2' }, after: { name: 'YubiKey 5 NFC' } }]]);
      // The same name again changes nothing and records nothing.
      await s.rt.passkeys.renamePasskey(admin, ada, second, 'YubiKey 5 NFC');
      for (const bad of ['', '   ', 'x'.repeat(65), 'line\nbreak', 'tab\there']) expect((await refusal(s.rt.passkeys.renamePasskey(admin, ada, second, bad))).code).toBe('authn.passkey_name_invalid');
      expect((await refusal(s.rt.passkeys.renamePasskey(admin, bob, second, 'Mine now'))).code).toBe('authn.factor_not_found');
      expect((await refusal(s.rt.passkeys.finishRegistration(admin, ada, 'x', {} as never, '')))).toMatchObject({ code: 'authn.passkey_name_invalid' });
      expect(await s.newEvents()).toEqual([]);
      expect((await s.rt.passkeys.listPasskeys(ada)).find((p) => p.id === second)?.name).toBe('YubiKey 5 NFC');
    });

    it('removes a passkey once; another user cannot remove it; removed passkeys leave the list but keep the handle', async () => {
      expect((await refusal(s.rt.passkeys.removePasskey(admin, bob, first))).code).toBe('authn.factor_not_found');
      expect(await s.newEvents()).toEqual([]);
      await s.rt.passkeys.removePasskey(admin, ada, first);
      expect((await s.newEvents()).map((e) => [e.action, e.data])).toEqual([['authn.passkey.removed', { userId: ada, passkeyId: first }]]);
      expect((await refusal(s.rt.passkeys.removePasskey(admin, ada, first))).code).toBe('authn.factor_not_found');
      expect((await refusal(s.rt.passkeys.renamePasskey(admin, ada, first, 'Back'))).code).toBe('authn.factor_not_found');
      expect((await s.rt.passkeys.listPasskeys(ada)).map((p) => p.id)).not.toContain(first);
      const { options } = await s.rt.passkeys.startRegistration(admin, ada);
      expect(options.excludeCredentials!.map((c) => c.id)).not.toContain(laptop.credentials[0].id.toString('base64url'));
      // The WebAuthn user handle never changes, even after removals.
      expect(options.user.id).toBe(laptop.credentials[0].userHandle);
      expect((await s.newEvents())).toEqual([]);
    });

    it('refuses unknown users', async () => {
      expect((await refusal(s.rt.passkeys.startRegistration(admin, '01890000-0000-7000-8000-000000000000'))).code).toBe('user.not_found');
      expect((await refusal(s.rt.passkeys.listPasskeys('nope'))).code).toBe('user.not_found');
    });

    it('records only catalogued events and never a public key', async () => {
      expect(await expectCataloguedWithoutKeys(s.t)).toBeGreaterThan(5);
    });
  });
}
