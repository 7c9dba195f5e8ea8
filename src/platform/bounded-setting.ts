import { KeyledgerError } from './errors.ts';

/**
 * An integer setting of an organization within its bounds, or `fallback` when
 * unset. Fractions, text and null would make the value ambiguous, and an
 * out-of-bounds value is refused, never clamped: a silently changed window is
 * not the one the admin set. Throws `organization.settings_invalid` (details:
 * field, got).
 */
export function readBoundedInteger(settings: Record<string, unknown>, field: string, bounds: { min: number; max: number }, fallback: number): number {
  const value = settings[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new KeyledgerError('organization.settings_invalid', `${field} must be an integer, got ${JSON.stringify(value)}`, { field, got: value });
  }
  if (value < bounds.min || value > bounds.max) throw new KeyledgerError('organization.settings_invalid', `${field} must be between ${bounds.min} and ${bounds.max}, got ${value}`, { field, got: value });
  return value;
}
