import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { isKeyledgerError, type KeyledgerError } from '../platform/errors.ts';
import { checkEmailAddress } from '../identity/service.ts';
import type { Organization } from '../identity/views.ts';
import { checkDisplayName } from '../authn/enrollment/enrollment-checks.ts';
import { resolveSignupSettings } from '../authn/enrollment/signup-settings.ts';
import type { Csrf } from './csrf.ts';
import { layout, type FieldError } from './page-layout.ts';
import {
  checkEmailBody, confirmLinkBody, invitationFormBody, joinAsUserBody, messageBody, openSignupBody, passwordErrors, passwordHint,
  signInToAcceptBody, wrongAccountBody, type InvitationInfo, type OpenSignupForm,
} from './enrollment-view.ts';
import { formValue, loadSignedIn, redirect, sendPage, setSessionCookie, userContext, visitorContext } from './web-request.ts';
import { isLinkTokenShaped } from './link-token.ts';

const ORG_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Field problems found before any service is called: the same checks the service makes, each tied to its field. */
function checkSignupFields(input: { email?: string; name: string; password: string }): FieldError[] {
  const errors: FieldError[] = [];
  if (input.email !== undefined) {
    if (!input.email) errors.push({ field: 'email', message: 'Enter your email address' });
    else if (!isValid(() => checkEmailAddress(input.email))) errors.push({ field: 'email', message: 'Enter an email address like name@example.com' });
  }
  if (!isValid(() => checkDisplayName(input.name))) errors.push({ field: 'name', message: 'Enter your name (up to 200 characters)' });
  if (!input.password) errors.push({ field: 'password', message: 'Choose a password' });
  return errors;
}

function isValid(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch (err) {
    if (isKeyledgerError(err) && err.code === 'request.invalid') return false;
    throw err;
  }
}

/**
 * `/signup`: accepting an invitation (with a new account, or while signed in
 * to the invited one), open sign-up to an organization, and `/verify-email`.
 */
export function signupPages(rt: Runtime, csrf: Csrf): FastifyPluginAsync {
  function invitationRefused(reply: FastifyReply, err: KeyledgerError) {
    return sendPage(reply, 410, layout('This invitation cannot be used', messageBody(`${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.`)));
  }

  function signupClosed(reply: FastifyReply) {
    return sendPage(reply, 403, layout('Sign-up is not available', messageBody('This organization accepts new members by invitation only. Ask one of its administrators to invite you.')));
  }

  /** The invitation a link names, or a 410 page saying why not. */
  async function loadInvitation(reply: FastifyReply, token: string): Promise<InvitationInfo | null> {
    try {
      return await rt.enrollment.describeInvitation(token);
    } catch (err) {
      if (!isKeyledgerError(err) || err.code !== 'invitation.invalid') throw err;
      invitationRefused(reply, err);
      return null;
    }
  }

  /** The organization open sign-up is for, or null when there is none or it is not open (one page for both). */
  async function loadOpenOrg(ref: string): Promise<Organization | null> {
    if (!ORG_RE.test(ref)) return null;
    try {
      const org = await rt.identity.requireOrg(ref);
      return resolveSignupSettings(org.settings).mode === 'open' ? org : null;
    } catch (err) {
      if (isKeyledgerError(err) && err.code === 'organization.not_found') return null;
      throw err;
    }
  }

  async function renderInvitationForm(request: FastifyRequest, reply: FastifyReply, status: number, token: string, invitation: InvitationInfo, name: string, errors: FieldError[]) {
    const org = await rt.identity.requireOrg(invitation.orgSlug);
    const body = invitationFormBody(csrf.issue(request, reply), { token, invitation, name, hint: passwordHint(org.settings), errors });
    return sendPage(reply, status, layout(`Join ${invitation.orgName}`, body));
  }

  function renderOpenForm(request: FastifyRequest, reply: FastifyReply, status: number, form: Omit<OpenSignupForm, 'hint'>, org: Organization) {
    return sendPage(reply, status, layout(`Join ${org.name}`, openSignupBody(csrf.issue(request, reply), { ...form, hint: passwordHint(org.settings) })));
  }

  /** GET /signup?invitation=…: the form, the way to sign in first, or the one-button join for the invited account. */
  async function showInvitation(request: FastifyRequest, reply: FastifyReply, token: string) {
    const invitation = await loadInvitation(reply, token);
    if (!invitation) return reply;
    const who = await loadSignedIn(rt, request, reply);
    if (who) {
      const csrfToken = csrf.issue(request, reply);
      const body = who.user.email === invitation.email ? joinAsUserBody(csrfToken, invitation, token) : wrongAccountBody(invitation, who.user.email);
      return sendPage(reply, 200, layout(`Join ${invitation.orgName}`, body, { signedInAs: who.user.email, csrfToken }));
    }
    if (await rt.identity.findUserByEmail(invitation.email)) return sendPage(reply, 200, layout(`Join ${invitation.orgName}`, signInToAcceptBody(invitation, token)));
    return renderInvitationForm(request, reply, 200, token, invitation, '', []);
  }

  /** POST /signup with an invitation: a new account, signed in, then the account page. */
  async function acceptWithNewAccount(request: FastifyRequest, reply: FastifyReply, token: string) {
    const invitation = await loadInvitation(reply, token);
    if (!invitation) return reply;
    const name = formValue(request.body, 'name');
    const password = formValue(request.body, 'password');
    const errors = checkSignupFields({ name, password });
    if (errors.length > 0) return renderInvitationForm(request, reply, 422, token, invitation, name, errors);
    try {
      const { session, sessionToken } = await rt.enrollment.acceptInvitation(visitorContext(request), token, { name, password });
      setSessionCookie(rt, reply, sessionToken, session);
      return redirect(reply, '/account');
    } catch (err) {
      if (!isKeyledgerError(err)) throw err;
      if (err.code.startsWith('authn.password_')) return renderInvitationForm(request, reply, 422, token, invitation, name, passwordErrors(err, 'password'));
      if (err.code === 'invitation.invalid') return invitationRefused(reply, err);
      if (err.code === 'invitation.sign_in_required') return sendPage(reply, 409, layout(`Join ${invitation.orgName}`, signInToAcceptBody(invitation, token)));
      throw err;
    }
  }

  /** POST /signup with an organization: open sign-up, answered with the same page for new and existing addresses. */
  async function signUpOpen(request: FastifyRequest, reply: FastifyReply, orgRef: string) {
    const org = await loadOpenOrg(orgRef);
    if (!org) return signupClosed(reply);
    const form = { org: org.slug, orgName: org.name, email: formValue(request.body, 'email').trim(), name: formValue(request.body, 'name'), errors: [] as FieldError[] };
    const password = formValue(request.body, 'password');
    const errors = checkSignupFields({ email: form.email, name: form.name, password });
    if (errors.length > 0) return renderOpenForm(request, reply, 422, { ...form, errors }, org);
    try {
      await rt.enrollment.signUp(visitorContext(request), org.slug, { email: form.email, name: form.name, password });
    } catch (err) {
      if (!isKeyledgerError(err)) throw err;
      if (err.code.startsWith('authn.password_')) return renderOpenForm(request, reply, 422, { ...form, errors: passwordErrors(err, 'password') }, org);
      if (err.code !== 'signup.not_allowed') throw err;
      // Open, so the address's domain is what was refused; closed meanwhile, the page says so.
      const { mode, allowedDomains } = resolveSignupSettings((await rt.identity.requireOrg(org.id)).settings);
      if (mode !== 'open' || !allowedDomains) return signupClosed(reply);
      return renderOpenForm(request, reply, 403, { ...form, errors: [{ field: 'email', message: `${org.name} accepts sign-up only from addresses at ${allowedDomains.join(', ')}` }] }, org);
    }
    return sendPage(reply, 200, layout('Check your email', checkEmailBody(checkEmailAddress(form.email))));
  }

  return async (app) => {
    app.get('/signup', async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      if (typeof q.invitation === 'string') return showInvitation(request, reply, q.invitation);
      const org = await loadOpenOrg(typeof q.org === 'string' ? q.org : '');
      if (!org) return signupClosed(reply);
      return renderOpenForm(request, reply, 200, { org: org.slug, orgName: org.name, email: '', name: '', errors: [] }, org);
    });

    app.post('/signup', async (request, reply) => {
      const invitation = formValue(request.body, 'invitation');
      if (invitation) return acceptWithNewAccount(request, reply, invitation);
      return signUpOpen(request, reply, formValue(request.body, 'org'));
    });

    app.post('/signup/join', async (request, reply) => {
      const token = formValue(request.body, 'invitation');
      const invitation = await loadInvitation(reply, token);
      if (!invitation) return reply;
      const who = await loadSignedIn(rt, request, reply);
      // Signed out meanwhile: sign in, then come back to the invitation.
      if (!who) return redirect(reply, `/signup?invitation=${token}`);
      try {
        await rt.enrollment.acceptInvitationAsUser(userContext(request, who), token, who.user.id);
      } catch (err) {
        if (!isKeyledgerError(err)) throw err;
        if (err.code === 'invitation.invalid') return invitationRefused(reply, err);
        if (err.code === 'invitation.wrong_account') return sendPage(reply, 403, layout(`Join ${invitation.orgName}`, wrongAccountBody(invitation, who.user.email), { signedInAs: who.user.email, csrfToken: csrf.issue(request, reply) }));
        if (err.code === 'invitation.already_member') return sendPage(reply, 409, layout(`Join ${invitation.orgName}`, messageBody(`You are already a member of ${invitation.orgName}.`, { href: '/account', label: 'Go to your account' }), { signedInAs: who.user.email, csrfToken: csrf.issue(request, reply) }));
        throw err;
      }
      return sendPage(reply, 200, layout(`Welcome to ${invitation.orgName}`, messageBody(`You have joined ${invitation.orgName} as ${who.user.email}.`, { href: '/account', label: 'Go to your account' }), { signedInAs: who.user.email, csrfToken: csrf.issue(request, reply) }));
    });

    app.get('/verify-email', async (request, reply) => {
      const token = (request.query as Record<string, unknown>).token;
      if (!isLinkTokenShaped('verify', token)) return sendPage(reply, 410, layout('This link cannot be used', messageBody('This confirmation link is not complete or not valid. Copy the whole link from the email, or ask for a new one.')));
      const body = confirmLinkBody(csrf.issue(request, reply), { action: '/verify-email', token, text: 'Confirm that this is your email address to finish setting up your account.', button: 'Confirm my email' });
      return sendPage(reply, 200, layout('Confirm your email address', body));
    });

    app.post('/verify-email', async (request, reply) => {
      try {
        await rt.enrollment.verifyEmail(visitorContext(request), formValue(request.body, 'token'));
      } catch (err) {
        if (!isKeyledgerError(err) || err.code !== 'authn.link_invalid') throw err;
        return sendPage(reply, 410, layout('This link cannot be used', messageBody('This confirmation link has expired or was already used. If your address is confirmed, sign in; otherwise ask for a new link.')));
      }
      return sendPage(reply, 200, layout('Your email is confirmed', messageBody('Thank you: your email address is confirmed. You can now sign in.', { href: '/login', label: 'Sign in' })));
    });
  };
}
