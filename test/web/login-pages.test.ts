import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, type HttpSuite } from '../support/http.ts';
import { PageClient, visibleText } from '../support/page-client.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { openTotpSecret } from '../../src/authn/totp-secret.ts';

const PASSWORD = 'quartz-lantern-orbit-meadow-42';
const admin = systemContext('test', 'web test setup');

for (const dialect of DIALECTS) {
  describe(`hosted sign-in pages on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let s: HttpSuite;
    let ada: string;
    let totpSecret: Buffer;
    const events = async () => (await s.rt.ledger.listEvents({}, { limit: 5000 })).events;

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await s.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      ada = (await s.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada' }, { orgRef: 'acme' })).id;
      await s.rt.authn.setPassword(admin, ada, PASSWORD);
      const grace = (await s.rt.identity.createUser(admin, { email: 'grace@acme.test', name: 'Grace' }, { orgRef: 'acme' })).id;
      await s.rt.authn.setPassword(admin, grace, PASSWORD);
      const start = await s.rt.authn.startTotpEnrollment(admin, grace, { issuer: 'Keyledger' });
      const row = await s.rt.database.db.selectFrom('totp_factors').selectAll().where('id', '=', start.factorId).executeTakeFirstOrThrow();
      totpSecret = openTotpSecret(s.rt.master, row.secret);
      await s.rt.authn.confirmTotpEnrollment(admin, grace, start.factorId, generateTotpCode({ secret: totpSecret, now: clock.now() }));
    });
    afterAll(async () => s.close());

    it('serves an accessible sign-in form that cannot be framed or cached, with a CSRF token', async () => {
      const c = new PageClient(s.app);
      const res = await c.get('/login');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-store');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.body).toContain('<html lang="en">');
      expect(res.body).toMatch(/<label for="email">Email address<\/label>[\s\S]*<input id="email" name="email" type="email" autocomplete="username webauthn"/);
      expect(res.body).toMatch(/<label for="password">Password<\/label>[\s\S]*<input id="password" name="password" type="password" autocomplete="current-password"/);
      expect(c.csrfToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect([...c.cookies.keys()]).toEqual(['kl_csrf']);
    });

    it('signs in with email and password: a session cookie, then the account page', async () => {
      const c = new PageClient(s.app);
      await c.get('/login');
      const res = await c.post('/login', { email: 'ada@acme.test', password: PASSWORD, org: 'acme', return_to: '/account' });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/account');
      const cookie = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]).find((l) => l.startsWith('kl_session='))!;
      expect(cookie).toMatch(/^kl_session=kl_sess_[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
      const account = await c.follow();
      expect(account.statusCode).toBe(200);
      expect(visibleText(account.body)).toContain('Signed in as ada@acme.test');
    });

    it('refuses a form without its CSRF token, or with another browser’s, or from another site — and records nothing', async () => {
      const c = new PageClient(s.app);
      await c.get('/login');
      const before = (await events()).length;
      const missing = await c.post('/login', { _csrf: null, email: 'ada@acme.test', password: PASSWORD });
      expect(missing.statusCode).toBe(403);
      expect(visibleText(missing.body)).toContain('This form has expired');
      const other = new PageClient(s.app);
      await other.get('/login');
      const foreign = await c.post('/login', { _csrf: other.csrfToken(), email: 'ada@acme.test', password: PASSWORD });
      expect(foreign.statusCode).toBe(403);
      await c.get('/login');
      const crossSite = await c.post('/login', { email: 'ada@acme.test', password: PASSWORD }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
      expect(crossSite.statusCode).toBe(403);
      expect([...c.cookies.keys()]).not.toContain('kl_session');
      expect((await events()).length).toBe(before);
    });

    it('answers an unknown email and a wrong password with the same page', async () => {
      const c = new PageClient(s.app);
      await c.get('/login');
      const wrong = await c.post('/login', { email: 'ada@acme.test', password: 'not the password at all 1' });
      await c.get('/login');
      const unknown = await c.post('/login', { email: 'nobody@acme.test', password: 'not the password at all 1' });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      const norm = (body: string) => visibleText(body).replace(/ada@acme\.test|nobody@acme\.test/g, 'EMAIL');
      expect(norm(unknown.body)).toBe(norm(wrong.body));
      expect(wrong.body).toMatch(/aria-invalid="true"/);
      expect(visibleText(wrong.body)).toContain('The email address or password is incorrect');
      const reasons = (await events()).filter((e) => e.action === 'authn.login.failed').slice(-2).map((e) => e.reason);
      expect(reasons).toEqual(['wrong_password', 'unknown_account']);
    });

    it('asks for the authenticator code after the password, and refuses a replayed code', async () => {
      const c = new PageClient(s.app);
      await c.get('/login');
      const first = await c.post('/login', { email: 'grace@acme.test', password: PASSWORD, return_to: '/account' });
      expect(first.headers.location).toBe('/login/verify?methods=totp&return_to=%2Faccount');
      expect(c.cookies.get('kl_login')).toMatch(/^kl_login_/);
      const verify = await c.follow();
      expect(verify.body).toMatch(/autocomplete="one-time-code"/);
      clock.advance(30_000);
      const code = generateTotpCode({ secret: totpSecret, now: clock.now() });
      const ok = await c.post('/login/verify', { method: 'totp', code, return_to: '/account' });
      expect(ok.statusCode).toBe(303);
      expect(c.cookies.get('kl_session')).toMatch(/^kl_sess_/);
      expect(c.cookies.has('kl_login')).toBe(false);
      const session = await s.rt.sessions.validate(c.cookies.get('kl_session')!);
      expect(session).toMatchObject({ amr: ['pwd', 'otp'], acr: 'urn:keyledger:acr:mfa' });
      // The same code on a new sign-in is refused.
      const d = new PageClient(s.app);
      await d.get('/login');
      await d.post('/login', { email: 'grace@acme.test', password: PASSWORD });
      await d.follow();
      const replay = await d.post('/login/verify', { method: 'totp', code });
      expect(replay.statusCode).toBe(401);
      expect(d.cookies.has('kl_session')).toBe(false);
      expect((await events()).filter((e) => e.action === 'authn.login.failed').at(-1)?.reason).toBe('replayed_totp');
    });

    it('never redirects off-site after sign-in', async () => {
      for (const target of ['//evil.example/x', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)']) {
        const c = new PageClient(s.app);
        await c.get('/login');
        const res = await c.post('/login', { email: 'ada@acme.test', password: PASSWORD, return_to: target });
        expect({ target, location: res.headers.location }).toEqual({ target, location: '/account' });
      }
    });

    it('logs a revoked session out on its very next request', async () => {
      const c = new PageClient(s.app);
      await c.get('/login');
      await c.post('/login', { email: 'ada@acme.test', password: PASSWORD });
      expect((await c.get('/account')).statusCode).toBe(200);
      const session = await s.rt.sessions.validate(c.cookies.get('kl_session')!);
      await s.rt.sessions.revoke(admin, session!.id, 'test');
      const next = await c.get('/account');
      expect(next.statusCode).toBe(303);
      expect(next.headers.location).toBe('/login?return_to=%2Faccount');
      expect(c.cookies.has('kl_session')).toBe(false);
    });

    it('signs out: the session ends and the cookie is cleared', async () => {
      const c = new PageClient(s.app);
      await c.get('/login');
      await c.post('/login', { email: 'ada@acme.test', password: PASSWORD });
      const token = c.cookies.get('kl_session')!;
      await c.get('/account');
      const out = await c.post('/logout', {});
      expect(out.headers.location).toBe('/login?signed_out=1');
      expect(c.cookies.has('kl_session')).toBe(false);
      expect(await s.rt.sessions.inspect(token)).toMatchObject({ ok: false, reason: 'revoked' });
    });
  });
}
