import { KeyledgerError } from '../../platform/errors.ts';
import { INVITATION_DEFAULT_HOURS, INVITATION_MAX_HOURS } from './links.ts';

/**
 * Input checks shared by the enrollment commands. The HTTP schemas check the
 * same things at the edge; the hosted pages and the CLI call the service
 * directly, so the service checks again.
 */

/** A display name: text of 1 to 200 characters after trimming. Throws `request.invalid`. */
export function checkDisplayName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed.length === 0 || trimmed.length > 200) throw new KeyledgerError('request.invalid', `name must be 1 to 200 characters, got ${JSON.stringify(typeof name === 'string' ? name.slice(0, 40) : name ?? null)}`);
  return trimmed;
}

/** A submitted password must at least be text; the policy judges the rest. Throws `request.invalid`. */
export function checkPasswordInput(password: unknown): string {
  if (typeof password !== 'string') throw new KeyledgerError('request.invalid', `password must be a string, got ${password === null ? 'null' : typeof password}`);
  return password;
}

/** An invitation lifetime in whole hours, 1 to 720 (30 days); 72 when not given. Throws `request.invalid`. */
export function checkExpiresInHours(hours: unknown): number {
  if (hours === undefined || hours === null) return INVITATION_DEFAULT_HOURS;
  if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > INVITATION_MAX_HOURS) {
    throw new KeyledgerError('request.invalid', `expiresInHours must be a whole number from 1 to ${INVITATION_MAX_HOURS}, got ${JSON.stringify(hours)}`);
  }
  return hours;
}
