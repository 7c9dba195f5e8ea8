/** The link and wording of the mail sent when an account is locked. */
export interface UnlockMailInput {
  publicUrl: string;
  token: string;
  failures: number;
  lockedUntil: string;
}

/** The page the unlock link opens; the hosted pages serve it and call `unlockWithToken`. */
export function unlockLink(publicUrl: string, token: string): string {
  return `${publicUrl}/unlock?token=${encodeURIComponent(token)}`;
}

/** Subject and plain text of the unlock mail. The token appears only in the link. */
export function composeUnlockMail(input: UnlockMailInput): { subject: string; text: string } {
  return {
    subject: 'Your Keyledger account was locked',
    text: [
      `Your account was locked after ${input.failures} failed sign-in attempts.`,
      `It unlocks by itself at ${input.lockedUntil}.`,
      '',
      'If these attempts were yours, you can unlock it now (the link works once, until the lock ends):',
      unlockLink(input.publicUrl, input.token),
      '',
      'If they were not yours, someone may be guessing your password: do not use the link, and change your password once you can sign in.',
    ].join('\n'),
  };
}
