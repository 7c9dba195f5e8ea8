import { createHmac } from 'node:crypto';
import { KeyledgerError } from '../../platform/errors.ts';

/** The label the subject key is derived under, so it is never the master key nor any other derived key. */
export const LOCKOUT_SUBJECT_KEY_LABEL = 'keyledger:lockout-subjects';

/**
 * The key emails without an account are hashed under before they are counted:
 * HMAC-SHA-256(masterKey, "keyledger:lockout-subjects"). Requires a 32-byte
 * master key; throws `config.invalid` otherwise.
 */
export function deriveLockoutSubjectKey(masterKey: Buffer): Buffer {
  // Protects against a missing or truncated key making the "keyed" hash a plain, reversible-by-dictionary one.
  if (!Buffer.isBuffer(masterKey) || masterKey.length < 32) throw new KeyledgerError('config.invalid', `lockout subject key must derive from a 32-byte master key, got ${Buffer.isBuffer(masterKey) ? `${masterKey.length} bytes` : typeof masterKey}`);
  return createHmac('sha256', masterKey).update(LOCKOUT_SUBJECT_KEY_LABEL, 'utf8').digest();
}

/**
 * What failed sign-ins are counted against: `user:<id>` for an account, or
 * `email:<HMAC hex>` of the trimmed, lower-cased email when no account has it,
 * so an unknown email is counted and locked exactly like an account without
 * the email ever being stored in clear. Null when neither is known (an unknown
 * login challenge).
 */
export function lockoutSubject(key: Buffer, who: { userId: string | null; email: string | null }): string | null {
  if (who.userId) return `user:${who.userId}`;
  if (who.email === null) return null;
  return `email:${createHmac('sha256', key).update(who.email.trim().toLowerCase(), 'utf8').digest('hex')}`;
}
