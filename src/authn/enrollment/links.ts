import { hashToken } from '../../platform/ids.ts';

/** The three kinds of emailed one-time link, each with its own token prefix so a token of one kind is never taken for another. */
export const LINK_KINDS = {
  invitation: { tokenKind: 'invite', path: '/signup', param: 'invitation' },
  email_verification: { tokenKind: 'verify', path: '/verify-email', param: 'token' },
  password_reset: { tokenKind: 'reset', path: '/reset-password', param: 'token' },
} as const;

export type LinkKind = keyof typeof LINK_KINDS;

/** How long each link works. */
export const INVITATION_DEFAULT_HOURS = 72;
export const INVITATION_MAX_HOURS = 720;
export const EMAIL_VERIFICATION_TTL_MS = 24 * 3_600_000;
export const PASSWORD_RESET_TTL_MS = 30 * 60_000;

/** The page a link opens, with its token: `${publicUrl}/signup?invitation=kl_invite_…` and so on. */
export function buildLink(publicUrl: string, kind: LinkKind, token: string): string {
  const { path, param } = LINK_KINDS[kind];
  return `${publicUrl}${path}?${param}=${token}`;
}

/**
 * The SHA-256 to look a submitted token up by, or null when it is not shaped
 * like a token of this kind (junk, another kind of kl_ token, huge input), so
 * such input never reaches the database.
 */
export function linkTokenDigest(kind: LinkKind, token: unknown): string | null {
  const pattern = new RegExp(`^kl_${LINK_KINDS[kind].tokenKind}_[A-Za-z0-9_-]{43}$`);
  return typeof token === 'string' && pattern.test(token) ? hashToken(token) : null;
}
