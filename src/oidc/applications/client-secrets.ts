import { digestsEqual, generateToken, hashToken } from '../../platform/ids.ts';

/**
 * Client secrets: `kl_secret_…` tokens (32 random bytes), shown once, stored
 * only as their SHA-256. A rotation keeps the replaced secret's hash for an
 * overlap window so deployed apps can switch without downtime.
 */

export const SECRET_PREFIX_LENGTH = 16;
/** Longer than any secret this issues; a longer presentation is refused before hashing. */
const MAX_PRESENTED_LENGTH = 512;
/** Compared against when there is nothing to compare, so every path does the same work. */
const NO_HASH = hashToken('kl_secret_none');

export interface IssuedSecret {
  /** The plaintext, for the one response that shows it. */
  secret: string;
  hash: string;
  prefix: string;
}

export function issueClientSecret(): IssuedSecret {
  const secret = generateToken('secret');
  return { secret, hash: hashToken(secret), prefix: secret.slice(0, SECRET_PREFIX_LENGTH) };
}

export interface StoredSecrets {
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: string | null;
}

/**
 * Whether `presented` is the current secret, or the previous one while its
 * overlap lasts (strictly before `previous_secret_expires_at`). Both digests
 * are always compared in constant time, whichever matches.
 */
export function secretMatches(stored: StoredSecrets | undefined, presented: string, now: Date): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > MAX_PRESENTED_LENGTH) return false;
  const digest = hashToken(presented);
  const current = digestsEqual(digest, stored?.secret_hash ?? NO_HASH);
  const previousLive = stored?.previous_secret_hash != null && stored.previous_secret_expires_at != null && now.toISOString() < stored.previous_secret_expires_at;
  const previous = digestsEqual(digest, stored?.previous_secret_hash ?? NO_HASH);
  return stored?.secret_hash != null && (current || (previous && previousLive));
}
