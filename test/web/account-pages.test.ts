import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from 'otpauth';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, type HttpSuite } from '../support/http.ts';
import { PageClient, visibleText } from '../support/page-client.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';

const PASSWORD = 'quartz-lantern-orbit-meadow-42';
const admin = systemContext('test', 'web test setup');

for (const dialect of DIALECTS) {
  describe(`the account page on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-03T09:00:00.000Z');
    let s: HttpSuite;
    let ada: string;
    let alan: string;
    let grace: string;
    const events = async () => (await s.rt.ledger.listEvents({}, { limit: 5000 })).events;
    const signIn = async (email: string, password = PASSWORD) => {
      const c = new PageClient(s.app);
      await c.get('/login');
      const res = await c.post('/login', { email, password, org: 'acme' });
      expect(res.statusCode).toBe(303);
      await c.get('/account');
      return c;
    };

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await s.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      for (const [email, name] of [['ada@acme.test', 'Ada'], ['grace@acme.test', 'Grace'], ['alan@acme.test', 'Alan']]) {
        const id = (await s.rt.identity.createUser(admin, { email, name }, { orgRef: 'acme' })).id;
        await s.rt.authn.setPassword(admin, id, PASSWORD);
        if (email.startsWith('ada')) ada = id;
        if (email.startsWith('alan')) alan = id;
        if (email.startsWith('grace')) grace = id;
      }
    });
    afterAll(async () => s.close());

    it('sends a visitor without a session to sign in, and back', async () => {
      const c = new PageClient(s.app);
      const res = await c.get('/account');
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/login?return_to=%2Faccount');
    });

    it('sets up an authenticator app: QR code, confirm with a code, recovery codes shown once', async () => {
      const c = await signIn('alan@acme.test');
      const start = await c.post('/account/totp/start', {});
      expect(start.statusCode).toBe(200);
      expect(start.body).toContain('<svg');
      const b32 = /id="totp-secret">([A-Z2-7]+)</.exec(start.body)![1];
      const secret = Buffer.from(Secret.fromBase32(b32).bytes);
      const wrong = await c.post('/account/totp/confirm', { factor_id: /name="factor_id" value="([^"]+)"/.exec(start.body)![1], code: '000000' });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.body).toMatch(/aria-invalid="true"/);
      // The refused code restarted the enrollment with a new secret.
      const b32b = /id="totp-secret">([A-Z2-7]+)</.exec(wrong.body)![1];
      const secret2 = Buffer.from(Secret.fromBase32(b32b).bytes);
      expect(b32b).not.toBe(b32);
      const factorId = /name="factor_id" value="([^"]+)"/.exec(wrong.body)![1];
      const done = await c.post('/account/totp/confirm', { factor_id: factorId, code: generateTotpCode({ secret: secret2, now: clock.now() }) });
      expect(done.statusCode).toBe(200);
      const codes = [...done.body.matchAll(/<li>([A-Z0-9]{5}-[A-Z0-9]{5})<\/li>/g)].map((m) => m[1]);
      expect(codes).toHaveLength(10);
      const factors = await s.rt.authn.listFactors(alan);
      expect(factors.totp).toEqual([expect.objectContaining({ id: factorId, status: 'active' })]);
      expect(factors.recoveryCodes.remaining).toBe(10);
      expect(secret.equals(secret2)).toBe(false);
      // The codes are on that page only: the account page shows the count.
      const account = await c.get('/account');
      for (const code of codes) expect(account.body).not.toContain(code);
      expect(visibleText(account.body)).toContain('10 unused recovery codes');
    });

    it('asks to re-authenticate before removing a factor once the sign-in is older than the freshness window', async () => {
      const c = await signIn('grace@acme.test');
      const start = await c.post('/account/totp/start', {});
      const secret = Buffer.from(Secret.fromBase32(/id="totp-secret">([A-Z2-7]+)</.exec(start.body)![1]).bytes);
      const factorId = /name="factor_id" value="([^"]+)"/.exec(start.body)![1];
      await c.post('/account/totp/confirm', { factor_id: factorId, code: generateTotpCode({ secret, now: clock.now() }) });
      await c.get('/account');
      clock.advance(11 * 60_000);
      const stale = await c.post('/account/totp/remove', { factor_id: factorId });
      expect(stale.statusCode).toBe(303);
      expect(stale.headers.location).toBe('/account/reauth?return_to=/account');
      expect((await s.rt.authn.listFactors(grace)).totp).toHaveLength(1);
      const page = await c.follow();
      expect(page.body).toMatch(/autocomplete="one-time-code"/);
      const refused = await c.post('/account/reauth', { password: PASSWORD, code: '000000', return_to: '/account' });
      expect(refused.statusCode).toBe(401);
      expect((await events()).at(-1)).toMatchObject({ action: 'authn.reauthentication.failed', data: { method: 'totp' } });
      const ok = await c.post('/account/reauth', { password: PASSWORD, code: generateTotpCode({ secret, now: clock.now() }), return_to: '/account' });
      expect(ok.headers.location).toBe('/account?done=reauthenticated');
      await c.follow();
      const removed = await c.post('/account/totp/remove', { factor_id: factorId });
      expect(removed.headers.location).toBe('/account?done=totp_removed');
      expect((await s.rt.authn.listFactors(grace)).totp).toEqual([]);
      const actions = (await events()).map((e) => e.action);
      expect(actions.lastIndexOf('sessions.session.stepped_up')).toBeLessThan(actions.lastIndexOf('authn.totp.removed'));
    });

    it('refuses a password on the blocklist with the policy’s reason, and a good one signs out the other sessions', async () => {
      const other = await signIn('ada@acme.test');
      const c = await signIn('ada@acme.test');
      const bad = await c.post('/account/password', { new_password: 'password1234' });
      expect(bad.statusCode).toBe(422);
      expect(visibleText(bad.body)).toMatch(/common|breached/i);
      const good = await c.post('/account/password', { new_password: 'violet-harbor-tungsten-mosaic-7' });
      expect(good.headers.location).toBe('/account?done=password');
      expect((await c.get('/account')).statusCode).toBe(200);
      expect((await other.get('/account')).statusCode).toBe(303);
      await s.rt.authn.setPassword(admin, ada, PASSWORD);
    });

    it('lets a user sign out only their own sessions: another user’s session id is not found', async () => {
      const ada1 = await signIn('ada@acme.test');
      const graceClient = await signIn('grace@acme.test');
      const graceSession = (await s.rt.sessions.validate(graceClient.cookies.get('kl_session')!))!;
      const res = await ada1.post(`/account/sessions/${graceSession.id}/revoke`, {});
      expect(res.statusCode).toBe(404);
      expect(await s.rt.sessions.validate(graceClient.cookies.get('kl_session')!)).not.toBeNull();
      // Ada's cookie shows Ada's account, never Grace's.
      expect(visibleText((await ada1.get('/account')).body)).toContain('Signed in as ada@acme.test');
    });

    it('signs out every other session from the account page', async () => {
      const a = await signIn('ada@acme.test');
      const b = await signIn('ada@acme.test');
      const res = await a.post('/account/sessions/revoke-others', {});
      expect(res.headers.location).toBe('/account?done=others_revoked');
      expect((await b.get('/account')).statusCode).toBe(303);
      expect((await a.get('/account')).statusCode).toBe(200);
    });

    it('asks a member of an organization requiring MFA to set it up, until the session meets the policy', async () => {
      await s.rt.identity.createOrganization(admin, { slug: 'strict', name: 'Strict Corp', settings: { mfaPolicy: 'required', mfaGracePeriodDays: 3 } });
      const mia = (await s.rt.identity.createUser(admin, { email: 'mia@strict.test', name: 'Mia' }, { orgRef: 'strict' })).id;
      await s.rt.authn.setPassword(admin, mia, PASSWORD);
      const c = new PageClient(s.app);
      await c.get('/login?org=strict');
      await c.post('/login', { email: 'mia@strict.test', password: PASSWORD, org: 'strict' });
      const page = await c.follow();
      expect(visibleText(page.body)).toContain('Strict Corp requires two-step verification');
      expect(visibleText(page.body)).toContain('Set it up before 2026-03-');
      const start = await c.post('/account/totp/start', {});
      const secret = Buffer.from(Secret.fromBase32(/id="totp-secret">([A-Z2-7]+)</.exec(start.body)![1]).bytes);
      await c.post('/account/totp/confirm', { factor_id: /name="factor_id" value="([^"]+)"/.exec(start.body)![1], code: generateTotpCode({ secret, now: clock.now() }) });
      const after = await c.get('/account');
      expect(after.body).not.toContain('id="mfa-required"');
      expect(await s.rt.sessions.validate(c.cookies.get('kl_session')!)).toMatchObject({ amr: ['pwd', 'otp'], acr: 'urn:keyledger:acr:mfa' });
    });

    it('ends the sessions signed in to an organization when the user leaves it, and keeps the others', async () => {
      await s.rt.identity.createOrganization(admin, { slug: 'other', name: 'Other' });
      await s.rt.identity.addMember(admin, 'other', ada);
      const inAcme = await signIn('ada@acme.test');
      const inOther = new PageClient(s.app);
      await inOther.get('/login?org=other');
      await inOther.post('/login', { email: 'ada@acme.test', password: PASSWORD, org: 'other' });
      expect((await inOther.get('/account')).statusCode).toBe(200);
      await s.rt.identity.removeMember(admin, 'other', ada);
      expect((await inOther.get('/account')).statusCode).toBe(303);
      expect((await inAcme.get('/account')).statusCode).toBe(200);
      const revoked = (await events()).filter((e) => e.action === 'sessions.session.revoked').at(-1)!;
      expect(revoked.data).toMatchObject({ userId: ada, reason: 'membership ended' });
    });

    it('refuses to start a passkey registration once the sign-in is older than the step-up window', async () => {
      const c = await signIn('ada@acme.test');
      const fresh = await c.postJson('/account/passkeys/options', {});
      expect(fresh.statusCode).toBe(200);
      expect(fresh.json()).toMatchObject({ challengeId: expect.any(String), options: { rp: { id: 'localhost' } } });
      await c.get('/account');
      clock.advance(11 * 60_000);
      const stale = await c.postJson('/account/passkeys/options', {});
      expect(stale.statusCode).toBe(401);
      expect(stale.json()).toMatchObject({ error: { code: 'authn.step_up_required' } });
      // Without the CSRF header the fetch is refused before anything else.
      expect((await c.postJson('/account/passkeys/options', {}, null)).statusCode).toBe(403);
    });
  });
}
