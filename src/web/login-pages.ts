import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { isKeyledgerError } from '../platform/errors.ts';
import { clearCookie, clearSessionCookie, readCookie, serializeCookie } from '../sessions/session-cookie.ts';
import { LOGIN_CHALLENGE_TTL_MS } from '../authn/login.ts';
import type { Csrf } from './csrf.ts';
import { html } from './html.ts';
import { csrfField, errorSummary, field, layout, notice, type FieldError } from './page-layout.ts';
import { secondFactorPasskey } from './passkey-pages.ts';
import { LOGIN_COOKIE, formValue, loadSignedIn, redirect, safeReturnTo, sendPage, setSessionCookie, userContext, visitorContext } from './web-request.ts';

/** The second factors the verify page offers (from the login result; only the user's own page depends on it). */
const METHODS = ['totp', 'recovery_code', 'passkey'] as const;
type Method = (typeof METHODS)[number];

function parseMethods(value: unknown): Method[] {
  const given = typeof value === 'string' ? value.split(',').filter((m): m is Method => (METHODS as readonly string[]).includes(m)) : [];
  return given.length > 0 ? given : ['totp', 'recovery_code'];
}
const ORG_RE = /^[A-Za-z0-9_-]{1,64}$/;

interface LoginForm {
  email: string;
  org: string;
  returnTo: string;
  errors: FieldError[];
  message?: string | null;
}

function loginPage(csrf: string, form: LoginForm): string {
  return layout(
    'Sign in',
    html`${notice(form.message)}${errorSummary(form.errors)}
<form method="post" action="/login" novalidate>
${csrfField(csrf)}
<input type="hidden" name="org" value="${form.org}">
<input type="hidden" name="return_to" value="${form.returnTo}">
${field('email', 'Email address', form.errors, { type: 'email', autocomplete: 'username webauthn', value: form.email, required: true })}
${field('password', 'Password', form.errors, { type: 'password', autocomplete: 'current-password', required: true })}
<div class="actions"><button type="submit">Sign in</button> <a href="/reset-password">Forgot your password?</a></div>
<div class="actions"><button type="submit" name="sso" value="1" class="secondary" formnovalidate>Continue with single sign-on</button></div>
</form>
<div id="passkey-login" hidden data-csrf="${csrf}" data-org="${form.org}" data-return-to="${form.returnTo}">
<h2>Or use a passkey</h2>
<p class="error" id="passkey-error" role="alert" hidden></p>
<button type="button" class="secondary" id="passkey-login-button">Sign in with a passkey</button>
</div>`,
    { scripts: ['/assets/simplewebauthn-browser.js', '/assets/passkeys.js'] },
  );
}

interface VerifyForm {
  returnTo: string;
  errors: FieldError[];
  useRecovery: boolean;
  methods: Method[];
}

function verifyPage(csrf: string, form: VerifyForm): string {
  const methods = form.methods.join(',');
  const back = `/login/verify?methods=${encodeURIComponent(methods)}&return_to=${encodeURIComponent(form.returnTo)}`;
  const hasTotp = form.methods.includes('totp');
  const body = form.useRecovery || !hasTotp
    ? form.methods.includes('recovery_code')
      ? html`<p>Enter one of the recovery codes you saved when you set up two-step verification. Each code works once.</p>
<form method="post" action="/login/verify" novalidate>
${csrfField(csrf)}<input type="hidden" name="return_to" value="${form.returnTo}"><input type="hidden" name="method" value="recovery_code"><input type="hidden" name="methods" value="${methods}">
${field('recovery_code', 'Recovery code', form.errors, { autocomplete: 'off', required: true, maxlength: 32 })}
<div class="actions"><button type="submit">Continue</button>${hasTotp ? html` <a href="${back}">Use your authenticator app</a>` : ''}</div>
</form>`
      : html``
    : html`<p>Open your authenticator app and enter the 6-digit code for Keyledger.</p>
<form method="post" action="/login/verify" novalidate>
${csrfField(csrf)}<input type="hidden" name="return_to" value="${form.returnTo}"><input type="hidden" name="method" value="totp"><input type="hidden" name="methods" value="${methods}">
${field('code', 'Verification code', form.errors, { autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9]*', maxlength: 6, required: true })}
<div class="actions"><button type="submit">Verify</button>${form.methods.includes('recovery_code') ? html` <a href="${back}&amp;method=recovery_code">Use a recovery code</a>` : ''}</div>
</form>`;
  const passkey = form.methods.includes('passkey') ? secondFactorPasskey(csrf, form.returnTo) : html``;
  return layout('Two-step verification', html`${errorSummary(form.errors)}${body}${passkey}`, { scripts: ['/assets/simplewebauthn-browser.js', '/assets/passkeys.js'] });
}

/** `/login` (password, then a second factor when needed), passkey sign-in, and `/logout`. */
export function loginPages(rt: Runtime, csrf: Csrf): FastifyPluginAsync {
  const publicUrl = rt.config.publicUrl;

  /** Where an address starts its sign-in at its organization's identity provider, when its domain is routed to one. */
  async function ssoStart(email: string, returnTo: string): Promise<string | null> {
    const connection = await rt.sso.domains.route(email);
    return connection ? `/sso/${connection.id}/login?return_to=${encodeURIComponent(returnTo)}&login_hint=${encodeURIComponent(email)}` : null;
  }

  function renderLogin(request: FastifyRequest, reply: FastifyReply, status: number, form: LoginForm) {
    return sendPage(reply, status, loginPage(csrf.issue(request, reply), form));
  }

  return async (app) => {
    app.get('/login', async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const returnTo = safeReturnTo(q.return_to);
      // Already signed in: nothing to do here.
      if (await loadSignedIn(rt, request, reply)) return redirect(reply, returnTo);
      const org = typeof q.org === 'string' && ORG_RE.test(q.org) ? q.org : '';
      const message = q.signed_out ? 'You have signed out.' : q.expired ? 'Your sign-in took too long. Please sign in again.' : q.reset ? 'Your password has been changed. Sign in with your new password.' : null;
      return renderLogin(request, reply, 200, { email: '', org, returnTo, errors: [], message });
    });

    app.post('/login', async (request, reply) => {
      const body = request.body;
      const email = formValue(body, 'email').trim();
      const org = ORG_RE.test(formValue(body, 'org')) ? formValue(body, 'org') : '';
      const returnTo = safeReturnTo(formValue(body, 'return_to'));
      const errors: FieldError[] = [];
      const wantsSso = formValue(body, 'sso') === '1';
      if (!email) errors.push({ field: 'email', message: 'Enter your email address' });
      // An address in a domain routed to an organization's identity provider signs in there (with no password typed, or on asking).
      if (email && (wantsSso || !formValue(body, 'password'))) {
        const sso = await ssoStart(email, returnTo);
        if (sso) return redirect(reply, sso);
        if (wantsSso) errors.push({ field: 'email', message: 'Single sign-on is not set up for this email address. Sign in with your password' });
      }
      if (!wantsSso && !formValue(body, 'password')) errors.push({ field: 'password', message: 'Enter your password' });
      if (errors.length > 0) return renderLogin(request, reply, 422, { email, org, returnTo, errors });
      try {
        const result = await rt.authn.beginPasswordLogin(visitorContext(request), { email, password: formValue(body, 'password'), orgRef: org || null });
        if (!result.mfaRequired) {
          setSessionCookie(rt, reply, result.sessionToken, result.session);
          return redirect(reply, returnTo);
        }
        reply.header('set-cookie', serializeCookie(LOGIN_COOKIE, result.challengeToken, { publicUrl, maxAgeSeconds: LOGIN_CHALLENGE_TTL_MS / 1000 }));
        return redirect(reply, `/login/verify?methods=${encodeURIComponent(result.methods.join(','))}&return_to=${encodeURIComponent(returnTo)}`);
      } catch (err) {
        if (!isKeyledgerError(err)) throw err;
        if (err.code === 'authn.sso_required') {
          const sso = await ssoStart(email, returnTo);
          if (sso) return redirect(reply, sso);
          return renderLogin(request, reply, 403, { email, org, returnTo, errors: [{ field: 'email', message: 'Your organization signs in with single sign-on. Use the sign-in link your administrator gave you' }] });
        }
        if (err.code === 'authn.rate_limited') return renderLogin(request, reply, 429, { email, org, returnTo, errors: [{ field: 'email', message: 'Too many sign-in attempts. Wait a few minutes and try again.' }] });
        if (err.code !== 'authn.login_failed') throw err;
        // One message for every refusal: the page never says whether the account exists.
        return renderLogin(request, reply, 401, { email, org, returnTo, errors: [{ field: 'password', message: 'The email address or password is incorrect' }] });
      }
    });

    app.get('/login/verify', async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      if (!readCookie(request.headers.cookie, LOGIN_COOKIE, publicUrl)) return redirect(reply, '/login?expired=1');
      return sendPage(reply, 200, verifyPage(csrf.issue(request, reply), { returnTo: safeReturnTo(q.return_to), errors: [], useRecovery: q.method === 'recovery_code', methods: parseMethods(q.methods) }));
    });

    app.post('/login/verify', async (request, reply) => {
      const body = request.body;
      const returnTo = safeReturnTo(formValue(body, 'return_to'));
      const useRecovery = formValue(body, 'method') === 'recovery_code';
      const methods = parseMethods(formValue(body, 'methods'));
      const challenge = readCookie(request.headers.cookie, LOGIN_COOKIE, publicUrl);
      if (!challenge) return redirect(reply, '/login?expired=1');
      const fieldName = useRecovery ? 'recovery_code' : 'code';
      const code = formValue(body, fieldName).trim();
      if (!code) return sendPage(reply, 422, verifyPage(csrf.issue(request, reply), { returnTo, useRecovery, methods, errors: [{ field: fieldName, message: useRecovery ? 'Enter a recovery code' : 'Enter the 6-digit code' }] }));
      try {
        const { session, sessionToken } = await rt.authn.completeLogin(visitorContext(request), challenge, useRecovery ? { recoveryCode: code } : { totpCode: code });
        reply.header('set-cookie', clearCookie(LOGIN_COOKIE, publicUrl));
        setSessionCookie(rt, reply, sessionToken, session);
        return redirect(reply, returnTo);
      } catch (err) {
        if (!isKeyledgerError(err)) throw err;
        if (err.code === 'authn.second_factor_invalid') {
          return sendPage(reply, 401, verifyPage(csrf.issue(request, reply), { returnTo, useRecovery, methods, errors: [{ field: fieldName, message: useRecovery ? 'That recovery code was not accepted' : 'That code was not accepted. Check your app and try again' }] }));
        }
        if (err.code === 'authn.challenge_invalid' || err.code === 'authn.login_failed') {
          reply.header('set-cookie', clearCookie(LOGIN_COOKIE, publicUrl));
          return redirect(reply, `/login?expired=1&return_to=${encodeURIComponent(returnTo)}`);
        }
        throw err;
      }
    });

    app.post('/logout', async (request, reply) => {
      const who = await loadSignedIn(rt, request, reply);
      if (who) await rt.sessions.revoke(userContext(request, who), who.session.id, 'signed out');
      reply.header('set-cookie', clearSessionCookie(publicUrl));
      return redirect(reply, '/login?signed_out=1');
    });
  };
}
