import type { MailMessage } from '../../mail/mailer.ts';

/**
 * The text of every enrollment mail. Plain text, no tracking; each says what
 * to do if the reader did not ask for it, since anyone can type an address
 * into a sign-up or reset form.
 */

function until(expiresAt: string): string {
  return `${expiresAt.slice(0, 16).replace('T', ' ')} UTC`;
}

export function invitationMail(input: { to: string; orgName: string; link: string; expiresAt: string }): MailMessage {
  return {
    kind: 'invitation',
    to: input.to,
    subject: `You are invited to join ${input.orgName}`,
    text: [
      `You have been invited to join ${input.orgName}.`,
      '',
      `Accept the invitation and choose your password here (the link works once, until ${until(input.expiresAt)}):`,
      input.link,
      '',
      'If you did not expect this invitation, ignore this message.',
    ].join('\n'),
  };
}

export function verificationMail(input: { to: string; link: string; expiresAt: string }): MailMessage {
  return {
    kind: 'email_verification',
    to: input.to,
    subject: 'Confirm your email address',
    text: [
      'Confirm that this is your email address to finish setting up your account:',
      input.link,
      '',
      `The link works once, until ${until(input.expiresAt)}.`,
      'If you did not sign up, ignore this message: the account stays locked.',
    ].join('\n'),
  };
}

/** Sent instead of a verification link when someone signs up with an address that already has an account. */
export function accountExistsMail(input: { to: string; orgName: string; signInUrl: string; resetUrl: string }): MailMessage {
  return {
    kind: 'email_verification',
    to: input.to,
    subject: 'You already have an account',
    text: [
      `Someone tried to sign up to ${input.orgName} with this email address, which already has an account. No new account was created.`,
      '',
      `If it was you, sign in here: ${input.signInUrl}`,
      `Forgot your password? Reset it here: ${input.resetUrl}`,
      '',
      'If it was not you, ignore this message: nothing changed.',
    ].join('\n'),
  };
}

export function passwordResetMail(input: { to: string; link: string; expiresAt: string }): MailMessage {
  return {
    kind: 'password_reset',
    to: input.to,
    subject: 'Reset your password',
    text: [
      'Choose a new password here:',
      input.link,
      '',
      `The link works once, until ${until(input.expiresAt)}. Setting a new password signs you out everywhere.`,
      'If you did not ask for this, ignore this message: your password stays as it is.',
    ].join('\n'),
  };
}
