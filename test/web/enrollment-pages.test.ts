import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { expectNothingChanged, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { PageClient, visibleText } from '../support/page-client.ts';
import { latestLink, mailTo, tokenOf } from '../support/mail.ts';
import { lockAccount } from '../support/lockout.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { redactUrl } from '../../src/http/app.ts';

const PASSWORD = 'quartz-lantern-orbit-meadow-42';
const NEW_PASSWORD = 'copper-violin-harbor-glacier-17';
const admin = systemContext('test', 'enrollment pages setup');

/** Every page: no inline script or style (CSP), every visible input labelled, nothing cached. */
function expectWellFormedPage(res: { body: string; headers: Record<string, unknown> }): void {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(res.body).not.toMatch(/\sstyle=/);
  for (const [, id] of res.body.matchAll(/<input id="([^"]+)"/g)) expect(res.body).toContain(`<label for="${id}">`);
}

/** How often `token` appears in `body`; a link token must appear only in its own form's hidden field. */
const occurrences = (body: string, token: string) => body.split(token).length - 1;

for (const dialect of DIALECTS) {
  describe(`enrollment and recovery pages on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-04T09:00:00.000Z');
    let s: HttpSuite;
    const users = async () => s.rt.database.db.selectFrom('users').select(['email', 'email_verified_at']).execute();

    /** A browser signed in as `email` (through the sign-in page), having followed the redirect. */
    async function signIn(email: string, password = PASSWORD, returnTo = '/account') {
      const c = new PageClient(s.app);
      await c.get('/login');
      const res = await c.post('/login', { email, password, return_to: returnTo });
      return { c, res };
    }

    async function invite(email: string, orgRef = 'acme'): Promise<string> {
      return tokenOf((await s.rt.enrollment.inviteUser(admin, orgRef, { email })).link);
    }

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await s.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      await s.rt.identity.createOrganization(admin, { slug: 'globex', name: 'Globex' });
      await s.rt.identity.createOrganization(admin, { slug: 'open', name: 'Open Co', settings: { signup: { mode: 'open' } } });
      await s.rt.identity.createOrganization(admin, { slug: 'domains', name: 'Domains Inc', settings: { signup: { mode: 'open', allowedDomains: ['domains.test'] } } });
      for (const [email, org] of [['bob@globex.test', 'globex'], ['carol@globex.test', 'globex'], ['dora@acme.test', 'acme'], ['eve@acme.test', 'acme']]) {
        const id = (await s.rt.identity.createUser(admin, { email, name: email.split('@')[0] }, { orgRef: org })).id;
        await s.rt.authn.setPassword(admin, id, PASSWORD);
      }
    });
    afterAll(async () => s.close());

    it('an invitation link opens the sign-up form, which creates the account and signs in; the link then stops working', async () => {
      const token = await invite('ada@acme.test');
      const c = new PageClient(s.app);
      const form = await c.get(`/signup?invitation=${token}`);
      expect(form.statusCode).toBe(200);
      expectWellFormedPage(form);
      expect(visibleText(form.body)).toContain('Join Acme');
      expect(form.body).toMatch(/<input id="email" name="email" type="email" autocomplete="username" value="ada@acme.test" readonly/);
      expect(form.body).toMatch(/<input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="password-hint">/);
      expect(visibleText(form.body)).toContain('At least 12 characters');
      expect(form.body).toContain(`<input type="hidden" name="invitation" value="${token}">`);
      expect(occurrences(form.body, token)).toBe(1);

      const res = await c.post('/signup', { invitation: token, email: 'mallory@evil.test', name: 'Ada Lovelace', password: PASSWORD });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/account');
      const session = await s.rt.sessions.validate(c.cookies.get('kl_session')!);
      expect(session).toMatchObject({ amr: ['pwd'] });
      const account = await c.follow();
      expect(account.statusCode).toBe(200);
      expect(visibleText(account.body)).toContain('Signed in as ada@acme.test (Ada Lovelace)');
      // The account is the invited address's, whatever the form said.
      expect((await users()).map((u) => u.email)).not.toContain('mallory@evil.test');

      // Reused: refused with the reason, and the token is not echoed.
      const other = new PageClient(s.app);
      const again = await other.get(`/signup?invitation=${token}`);
      expect(again.statusCode).toBe(410);
      expect(visibleText(again.body)).toContain('This invitation cannot be used (accepted)');
      expect(occurrences(again.body, token)).toBe(0);
      await other.get('/login');
      const replay = await expectNothingChanged(s.rt, () => other.post('/signup', { invitation: token, name: 'Someone', password: NEW_PASSWORD }));
      expect(replay.statusCode).toBe(410);
      expect(other.cookies.has('kl_session')).toBe(false);
      // Junk links are refused the same way.
      expect((await other.get('/signup?invitation=kl_invite_nope')).statusCode).toBe(410);
    });

    it('refuses a blocklisted password at sign-up with the reason next to the field, creating nothing; the link still works', async () => {
      const token = await invite('alan@acme.test');
      const c = new PageClient(s.app);
      await c.get(`/signup?invitation=${token}`);
      const res = await expectNothingChanged(s.rt, () => c.post('/signup', { invitation: token, name: 'Alan', password: 'correct horse battery staple' }));
      expect(res.statusCode).toBe(422);
      expectWellFormedPage(res);
      expect(res.body).toMatch(/<p class="error" id="password-error"><span class="visually-hidden">Error:<\/span> Password is on the list of common and breached passwords/);
      expect(res.body).toMatch(/<input id="password"[^>]*aria-describedby="password-hint password-error" aria-invalid="true" autofocus>/);
      expect(res.body).not.toContain('correct horse');
      // The name typed is kept, the password never is.
      expect(res.body).toContain('value="Alan"');
      expect(c.cookies.has('kl_session')).toBe(false);

      const empty = await expectNothingChanged(s.rt, () => c.post('/signup', { invitation: token, name: '  ', password: '' }));
      expect(empty.statusCode).toBe(422);
      expect(visibleText(empty.body)).toContain('Enter your name');
      expect(visibleText(empty.body)).toContain('Choose a password');
      expect((await c.post('/signup', { invitation: token, name: 'Alan', password: PASSWORD })).statusCode).toBe(303);
    });

    it('an invitation to an existing account asks to sign in first; signed in, one button joins the organization', async () => {
      const token = await invite('bob@globex.test');
      const c = new PageClient(s.app);
      const page = await c.get(`/signup?invitation=${token}`);
      expect(page.statusCode).toBe(200);
      expectWellFormedPage(page);
      expect(visibleText(page.body)).toContain('An account for bob@globex.test already exists');
      const href = `/login?return_to=/signup?invitation=${token}`;
      expect(page.body).toContain(`<a href="${href}">Sign in to accept the invitation</a>`);
      expect(page.body).not.toContain('type="password"');
      // The token in that link never reaches a log line, plain or percent-encoded on its way through /login/verify.
      expect(redactUrl(href)).not.toContain(token.slice(10));
      expect(redactUrl(`/login/verify?return_to=${encodeURIComponent(`/signup?invitation=${token}`)}`)).not.toContain(token.slice(10));
      // A new-account form posted anyway cannot take the existing account over.
      await c.get('/login');
      const forced = await expectNothingChanged(s.rt, () => c.post('/signup', { invitation: token, name: 'Bob', password: NEW_PASSWORD }));
      expect(forced.statusCode).toBe(409);
      expect(c.cookies.has('kl_session')).toBe(false);

      // Someone else signed in (a forwarded link): told so, and the join is refused.
      const { c: carol } = await signIn('carol@globex.test');
      const wrong = await carol.get(`/signup?invitation=${token}`);
      expect(visibleText(wrong.body)).toMatch(/was sent to bob@globex\.test ?, but you are signed in as carol@globex\.test/);
      expect(wrong.body).not.toContain('action="/signup/join"');
      const refused = await expectNothingChanged(s.rt, () => carol.post('/signup/join', { invitation: token }));
      expect(refused.statusCode).toBe(403);

      const { c: bob, res } = await signIn('bob@globex.test', PASSWORD, `/signup?invitation=${token}`);
      expect(res.headers.location).toBe(`/signup?invitation=${token}`);
      const join = await bob.follow();
      expect(join.statusCode).toBe(200);
      expectWellFormedPage(join);
      expect(join.body).toMatch(/<button type="submit">Join Acme as bob@globex.test<\/button>/);
      expect(occurrences(join.body, token)).toBe(1);
      const joined = await bob.post('/signup/join', { invitation: token });
      expect(joined.statusCode).toBe(200);
      expect(visibleText(joined.body)).toContain('You have joined Acme as bob@globex.test');
      const bobUser = (await s.rt.identity.findUserByEmail('bob@globex.test'))!;
      const acme = await s.rt.identity.requireOrg('acme');
      expect(await s.rt.identity.isMember(acme.id, bobUser.id)).toBe(true);
      expect((await bob.post('/signup/join', { invitation: token })).statusCode).toBe(410);
    });

    it('open sign-up answers the same page for a new address and for one that has an account', async () => {
      const c = new PageClient(s.app);
      const form = await c.get('/signup?org=open');
      expect(form.statusCode).toBe(200);
      expectWellFormedPage(form);
      expect(form.body).toMatch(/<input id="email" name="email" type="email" autocomplete="username" value="" required>/);
      expect(form.body).toMatch(/autocomplete="new-password"/);
      const fresh = await c.post('/signup', { org: 'open', email: 'Newbie@Example.test', name: 'Newbie', password: PASSWORD });
      await c.get('/signup?org=open');
      const taken = await c.post('/signup', { org: 'open', email: 'dora@acme.test', name: 'Dora', password: PASSWORD });
      expect([fresh.statusCode, taken.statusCode]).toEqual([200, 200]);
      const norm = (body: string) => visibleText(body).replace(/newbie@example\.test|dora@acme\.test/g, 'EMAIL');
      expect(norm(fresh.body)).toBe(norm(taken.body));
      expect(visibleText(fresh.body)).toContain('Check your email');
      expect(c.cookies.has('kl_session')).toBe(false);
      expect((await users()).filter((u) => u.email === 'newbie@example.test')).toEqual([{ email: 'newbie@example.test', email_verified_at: null }]);
      expect((await mailTo(s.rt, 'dora@acme.test')).map((m) => m.subject)).toEqual(['You already have an account']);

      // Closed, unknown and missing organizations: one 403 page, and nothing created.
      const closed = await c.get('/signup?org=acme');
      const unknown = await c.get('/signup?org=nope');
      expect([closed.statusCode, unknown.statusCode, (await c.get('/signup')).statusCode]).toEqual([403, 403, 403]);
      expect(visibleText(unknown.body)).toBe(visibleText(closed.body));
      await c.get('/signup?org=open');
      const posted = await expectNothingChanged(s.rt, () => c.post('/signup', { org: 'acme', email: 'x@acme.test', name: 'X', password: PASSWORD }));
      expect(posted.statusCode).toBe(403);

      // A domain outside the organization's list: said next to the email field.
      await c.get('/signup?org=domains');
      const outside = await expectNothingChanged(s.rt, () => c.post('/signup', { org: 'domains', email: 'x@elsewhere.test', name: 'X', password: PASSWORD }));
      expect(outside.statusCode).toBe(403);
      expect(outside.body).toMatch(/id="email-error"[^<]*<span class="visually-hidden">Error:<\/span> Domains Inc accepts sign-up only from addresses at domains\.test/);
      const malformed = await expectNothingChanged(s.rt, () => c.post('/signup', { org: 'open', email: 'not-an-address', name: 'X', password: PASSWORD }));
      expect(malformed.statusCode).toBe(422);
      expect(visibleText(malformed.body)).toContain('Enter an email address like name@example.com');
    });

    it('confirms an email only by the POST of its page, once; the account can sign in after', async () => {
      const c = new PageClient(s.app);
      await c.get('/signup?org=open');
      expect((await c.post('/signup', { org: 'open', email: 'vera@example.test', name: 'Vera', password: PASSWORD })).statusCode).toBe(200);
      expect((await signIn('vera@example.test')).res.statusCode).toBe(401);
      const link = await latestLink(s.rt, 'vera@example.test', '/verify-email');
      const token = tokenOf(link);
      // Opening the link (as a mail scanner would) spends nothing.
      const page = await expectNothingChanged(s.rt, () => c.get(new URL(link).pathname + new URL(link).search));
      expect(page.statusCode).toBe(200);
      expectWellFormedPage(page);
      expect(page.body).toMatch(/<form method="post" action="\/verify-email">/);
      expect(page.body).toContain('<button type="submit">Confirm my email</button>');
      expect(occurrences(page.body, token)).toBe(1);
      const done = await c.post('/verify-email', { token });
      expect(done.statusCode).toBe(200);
      expect(visibleText(done.body)).toContain('Your email is confirmed');
      expect(occurrences(done.body, token)).toBe(0);
      expect((await users()).find((u) => u.email === 'vera@example.test')!.email_verified_at).toBe(clock.now().toISOString());
      expect((await signIn('vera@example.test')).res.statusCode).toBe(303);

      await c.get(`/verify-email?token=${token}`);
      const reused = await expectNothingChanged(s.rt, () => c.post('/verify-email', { token }));
      expect(reused.statusCode).toBe(410);
      expect(occurrences(reused.body, token)).toBe(0);
      expect((await c.get('/verify-email?token=kl_verify_short')).statusCode).toBe(410);
      expect((await c.get('/verify-email')).statusCode).toBe(410);
    });

    it('password reset: one answer for every address; the link sets a new password, signs every session out, works once', async () => {
      const c = new PageClient(s.app);
      const ask = await c.get('/reset-password');
      expectWellFormedPage(ask);
      expect(ask.body).toMatch(/<input id="email" name="email" type="email" autocomplete="username"/);
      const known = await c.post('/reset-password', { email: 'eve@acme.test' });
      await c.get('/reset-password');
      const unknown = await c.post('/reset-password', { email: 'nobody@acme.test' });
      expect([known.statusCode, unknown.statusCode]).toEqual([200, 200]);
      expect(visibleText(known.body)).toBe(visibleText(unknown.body));
      expect(visibleText(known.body)).toContain('If an account exists for that address, we sent a link');
      expect(await mailTo(s.rt, 'nobody@acme.test')).toEqual([]);

      const { c: old } = await signIn('eve@acme.test');
      expect((await old.get('/account')).statusCode).toBe(200);
      const token = tokenOf(await latestLink(s.rt, 'eve@acme.test', '/reset-password'));
      const form = await c.get(`/reset-password?token=${token}`);
      expect(form.statusCode).toBe(200);
      expectWellFormedPage(form);
      expect(visibleText(form.body)).toContain('Choose a new password for eve@acme.test');
      expect(form.body).toMatch(/<input id="new_password" name="new_password" type="password" autocomplete="new-password"/);
      expect(form.body).toContain('<input type="text" name="username" autocomplete="username" value="eve@acme.test" hidden>');
      expect(occurrences(form.body, token)).toBe(1);

      // A weak password: the reason next to the field, and the link still works.
      const weak = await expectNothingChanged(s.rt, () => c.post('/reset-password/complete', { token, new_password: 'short' }));
      expect(weak.statusCode).toBe(422);
      expect(weak.body).toMatch(/id="new_password-error"/);
      expect(weak.body).toMatch(/aria-describedby="new_password-hint new_password-error" aria-invalid="true"/);
      const done = await c.post('/reset-password/complete', { token, new_password: NEW_PASSWORD });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe('/login?reset=1');
      expect(visibleText((await c.follow()).body)).toContain('Your password has been changed');

      // The session opened with the old password is out; the old password is refused, the new one works.
      const after = await old.get('/account');
      expect(after.statusCode).toBe(303);
      expect(after.headers.location).toBe('/login?return_to=%2Faccount');
      expect((await signIn('eve@acme.test', PASSWORD)).res.statusCode).toBe(401);
      expect((await signIn('eve@acme.test', NEW_PASSWORD)).res.statusCode).toBe(303);

      const reused = await c.get(`/reset-password?token=${token}`);
      expect(reused.statusCode).toBe(410);
      expect(occurrences(reused.body, token)).toBe(0);
      await c.get('/reset-password');
      expect((await expectNothingChanged(s.rt, () => c.post('/reset-password/complete', { token, new_password: 'another-fine-passphrase-93' }))).statusCode).toBe(410);
    });

    it('unlock: the link from the lockout mail opens a one-button page; its POST unlocks, once, and sign-in works again', async () => {
      await lockAccount(s.rt, 'dora@acme.test');
      expect((await signIn('dora@acme.test')).res.statusCode).toBe(401);
      const link = await latestLink(s.rt, 'dora@acme.test', '/unlock');
      const token = tokenOf(link);
      const c = new PageClient(s.app);
      const page = await expectNothingChanged(s.rt, () => c.get(`/unlock?token=${token}`));
      expect(page.statusCode).toBe(200);
      expectWellFormedPage(page);
      expect(page.body).toContain('<button type="submit">Unlock my account</button>');
      expect(occurrences(page.body, token)).toBe(1);
      const done = await c.post('/unlock', { token });
      expect(done.statusCode).toBe(200);
      expect(visibleText(done.body)).toContain('Your account is unlocked');
      expect((await signIn('dora@acme.test')).res.statusCode).toBe(303);

      await c.get(`/unlock?token=${token}`);
      const reused = await c.post('/unlock', { token });
      expect(reused.statusCode).toBe(400);
      expect(occurrences(reused.body, token)).toBe(0);
      expect((await c.get('/unlock?token=garbage')).statusCode).toBe(400);
    });

    it('refuses POST /signup without its CSRF token, creating nothing', async () => {
      const token = await invite('zoe@acme.test');
      const c = new PageClient(s.app);
      await c.get(`/signup?invitation=${token}`);
      const res = await expectNothingChanged(s.rt, () => c.post('/signup', { _csrf: null, invitation: token, name: 'Zoe', password: PASSWORD }));
      expect(res.statusCode).toBe(403);
      expect(visibleText(res.body)).toContain('This form has expired');
      const open = await expectNothingChanged(s.rt, () => c.post('/signup', { _csrf: null, org: 'open', email: 'zed@example.test', name: 'Zed', password: PASSWORD }));
      expect(open.statusCode).toBe(403);
      expect(c.cookies.has('kl_session')).toBe(false);
    });
  });
}
