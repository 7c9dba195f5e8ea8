/** The kinds of one-time link a page can be opened with: `kl_<kind>_` and 43 base64url characters. */
export type LinkTokenKind = 'invite' | 'verify' | 'reset' | 'unlock';

/**
 * Whether `value` is shaped like a link token of `kind`. Pages that only show
 * a button for a link check the shape first, so a mangled link (cut by a mail
 * client, say) is answered at once instead of after the click; the service
 * still decides whether the token is good.
 */
export function isLinkTokenShaped(kind: LinkTokenKind, value: unknown): value is string {
  return typeof value === 'string' && new RegExp(`^kl_${kind}_[A-Za-z0-9_-]{43}$`).test(value);
}
