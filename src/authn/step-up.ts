import { KeyledgerError } from '../platform/errors.ts';
import { readMfaSettings } from '../identity/organization-settings.ts';
import { isFresh, type Session } from '../sessions/session.ts';
import { satisfiesMfa, type MfaPolicy } from './mfa-policy.ts';

export interface FreshnessRequirement {
  /** How recent the session's last proof (sign-in or step-up) must be, in seconds (>= 0). */
  freshnessSeconds: number;
  now: Date;
  /** The MFA level the session's methods must meet as well; default `optional` (freshness only). */
  level?: MfaPolicy;
}

/**
 * Guards a sensitive action (removing a factor, changing the password, a
 * privileged action) in a signed-in session: the session must have proven a
 * factor within `freshnessSeconds` of `now` (at sign-in or at its latest
 * step-up, see `isFresh`) and its methods must meet `level`. Throws
 * `authn.step_up_required` (401, details `{ freshnessSeconds, level }`) so the
 * page can ask for a fresh factor of that level, then retry after
 * `sessions.recordStepUp`. Does not check that the session is live (validate
 * does that). Pure.
 *
 * The level is checked against every method proven in the session so far
 * (the session keeps their union), not only the latest proof.
 */
export function requireFreshAuthentication(session: Pick<Session, 'authTime' | 'stepUpAt' | 'amr'>, requirement: FreshnessRequirement): void {
  const level = requirement.level ?? 'optional';
  const { freshnessSeconds, now } = requirement;
  const fresh = isFresh(session, now, freshnessSeconds);
  // A session proven hours ago, or only with a weaker factor, must prove itself again before a sensitive change.
  if (!fresh || !satisfiesMfa(level, session.amr)) {
    const why = !fresh ? `the last sign-in or step-up was more than ${freshnessSeconds} seconds ago` : `the session's methods (${session.amr.join(', ')}) do not meet ${level}`;
    throw new KeyledgerError('authn.step_up_required', `confirm it is you before this action: ${why}`, { freshnessSeconds, level });
  }
}

/** The step-up window of an organization's settings in seconds (`stepUpFreshnessMinutes`, default 10 minutes). Throws `organization.settings_invalid`. */
export function stepUpFreshnessSeconds(settings: Record<string, unknown> | null | undefined): number {
  return readMfaSettings(settings).stepUpFreshnessMinutes * 60;
}
