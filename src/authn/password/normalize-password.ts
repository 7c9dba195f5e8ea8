/**
 * The one normalization every password path shares: Unicode NFKC, as NIST SP
 * 800-63B asks, so that "é" typed as one code point or as "e" + combining
 * accent (macOS vs Windows keyboards) is the same password at enrolment, at
 * strength checking and at login. Nothing else is changed: no trimming, no
 * case folding, no collapsing of spaces, no truncation.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Length as NIST counts it: Unicode code points of the NFKC-normalized password (an emoji is 1, not 2 UTF-16 units). */
export function countPasswordCodePoints(password: string): number {
  let count = 0;
  for (const _ of normalizePassword(password)) count += 1;
  return count;
}
