import { KeyledgerError } from '../../platform/errors.ts';
import { readBoundedInteger } from '../../platform/bounded-setting.ts';
import type { ApplyMode } from '../../platform/schema-reviews.ts';

/** The organization setting that schedules access reviews. */
export const ACCESS_REVIEWS_SETTING = 'accessReviews';
export const APPLY_MODES = ['on_close', 'on_decision'] as const;
export const DEFAULT_ACCESS_REVIEW_SETTINGS: Readonly<AccessReviewSettings> = Object.freeze({ everyMonths: 3, durationDays: 14, applyMode: 'on_close', ownerId: null });
export const ACCESS_REVIEW_BOUNDS = Object.freeze({ everyMonths: { min: 1, max: 12 }, durationDays: { min: 1, max: 90 } });

/** How often an organization reviews access, how long a review runs, when revokes take effect, and who owns scheduled reviews. */
export interface AccessReviewSettings {
  everyMonths: number;
  durationDays: number;
  applyMode: ApplyMode;
  /** The user who owns (signs off) scheduled and mover campaigns; null: the first organization admin. */
  ownerId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(field: string, message: string, got: unknown): KeyledgerError {
  return new KeyledgerError('organization.settings_invalid', message, { field, got });
}

/**
 * The access review settings of an organization's `settings` (`accessReviews`),
 * each field as set or its default (every 3 months, 14 days, on_close, no owner).
 * Throws `organization.settings_invalid` (details: field, got) for anything but
 * an object of known fields within bounds: a typo must not silently stop reviews.
 */
export function readAccessReviewSettings(settings: Record<string, unknown> | null | undefined): AccessReviewSettings {
  const value = (settings ?? {})[ACCESS_REVIEWS_SETTING];
  if (value === undefined) return { ...DEFAULT_ACCESS_REVIEW_SETTINGS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(ACCESS_REVIEWS_SETTING, `accessReviews must be an object, got ${JSON.stringify(value)}`, value);
  const s = value as Record<string, unknown>;
  const unknown = Object.keys(s).filter((k) => !(k in DEFAULT_ACCESS_REVIEW_SETTINGS));
  if (unknown.length > 0) throw invalid(ACCESS_REVIEWS_SETTING, `accessReviews has unknown field(s) ${unknown.join(', ')}, expected ${Object.keys(DEFAULT_ACCESS_REVIEW_SETTINGS).join(', ')}`, value);
  const applyMode = s.applyMode ?? DEFAULT_ACCESS_REVIEW_SETTINGS.applyMode;
  if (!(APPLY_MODES as readonly unknown[]).includes(applyMode)) throw invalid('accessReviews.applyMode', `accessReviews.applyMode must be one of ${APPLY_MODES.join(', ')}, got ${JSON.stringify(applyMode)}`, applyMode);
  const ownerId = s.ownerId ?? null;
  if (ownerId !== null && (typeof ownerId !== 'string' || !UUID.test(ownerId))) throw invalid('accessReviews.ownerId', `accessReviews.ownerId must be a user id or null, got ${JSON.stringify(ownerId)}`, ownerId);
  return {
    everyMonths: readBoundedInteger(s, 'everyMonths', ACCESS_REVIEW_BOUNDS.everyMonths, DEFAULT_ACCESS_REVIEW_SETTINGS.everyMonths),
    durationDays: readBoundedInteger(s, 'durationDays', ACCESS_REVIEW_BOUNDS.durationDays, DEFAULT_ACCESS_REVIEW_SETTINGS.durationDays),
    applyMode: applyMode as ApplyMode,
    ownerId: ownerId as string | null,
  };
}

/** `time` plus `months` calendar months (UTC), clamped to the month's last day (pure). */
export function addMonths(time: string, months: number): string {
  const d = new Date(time);
  const day = d.getUTCDate();
  const shifted = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const last = new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, 0)).getUTCDate();
  shifted.setUTCDate(Math.min(day, last));
  return shifted.toISOString();
}

/** `time` plus `days` days (pure). */
export function addDays(time: string, days: number): string {
  return new Date(Date.parse(time) + days * 86_400_000).toISOString();
}
