import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { isKeyledgerError } from '../platform/errors.ts';
import { checkEmailAddress } from '../identity/service.ts';
import { clearSessionCookie } from '../sessions/session-cookie.ts';
import type { Csrf } from './csrf.ts';
import { layout, type FieldError } from './page-layout.ts';
import { confirmLinkBody, messageBody, passwordErrors, passwordHint, resetFormBody, resetRequestBody, resetSentBody } from './enrollment-view.ts';
import { formValue, redirect, sendPage, visitorContext } from './web-request.ts';
import { isLinkTokenShaped } from './link-token.ts';

const RESET_LINK_REFUSED = 'This password reset link has expired or was already used. Ask for a new one: links work once, for 30 minutes.';
const UNLOCK_LINK_REFUSED = 'This unlock link is not valid, was already used, or your account is no longer locked. Try signing in; if the account is still locked, it unlocks by itself when the lock ends.';

/** `/reset-password` (asking for a link, then choosing a new password) and `/unlock` (ending a lockout by the emailed link). */
export function recoveryPages(rt: Runtime, csrf: Csrf): FastifyPluginAsync {
  function resetLinkRefused(reply: FastifyReply) {
    return sendPage(reply, 410, layout('This link cannot be used', messageBody(RESET_LINK_REFUSED, { href: '/reset-password', label: 'Ask for a new link' })));
  }

  function unlockLinkRefused(reply: FastifyReply) {
    return sendPage(reply, 400, layout('This link cannot be used', messageBody(UNLOCK_LINK_REFUSED)));
  }

  function renderRequest(request: FastifyRequest, reply: FastifyReply, status: number, email: string, errors: FieldError[]) {
    return sendPage(reply, status, layout('Reset your password', resetRequestBody(csrf.issue(request, reply), { email, errors })));
  }

  /** The new-password form for a reset link, or the 410 page when the link cannot be used. */
  async function renderResetForm(request: FastifyRequest, reply: FastifyReply, status: number, token: string, errors: FieldError[]) {
    let email: string;
    try {
      ({ email } = await rt.enrollment.describeResetToken(token));
    } catch (err) {
      if (isKeyledgerError(err) && err.code === 'authn.link_invalid') return resetLinkRefused(reply);
      throw err;
    }
    return sendPage(reply, status, layout('Choose a new password', resetFormBody(csrf.issue(request, reply), { token, email, hint: passwordHint(), errors })));
  }

  return async (app) => {
    app.get('/reset-password', async (request, reply) => {
      const token = (request.query as Record<string, unknown>).token;
      if (token === undefined) return renderRequest(request, reply, 200, '', []);
      return renderResetForm(request, reply, 200, typeof token === 'string' ? token : '', []);
    });

    app.post('/reset-password', async (request, reply) => {
      const email = formValue(request.body, 'email').trim();
      if (!email) return renderRequest(request, reply, 422, email, [{ field: 'email', message: 'Enter your email address' }]);
      try {
        checkEmailAddress(email);
      } catch (err) {
        if (isKeyledgerError(err) && err.code === 'request.invalid') return renderRequest(request, reply, 422, email, [{ field: 'email', message: 'Enter an email address like name@example.com' }]);
        throw err;
      }
      // The same page for every address: whether one has an account is never shown.
      await rt.enrollment.requestPasswordReset(visitorContext(request), email);
      return sendPage(reply, 200, layout('Check your email', resetSentBody()));
    });

    app.post('/reset-password/complete', async (request, reply) => {
      const token = formValue(request.body, 'token');
      const password = formValue(request.body, 'new_password');
      if (!password) return renderResetForm(request, reply, 422, token, [{ field: 'new_password', message: 'Choose a new password' }]);
      try {
        await rt.enrollment.resetPassword(visitorContext(request), token, password);
      } catch (err) {
        if (!isKeyledgerError(err)) throw err;
        if (err.code === 'authn.link_invalid') return resetLinkRefused(reply);
        if (err.code.startsWith('authn.password_')) return renderResetForm(request, reply, 422, token, passwordErrors(err, 'new_password'));
        throw err;
      }
      // Every session of the account was revoked; this browser's cookie (if any) goes too.
      reply.header('set-cookie', clearSessionCookie(rt.config.publicUrl));
      return redirect(reply, '/login?reset=1');
    });

    app.get('/unlock', async (request, reply) => {
      const token = (request.query as Record<string, unknown>).token;
      if (!isLinkTokenShaped('unlock', token)) return unlockLinkRefused(reply);
      const body = confirmLinkBody(csrf.issue(request, reply), { action: '/unlock', token, text: 'Your account was locked after too many failed sign-in attempts. If those attempts were yours, unlock it now.', button: 'Unlock my account' });
      return sendPage(reply, 200, layout('Unlock your account', body));
    });

    app.post('/unlock', async (request, reply) => {
      try {
        await rt.lockouts.unlockWithToken(visitorContext(request), formValue(request.body, 'token'));
      } catch (err) {
        if (!isKeyledgerError(err) || err.code !== 'authn.unlock_token_invalid') throw err;
        return unlockLinkRefused(reply);
      }
      return sendPage(reply, 200, layout('Your account is unlocked', messageBody('Your account is unlocked. You can sign in again. If the failed attempts were not yours, change your password once you are signed in.', { href: '/login', label: 'Sign in' })));
    });
  };
}
