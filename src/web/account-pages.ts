import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { isKeyledgerError, type KeyledgerError } from '../platform/errors.ts';
import { acrForAmr } from '../authn/mfa-policy.ts';
import type { Csrf } from './csrf.ts';
import { html } from './html.ts';
import { layout, type FieldError } from './page-layout.ts';
import { accountBody, DONE_MESSAGES, reauthBody, recoveryCodesBody, totpEnrollBody } from './account-view.ts';
import { formValue, isFreshSession, loadSignedIn, redirect, safeReturnTo, sendPage, userContext, type SignedIn } from './web-request.ts';
import { passkeySection } from './passkey-pages.ts';
import { mfaNotice } from './mfa-notice.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The message shown for a refused password: the policy's own explanation. */
function passwordErrors(err: KeyledgerError): FieldError[] {
  const violations = (err.details as { violations?: { message: string }[] } | undefined)?.violations;
  return [{ field: 'new_password', message: violations?.map((v) => v.message).join('; ') ?? err.message }];
}

/** `/account`: the signed-in user's password, authenticator app, recovery codes, passkeys and sessions. */
export function accountPages(rt: Runtime, csrf: Csrf): FastifyPluginAsync {
  async function renderAccount(request: FastifyRequest, reply: FastifyReply, who: SignedIn, status: number, options: { done?: string | null; errors?: FieldError[] } = {}) {
    const token = csrf.issue(request, reply);
    const [factors, sessions, fresh, extra, mfa] = await Promise.all([rt.authn.listFactors(who.user.id), rt.sessions.listForUser(who.user.id), isFreshSession(rt, who), passkeySection(rt, who, token), mfaNotice(rt, who)]);
    const body = html`${mfa}${accountBody({ who, csrf: token, factors, sessions, extra, done: options.done, errors: options.errors ?? [], fresh })}`;
    return sendPage(reply, status, layout('Your account', body, { signedInAs: who.user.email, csrfToken: token, scripts: ['/assets/simplewebauthn-browser.js', '/assets/passkeys.js'] }));
  }

  /** The signed-in user, or a redirect to sign in (then back here). */
  async function requireSignedIn(request: FastifyRequest, reply: FastifyReply): Promise<SignedIn | null> {
    const who = await loadSignedIn(rt, request, reply);
    if (!who) {
      redirect(reply, `/login?return_to=${encodeURIComponent(request.method === 'GET' ? safeReturnTo(request.url) : '/account')}`);
      return null;
    }
    return who;
  }

  /** A sensitive change runs only within the freshness window; otherwise the user re-authenticates first. */
  async function requireFresh(who: SignedIn, reply: FastifyReply): Promise<boolean> {
    if (await isFreshSession(rt, who)) return true;
    redirect(reply, '/account/reauth?return_to=/account');
    return false;
  }

  return async (app) => {
    app.get('/account', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who) return reply;
      const done = (request.query as Record<string, unknown>).done;
      return renderAccount(request, reply, who, 200, { done: typeof done === 'string' && done in DONE_MESSAGES ? done : null });
    });

    app.post('/account/password', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who || !(await requireFresh(who, reply))) return reply;
      const password = formValue(request.body, 'new_password');
      if (!password) return renderAccount(request, reply, who, 422, { errors: [{ field: 'new_password', message: 'Enter a new password' }] });
      try {
        await rt.authn.setPassword(userContext(request, who), who.user.id, password);
      } catch (err) {
        if (isKeyledgerError(err) && err.code.startsWith('authn.password_')) return renderAccount(request, reply, who, 422, { errors: passwordErrors(err) });
        throw err;
      }
      // A changed password ends every other session: whoever else knew the old one is signed out.
      for (const s of await rt.sessions.listForUser(who.user.id)) if (s.id !== who.session.id) await rt.sessions.revoke(userContext(request, who), s.id, 'password changed');
      return redirect(reply, '/account?done=password');
    });

    app.post('/account/totp/start', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who || !(await requireFresh(who, reply))) return reply;
      const start = await rt.authn.startTotpEnrollment(userContext(request, who), who.user.id, { issuer: 'Keyledger' });
      const token = csrf.issue(request, reply);
      return sendPage(reply, 200, layout('Set up your authenticator app', totpEnrollBody(token, start, []), { signedInAs: who.user.email, csrfToken: token }));
    });

    app.post('/account/totp/confirm', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who || !(await requireFresh(who, reply))) return reply;
      const factorId = formValue(request.body, 'factor_id');
      try {
        await rt.authn.confirmTotpEnrollment(userContext(request, who), who.user.id, factorId, formValue(request.body, 'code').trim());
      } catch (err) {
        if (!isKeyledgerError(err) || !['authn.totp_code_malformed', 'authn.totp_code_invalid', 'authn.totp_code_replayed'].includes(err.code)) throw err;
        // Show the same QR code again: the pending enrollment is still open.
        const pending = (await rt.authn.listFactors(who.user.id)).totp.find((f) => f.id === factorId && f.status === 'pending');
        if (!pending) return redirect(reply, '/account');
        const token = csrf.issue(request, reply);
        const restarted = await rt.authn.startTotpEnrollment(userContext(request, who), who.user.id, { issuer: 'Keyledger' });
        return sendPage(reply, 422, layout('Set up your authenticator app', totpEnrollBody(token, restarted, [{ field: 'code', message: 'That code was not accepted. Scan the new QR code and enter the code your app shows' }]), { signedInAs: who.user.email, csrfToken: token }));
      }
      // The code just accepted proved the new factor in this session: it now counts toward the MFA policy.
      await rt.sessions.recordStepUp(userContext(request, who), who.session.id, ['otp'], { acr: acrForAmr([...who.session.amr, 'otp']) });
      const { recoveryCodes } = await rt.authn.listFactors(who.user.id);
      // The first second factor comes with recovery codes, shown once.
      if (recoveryCodes.remaining === 0) {
        const codes = await rt.authn.regenerateRecoveryCodes(userContext(request, who), who.user.id);
        return sendPage(reply, 200, layout('Save your recovery codes', recoveryCodesBody(codes), { signedInAs: who.user.email, csrfToken: csrf.issue(request, reply) }));
      }
      return redirect(reply, '/account?done=totp_enrolled');
    });

    app.post('/account/totp/remove', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who || !(await requireFresh(who, reply))) return reply;
      await rt.authn.removeTotp(userContext(request, who), who.user.id, formValue(request.body, 'factor_id'));
      return redirect(reply, '/account?done=totp_removed');
    });

    app.post('/account/recovery-codes', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who || !(await requireFresh(who, reply))) return reply;
      const codes = await rt.authn.regenerateRecoveryCodes(userContext(request, who), who.user.id);
      return sendPage(reply, 200, layout('Save your recovery codes', recoveryCodesBody(codes), { signedInAs: who.user.email, csrfToken: csrf.issue(request, reply) }));
    });

    app.post('/account/sessions/:id/revoke', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who) return reply;
      const id = (request.params as { id: string }).id;
      // Only the user's own sessions: another user's session id is "not found", whoever guesses it.
      const own = UUID_RE.test(id) ? (await rt.sessions.listForUser(who.user.id)).find((s) => s.id === id) : undefined;
      if (!own) return renderAccount(request, reply, who, 404, { errors: [{ field: 'sessions-title', message: 'That session was not found (it may have ended already)' }] });
      await rt.sessions.revoke(userContext(request, who), own.id, 'signed out by the user');
      return redirect(reply, own.id === who.session.id ? '/login?signed_out=1' : '/account?done=session_revoked');
    });

    app.post('/account/sessions/revoke-others', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who) return reply;
      for (const s of await rt.sessions.listForUser(who.user.id)) if (s.id !== who.session.id) await rt.sessions.revoke(userContext(request, who), s.id, 'signed out by the user');
      return redirect(reply, '/account?done=others_revoked');
    });

    app.get('/account/reauth', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who) return reply;
      const token = csrf.issue(request, reply);
      const hasTotp = (await rt.authn.listFactors(who.user.id)).totp.some((f) => f.status === 'active');
      const returnTo = safeReturnTo((request.query as Record<string, unknown>).return_to);
      // `method=passkey`: the caller asked for a phishing-resistant proof (the console's step-up), so a password would not do.
      const passkeyOnly = (request.query as Record<string, unknown>).method === 'passkey' && (await rt.passkeys.listPasskeys(who.user.id)).length > 0;
      const passwordForm = passkeyOnly ? html`<p>This needs your passkey: a password or code is not enough here.</p>` : reauthBody(token, returnTo, hasTotp, [], who.user.email);
      return sendPage(reply, 200, layout('Confirm it is you', html`${passwordForm}${await passkeySection(rt, who, token, { stepUpOnly: true, returnTo })}`, { signedInAs: who.user.email, csrfToken: token, scripts: ['/assets/simplewebauthn-browser.js', '/assets/passkeys.js'] }));
    });

    app.post('/account/reauth', async (request, reply) => {
      const who = await requireSignedIn(request, reply);
      if (!who) return reply;
      const returnTo = safeReturnTo(formValue(request.body, 'return_to'));
      try {
        await rt.authn.reauthenticate(userContext(request, who), who.session, { password: formValue(request.body, 'password'), totpCode: formValue(request.body, 'code').trim() });
      } catch (err) {
        if (!isKeyledgerError(err) || err.code !== 'authn.reauthentication_failed') throw err;
        const token = csrf.issue(request, reply);
        const hasTotp = (await rt.authn.listFactors(who.user.id)).totp.some((f) => f.status === 'active');
        return sendPage(reply, 401, layout('Confirm it is you', reauthBody(token, returnTo, hasTotp, [{ field: 'password', message: 'The password or code was not accepted' }], who.user.email), { signedInAs: who.user.email, csrfToken: token }));
      }
      return redirect(reply, returnTo === '/account' ? '/account?done=reauthenticated' : returnTo);
    });
  };
}
