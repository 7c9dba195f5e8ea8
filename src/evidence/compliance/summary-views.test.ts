import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../access/reviews/views.ts';
import type { CriterionSection, Row } from '../model.ts';
import { MAX_DEPROVISIONING_POINTS, toDeprovisioningSummary, toFindingsSummary, toMfaCoverage, toReviewsSummary } from './summary-views.ts';

const section = (id: CriterionSection['id'], tables: Record<string, Row[]>): CriterionSection => ({
  id,
  title: id,
  summary: '',
  status: 'pass',
  headline: '',
  facts: [],
  tables: Object.entries(tables).map(([name, rows]) => ({ name, title: name, description: '', columns: [], rows: rows.map((row) => ({ row, cites: [] })) })),
  charts: [],
  attachments: [],
});

const leaver = (userId: string, terminatedAt: string | null, removed: { at: string; seconds: number; within: boolean } | null, email: string | null = `${userId}@acme.test`): Row => ({
  user_id: userId,
  email,
  terminated_at: terminatedAt,
  access_removed_at: removed?.at ?? null,
  elapsed_seconds: removed?.seconds ?? null,
  within_sla: removed?.within ?? null,
});

describe('toDeprovisioningSummary', () => {
  it('counts removed and not-yet-removed leavers and charts them newest first, with nulls for a removal still open', () => {
    const rows = [
      leaver('a', '2026-04-01T00:00:00.000Z', { at: '2026-04-01T01:00:00.000Z', seconds: 3600, within: true }),
      leaver('b', '2026-04-03T00:00:00.000Z', null, null),
      leaver('c', '2026-04-02T00:00:00.000Z', { at: '2026-04-05T00:00:00.000Z', seconds: 259_200, within: false }),
      // A receipt without a time is counted but cannot be charted.
      leaver('d', null, null),
    ];
    const out = toDeprovisioningSummary([section('CC6.5', { leavers: rows })], 24);
    expect(out).toEqual({
      slaHours: 24,
      leavers: 4,
      withinSla: 1,
      outsideSla: 1,
      open: 2,
      points: [
        { userId: 'b', terminatedAt: '2026-04-03T00:00:00.000Z', removedAt: null, latencySeconds: null, withinSla: null },
        { userId: 'c', displayName: 'c@acme.test', terminatedAt: '2026-04-02T00:00:00.000Z', removedAt: '2026-04-05T00:00:00.000Z', latencySeconds: 259_200, withinSla: false },
        { userId: 'a', displayName: 'a@acme.test', terminatedAt: '2026-04-01T00:00:00.000Z', removedAt: '2026-04-01T01:00:00.000Z', latencySeconds: 3600, withinSla: true },
      ],
    });
  });

  it('keeps only the newest points beyond the cap, and counts them all', () => {
    const rows = Array.from({ length: MAX_DEPROVISIONING_POINTS + 5 }, (_, i) => leaver(`u${String(i).padStart(3, '0')}`, new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(), null));
    const out = toDeprovisioningSummary([section('CC6.5', { leavers: rows })], 8);
    expect(out.leavers).toBe(MAX_DEPROVISIONING_POINTS + 5);
    expect(out.points).toHaveLength(MAX_DEPROVISIONING_POINTS);
    expect(out.points[0].userId).toBe(`u${MAX_DEPROVISIONING_POINTS + 4}`);
    expect(out.points.at(-1)!.userId).toBe('u005');
  });

  it('fails loudly when the criterion did not produce the table it reads', () => {
    expect(() => toDeprovisioningSummary([section('CC6.5', {})], 24)).toThrow(/CC6\.5\/leavers/);
    expect(() => toMfaCoverage([])).toThrow(/CC6\.6\/mfa-accounts/);
  });
});

describe('toMfaCoverage', () => {
  it('counts members with a factor, with a passkey, and privileged users with a passkey', () => {
    const accounts = [
      { mfa_enabled: true, passkeys: 0 },
      { mfa_enabled: true, passkeys: 2 },
      { mfa_enabled: false, passkeys: 0 },
    ];
    const privileged = [{ has_passkey: true }, { has_passkey: false }];
    expect(toMfaCoverage([section('CC6.6', { 'mfa-accounts': accounts, 'privileged-phishing-resistant': privileged })])).toEqual({ members: 3, withMfa: 2, withPasskey: 1, privilegedMembers: 2, privilegedWithPasskey: 1 });
  });
});

describe('toFindingsSummary', () => {
  it('adds up severities and rules, the largest rule first, ties by name', () => {
    const out = toFindingsSummary([
      { type: 'stale_account', severity: 'low', count: 2 },
      { type: 'review_missing', severity: 'high', count: 1 },
      { type: 'stale_account', severity: 'medium', count: 1 },
      { type: 'api_key_without_expiry', severity: 'medium', count: 1 },
    ]);
    expect(out).toEqual({
      open: 5,
      bySeverity: { high: 1, medium: 2, low: 2 },
      byRule: [
        { rule: 'stale_account', open: 3 },
        { rule: 'api_key_without_expiry', open: 1 },
        { rule: 'review_missing', open: 1 },
      ],
    });
    expect(toFindingsSummary([])).toEqual({ open: 0, bySeverity: { high: 0, medium: 0, low: 0 }, byRule: [] });
  });
});

describe('toReviewsSummary', () => {
  const now = new Date('2026-05-10T00:00:00.000Z');
  const campaign = (id: string, dueAt: string, status: Campaign['status'] = 'open'): Campaign =>
    ({ id, name: id, status, dueAt, counts: { items: 4, kept: 1, revoked: 1, undecided: 2 } }) as Campaign;

  it('splits open campaigns at now and at now + 30 days, soonest due first', () => {
    const out = toReviewsSummary(
      [campaign('later', '2026-06-09T00:00:00.000Z'), campaign('edge', '2026-05-10T00:00:00.000Z'), campaign('late', '2026-05-09T23:59:59.000Z'), campaign('soon', '2026-06-08T23:59:59.000Z'), campaign('gone', '2026-05-01T00:00:00.000Z', 'cancelled')],
      null,
      now,
    );
    expect(out.overdue.map((c) => c.id)).toEqual(['late']);
    expect(out.upcoming.map((c) => c.id)).toEqual(['edge', 'soon']);
    expect(out.overdue[0]).toEqual({ id: 'late', name: 'late', dueAt: '2026-05-09T23:59:59.000Z', itemsTotal: 4, itemsDecided: 2 });
    expect(out).toMatchObject({ lastCompletedAt: null, quarterlyCovered: false });
  });

  it('covers the quarter with a review completed at most 92 days ago', () => {
    expect(toReviewsSummary([], '2026-02-07T00:00:00.000Z', now).quarterlyCovered).toBe(true);
    expect(toReviewsSummary([], '2026-02-06T23:59:59.000Z', now).quarterlyCovered).toBe(false);
  });
});
