import { KeyledgerError } from '../platform/errors.ts';

/** How long a session lives: ended after `idleTimeoutMinutes` unused, and after `absoluteTimeoutHours` in any case. */
export interface SessionPolicy {
  idleTimeoutMinutes: number;
  absoluteTimeoutHours: number;
}

/** The policy of an organization that sets none (and of sessions outside any organization). */
export const DEFAULT_SESSION_POLICY: Readonly<SessionPolicy> = Object.freeze({ idleTimeoutMinutes: 30, absoluteTimeoutHours: 12 });

/** Inclusive bounds an organization's policy must stay within. */
export const SESSION_POLICY_BOUNDS = Object.freeze({
  idleTimeoutMinutes: { min: 5, max: 1440 },
  absoluteTimeoutHours: { min: 1, max: 720 },
});

function policyInvalid(message: string, got: unknown): KeyledgerError {
  return new KeyledgerError('session.policy_invalid', message, { got });
}

function readBound(policy: Record<string, unknown>, field: keyof SessionPolicy): number {
  const value = policy[field];
  if (value === undefined) return DEFAULT_SESSION_POLICY[field];
  const { min, max } = SESSION_POLICY_BOUNDS[field];
  // Fractions, strings and NaN would make expiry arithmetic (and what the admin meant) ambiguous.
  if (typeof value !== 'number' || !Number.isInteger(value)) throw policyInvalid(`sessionPolicy.${field} must be an integer, got ${JSON.stringify(value)}`, value);
  // Out-of-range values are refused, never clamped: a silently changed timeout is not the one the admin set.
  if (value < min || value > max) throw policyInvalid(`sessionPolicy.${field} must be between ${min} and ${max}, got ${value}`, value);
  return value;
}

/**
 * The session policy an organization's `settings` ask for.
 *
 * - No settings, or no `sessionPolicy` in them: the defaults (30 minutes idle, 12 hours absolute).
 * - A `sessionPolicy` object missing a field: that field's default.
 * - A `sessionPolicy` that is not an object, has an unknown field, a non-integer
 *   or out-of-bounds value, or an idle timeout longer than the absolute one:
 *   throws `session.policy_invalid`. Refusing (rather than falling back to the
 *   defaults) keeps a typo from silently weakening a stricter policy; callers
 *   should validate with this function when settings are written.
 *
 * Pure: depends on nothing but its argument.
 */
export function resolveSessionPolicy(settings: Record<string, unknown> | null | undefined): SessionPolicy {
  const raw = settings?.sessionPolicy;
  if (raw === undefined || raw === null) return { ...DEFAULT_SESSION_POLICY };
  // Arrays and scalars are not a policy; reading fields off them would silently yield defaults.
  if (typeof raw !== 'object' || Array.isArray(raw)) throw policyInvalid(`sessionPolicy must be an object, got ${JSON.stringify(raw)}`, raw);
  const policy = raw as Record<string, unknown>;
  // A misspelt field ("idleTimeoutMins") would otherwise be ignored and the default applied.
  const unknown = Object.keys(policy).filter((k) => k !== 'idleTimeoutMinutes' && k !== 'absoluteTimeoutHours');
  if (unknown.length > 0) throw policyInvalid(`sessionPolicy has unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}, expected idleTimeoutMinutes and absoluteTimeoutHours`, unknown);
  const resolved: SessionPolicy = { idleTimeoutMinutes: readBound(policy, 'idleTimeoutMinutes'), absoluteTimeoutHours: readBound(policy, 'absoluteTimeoutHours') };
  // An idle timeout past the absolute one would never apply and misstates the control.
  if (resolved.idleTimeoutMinutes > resolved.absoluteTimeoutHours * 60) {
    throw policyInvalid(`sessionPolicy.idleTimeoutMinutes (${resolved.idleTimeoutMinutes}) must not exceed absoluteTimeoutHours (${resolved.absoluteTimeoutHours}) × 60`, resolved);
  }
  return resolved;
}
