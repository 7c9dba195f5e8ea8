import { html, raw, type Html } from './html.ts';
import { csrfField, errorSummary, field, notice, type FieldError } from './page-layout.ts';
import type { SignedIn } from './web-request.ts';
import type { Session } from '../sessions/session.ts';
import type { FactorSummary } from '../authn/factors.ts';

/** Fixed confirmations after an action, chosen by key so no request text is ever reflected into the page. */
export const DONE_MESSAGES: Record<string, string> = {
  password: 'Your password has been changed. Your other sessions were signed out.',
  totp_enrolled: 'Your authenticator app is set up.',
  totp_removed: 'Your authenticator app was removed.',
  codes: 'New recovery codes were created; the old ones no longer work.',
  session_revoked: 'The session was signed out.',
  others_revoked: 'All your other sessions were signed out.',
  passkey_added: 'Your passkey was added.',
  passkey_removed: 'The passkey was removed.',
  passkey_renamed: 'The passkey was renamed.',
  reauthenticated: 'Thanks — you can now make changes to your sign-in methods for a few minutes.',
};

export interface AccountModel {
  who: SignedIn;
  csrf: string;
  factors: FactorSummary;
  sessions: Session[];
  /** Extra sections (passkeys) rendered between the factors and the sessions. */
  extra?: Html;
  done?: string | null;
  errors: FieldError[];
  /** Whether a sensitive change would be allowed now without re-authenticating. */
  fresh: boolean;
}

function describeSession(s: Session): string {
  const agent = s.userAgent ? s.userAgent.slice(0, 80) : 'unknown browser';
  return `${agent}${s.ip ? ` · ${s.ip}` : ''}`;
}

/** The account page body: profile, password, authenticator app, recovery codes, extra sections, sessions. */
export function accountBody(m: AccountModel): Html {
  const { user, session } = m.who;
  const totp = m.factors.totp.find((f) => f.status === 'active');
  return html`${notice(m.done ? DONE_MESSAGES[m.done] : null)}${errorSummary(m.errors)}
<p>Signed in as <strong>${user.email}</strong>${user.name ? html` (${user.name})` : ''}.</p>
${m.fresh ? '' : html`<p class="hint">Changes to your sign-in methods ask you to confirm it is you first.</p>`}
<section aria-labelledby="password-title">
<h2 id="password-title">Password</h2>
<p>${m.factors.password.set ? html`Last changed ${m.factors.password.updatedAt?.slice(0, 10) ?? ''}.` : 'You have no password yet.'}</p>
<form method="post" action="/account/password" novalidate>
${csrfField(m.csrf)}
<input type="text" name="username" autocomplete="username" value="${user.email}" hidden>
${field('new_password', 'New password', m.errors, { type: 'password', autocomplete: 'new-password', required: true, hint: 'At least 12 characters. Long passphrases are best; common and breached passwords are refused.' })}
<button type="submit">Change password</button>
</form>
</section>
<section aria-labelledby="totp-title">
<h2 id="totp-title">Authenticator app</h2>
${totp
  ? html`<p>Set up on ${totp.activatedAt?.slice(0, 10) ?? ''}.</p>
<form method="post" action="/account/totp/remove">${csrfField(m.csrf)}<input type="hidden" name="factor_id" value="${totp.id}"><button type="submit" class="danger">Remove authenticator app</button></form>`
  : html`<p>Use an app such as Google Authenticator, 1Password or Authy to get a code when you sign in.</p>
<form method="post" action="/account/totp/start">${csrfField(m.csrf)}<button type="submit">Set up an authenticator app</button></form>`}
</section>
<section aria-labelledby="codes-title">
<h2 id="codes-title">Recovery codes</h2>
<p>${m.factors.recoveryCodes.remaining} unused recovery code${m.factors.recoveryCodes.remaining === 1 ? '' : 's'}. Use one if you lose your authenticator.</p>
<form method="post" action="/account/recovery-codes">${csrfField(m.csrf)}<button type="submit" class="secondary">Create new recovery codes</button></form>
</section>
${m.extra ?? ''}
<section aria-labelledby="sessions-title">
<h2 id="sessions-title">Where you are signed in</h2>
<table>
<thead><tr><th scope="col">Device</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>
${m.sessions.map(
  (s) => html`<tr><td>${describeSession(s)}${s.id === session.id ? html` <strong>(this browser)</strong>` : ''}</td><td>${s.createdAt.slice(0, 16).replace('T', ' ')} UTC</td><td>${s.lastSeenAt.slice(0, 16).replace('T', ' ')} UTC</td><td>${
    s.id === session.id
      ? ''
      : html`<form method="post" action="/account/sessions/${s.id}/revoke" class="inline">${csrfField(m.csrf)}<button type="submit" class="link">Sign out<span class="visually-hidden"> ${describeSession(s)}</span></button></form>`
  }</td></tr>`,
)}
</tbody>
</table>
<form method="post" action="/account/sessions/revoke-others">${csrfField(m.csrf)}<button type="submit" class="secondary">Sign out of all other sessions</button></form>
</section>`;
}

/** The TOTP enrollment step: QR code, the secret for manual entry, and the confirmation form. */
export function totpEnrollBody(csrf: string, start: { factorId: string; qrSvg: string; secretBase32: string }, errors: FieldError[]): Html {
  return html`${errorSummary(errors)}
<ol>
<li>Scan this QR code with your authenticator app.<div class="qr" role="img" aria-label="QR code for your authenticator app">${raw(start.qrSvg)}</div></li>
<li>Or enter this key by hand: <span class="secret" id="totp-secret">${start.secretBase32}</span></li>
<li>Enter the 6-digit code the app shows.</li>
</ol>
<form method="post" action="/account/totp/confirm" novalidate>
${csrfField(csrf)}<input type="hidden" name="factor_id" value="${start.factorId}">
${field('code', 'Verification code', errors, { autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9]*', maxlength: 6, required: true })}
<button type="submit">Turn on</button>
</form>`;
}

/** New recovery codes, shown once. */
export function recoveryCodesBody(codes: string[]): Html {
  return html`<p>Save these codes somewhere safe, such as a password manager. Each works once. They will not be shown again.</p>
<ul class="codes" aria-label="Recovery codes">${codes.map((c) => html`<li>${c}</li>`)}</ul>
<p><a href="/account?done=codes">I have saved my codes</a></p>`;
}

/** Re-authentication before a sensitive change: password, plus the app's code when the user has one, or a passkey. */
export function reauthBody(csrf: string, returnTo: string, hasTotp: boolean, errors: FieldError[], email: string): Html {
  return html`${errorSummary(errors)}
<p>To change your sign-in methods, confirm it is you.</p>
<form method="post" action="/account/reauth" novalidate>
${csrfField(csrf)}<input type="hidden" name="return_to" value="${returnTo}">
<input type="text" name="username" autocomplete="username" value="${email}" hidden>
${field('password', 'Password', errors, { type: 'password', autocomplete: 'current-password', required: true })}
${hasTotp ? field('code', 'Code from your authenticator app', errors, { autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9]*', maxlength: 6, required: true }) : ''}
<button type="submit">Confirm</button>
</form>`;
}
