import type { KeyledgerError } from '../platform/errors.ts';
import { DEFAULT_PASSWORD_POLICY } from '../authn/password/password-policy.ts';
import { html, type Html } from './html.ts';
import { csrfField, errorSummary, field, notice, type FieldError } from './page-layout.ts';

/**
 * The bodies of the enrollment and recovery pages (sign-up, invitations,
 * email verification, password reset, unlock). Link tokens appear only in
 * the hidden field of the form that spends them.
 */

/** What the sign-up page knows about an invitation (from `describeInvitation`). */
export interface InvitationInfo {
  orgName: string;
  orgSlug: string;
  email: string;
  expiresAt: string;
}

/** The policy hint under a new-password field: the organization's minimum length, or the default one. */
export function passwordHint(settings: Record<string, unknown> = {}): string {
  const configured = (settings.passwordPolicy as { minLength?: unknown } | undefined)?.minLength;
  const minLength = typeof configured === 'number' ? configured : DEFAULT_PASSWORD_POLICY.minLength;
  return `At least ${minLength} characters. Long passphrases are best; common and breached passwords, and ones containing your name or email, are refused.`;
}

/** A refused password shown next to its field: every violation the policy found, in its own words. */
export function passwordErrors(err: KeyledgerError, fieldName: string): FieldError[] {
  const violations = (err.details as { violations?: { message: string }[] } | undefined)?.violations;
  const message = violations?.map((v) => v.message).join('; ') ?? err.message;
  return [{ field: fieldName, message: `${message.charAt(0).toUpperCase()}${message.slice(1)}` }];
}

/** A message and one way on, for outcomes and refusals. */
export function messageBody(message: string, next: { href: string; label: string } = { href: '/login', label: 'Go to sign in' }): Html {
  return html`<p>${message}</p><p><a href="${next.href}">${next.label}</a></p>`;
}

function until(expiresAt: string): string {
  return `${expiresAt.slice(0, 16).replace('T', ' ')} UTC`;
}

export interface InvitationForm {
  token: string;
  invitation: InvitationInfo;
  name: string;
  hint: string;
  errors: FieldError[];
}

/** "Join {org}": the invited address (read-only), a name and a new password. */
export function invitationFormBody(csrf: string, f: InvitationForm): Html {
  return html`${errorSummary(f.errors)}
<p>You have been invited to join <strong>${f.invitation.orgName}</strong>. Choose your name and a password to create your account. The invitation works until ${until(f.invitation.expiresAt)}.</p>
<form method="post" action="/signup" novalidate>
${csrfField(csrf)}
<input type="hidden" name="invitation" value="${f.token}">
${field('email', 'Email address', f.errors, { type: 'email', autocomplete: 'username', value: f.invitation.email, readonly: true })}
${field('name', 'Your name', f.errors, { autocomplete: 'name', value: f.name, required: true, maxlength: 200 })}
${field('password', 'Choose a password', f.errors, { type: 'password', autocomplete: 'new-password', required: true, hint: f.hint })}
<div class="actions"><button type="submit">Create my account</button></div>
</form>`;
}

/**
 * The invited address already has an account: its owner signs in and comes
 * back here. The return path carries the invitation back to its own page.
 */
export function signInToAcceptBody(invitation: InvitationInfo, token: string): Html {
  const returnTo = `/signup?invitation=${token}`;
  return html`<p>An account for <strong>${invitation.email}</strong> already exists. Sign in to it to join <strong>${invitation.orgName}</strong>; you will come back here to accept the invitation.</p>
<p><a href="/login?return_to=${returnTo}">Sign in to accept the invitation</a></p>
<p><a href="/reset-password">Forgot your password?</a></p>`;
}

/** Signed in as the invited address: one button joins the organization. */
export function joinAsUserBody(csrf: string, invitation: InvitationInfo, token: string): Html {
  return html`<p>You have been invited to join <strong>${invitation.orgName}</strong> with your account <strong>${invitation.email}</strong>.</p>
<form method="post" action="/signup/join">
${csrfField(csrf)}
<input type="hidden" name="invitation" value="${token}">
<div class="actions"><button type="submit">Join ${invitation.orgName} as ${invitation.email}</button></div>
</form>`;
}

/** Signed in as someone else: the invitation is not theirs to accept. */
export function wrongAccountBody(invitation: InvitationInfo, signedInAs: string): Html {
  return html`<p>This invitation to <strong>${invitation.orgName}</strong> was sent to <strong>${invitation.email}</strong>, but you are signed in as <strong>${signedInAs}</strong>.</p>
<p>Sign out, then open the invitation link from your email again.</p>`;
}

export interface OpenSignupForm {
  org: string;
  orgName: string;
  email: string;
  name: string;
  hint: string;
  errors: FieldError[];
}

/** Open sign-up to an organization: email, name and a new password. */
export function openSignupBody(csrf: string, f: OpenSignupForm): Html {
  return html`${errorSummary(f.errors)}
<p>Create your account in <strong>${f.orgName}</strong>. We will send you a link to confirm your email address.</p>
<form method="post" action="/signup" novalidate>
${csrfField(csrf)}
<input type="hidden" name="org" value="${f.org}">
${field('email', 'Email address', f.errors, { type: 'email', autocomplete: 'username', value: f.email, required: true })}
${field('name', 'Your name', f.errors, { autocomplete: 'name', value: f.name, required: true, maxlength: 200 })}
${field('password', 'Choose a password', f.errors, { type: 'password', autocomplete: 'new-password', required: true, hint: f.hint })}
<div class="actions"><button type="submit">Create my account</button> <a href="/login?org=${f.org}">I already have an account</a></div>
</form>`;
}

/** After open sign-up: the same page whether the address was new or already had an account. */
export function checkEmailBody(email: string): Html {
  return html`${notice(`We sent a message to ${email}.`)}
<p>Open it and follow the link to confirm your email address and finish setting up your account. The link works for 24 hours.</p>
<p>Nothing arrived? Check your spam folder, or make sure you typed the address correctly.</p>
<p><a href="/login">Go to sign in</a></p>`;
}

/**
 * One button that spends an emailed link. Opening a link only shows this
 * form; the POST spends it, so mail scanners that fetch links do not.
 */
export function confirmLinkBody(csrf: string, input: { action: string; token: string; text: string; button: string }): Html {
  return html`<p>${input.text}</p>
<form method="post" action="${input.action}">
${csrfField(csrf)}
<input type="hidden" name="token" value="${input.token}">
<div class="actions"><button type="submit">${input.button}</button></div>
</form>`;
}

/** Asks for the address to send a reset link to. */
export function resetRequestBody(csrf: string, f: { email: string; errors: FieldError[] }): Html {
  return html`${errorSummary(f.errors)}
<p>Enter the email address of your account. If it has one, we will send it a link to choose a new password.</p>
<form method="post" action="/reset-password" novalidate>
${csrfField(csrf)}
${field('email', 'Email address', f.errors, { type: 'email', autocomplete: 'username', value: f.email, required: true })}
<div class="actions"><button type="submit">Send me a link</button> <a href="/login">Back to sign in</a></div>
</form>`;
}

/** The one answer to every reset request, whether or not the address has an account. */
export function resetSentBody(): Html {
  return html`${notice('If an account exists for that address, we sent a link to it.')}
<p>The link works once, for 30 minutes. Choosing a new password signs you out everywhere.</p>
<p>Nothing arrived? Check your spam folder, or <a href="/reset-password">try another address</a>.</p>
<p><a href="/login">Back to sign in</a></p>`;
}

/** The new-password form a reset link opens. */
export function resetFormBody(csrf: string, f: { token: string; email: string; hint: string; errors: FieldError[] }): Html {
  return html`${errorSummary(f.errors)}
<p>Choose a new password for <strong>${f.email}</strong>. Every session of this account will be signed out.</p>
<form method="post" action="/reset-password/complete" novalidate>
${csrfField(csrf)}
<input type="hidden" name="token" value="${f.token}">
<input type="text" name="username" autocomplete="username" value="${f.email}" hidden>
${field('new_password', 'New password', f.errors, { type: 'password', autocomplete: 'new-password', required: true, hint: f.hint })}
<div class="actions"><button type="submit">Set my new password</button></div>
</form>`;
}
