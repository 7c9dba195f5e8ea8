import { describe, expect, it } from 'vitest';
import { KeyledgerError } from '../../platform/errors.ts';
import { addDays, addMonths, readAccessReviewSettings } from './review-settings.ts';

describe('readAccessReviewSettings', () => {
  it('gives the defaults when unset, and each field as set', () => {
    expect(readAccessReviewSettings({})).toEqual({ everyMonths: 3, durationDays: 14, applyMode: 'on_close', ownerId: null });
    const ownerId = '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';
    expect(readAccessReviewSettings({ accessReviews: { everyMonths: 6, applyMode: 'on_decision', ownerId } })).toEqual({ everyMonths: 6, durationDays: 14, applyMode: 'on_decision', ownerId });
  });

  it('refuses what would silently change the schedule, naming the field', () => {
    const bad: Array<[unknown, string]> = [
      ['quarterly', 'accessReviews'],
      [[], 'accessReviews'],
      [{ every: 3 }, 'accessReviews'],
      [{ everyMonths: 0 }, 'everyMonths'],
      [{ everyMonths: 13 }, 'everyMonths'],
      [{ everyMonths: 1.5 }, 'everyMonths'],
      [{ durationDays: '14' }, 'durationDays'],
      [{ durationDays: 91 }, 'durationDays'],
      [{ applyMode: 'later' }, 'accessReviews.applyMode'],
      [{ ownerId: 'bob' }, 'accessReviews.ownerId'],
    ];
    for (const [accessReviews, field] of bad) {
      let thrown: unknown;
      try {
        readAccessReviewSettings({ accessReviews });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(KeyledgerError);
      expect({ code: (thrown as KeyledgerError).code, field: ((thrown as KeyledgerError).details as { field: string }).field }).toEqual({ code: 'organization.settings_invalid', field });
    }
  });
});

describe('addMonths and addDays', () => {
  it('add calendar months in UTC, clamping to the last day of a shorter month', () => {
    expect(addMonths('2026-01-05T09:00:00.000Z', 3)).toBe('2026-04-05T09:00:00.000Z');
    expect(addMonths('2026-11-30T23:59:59.999Z', 3)).toBe('2027-02-28T23:59:59.999Z');
    expect(addMonths('2028-11-30T00:00:00.000Z', 3)).toBe('2029-02-28T00:00:00.000Z');
    expect(addMonths('2027-11-29T00:00:00.000Z', 3)).toBe('2028-02-29T00:00:00.000Z');
    expect(addMonths('2026-08-31T12:00:00.000Z', 1)).toBe('2026-09-30T12:00:00.000Z');
    expect(addDays('2026-01-05T09:00:00.000Z', 14)).toBe('2026-01-19T09:00:00.000Z');
  });
});
