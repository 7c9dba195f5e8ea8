import { describe, expect, it } from 'vitest';
import { planTransitions, type LiveFinding } from './reconcile.ts';
import type { Condition } from './condition.ts';

const now = new Date('2026-06-01T00:00:00.000Z');
const condition = (subjectId: string, extra: Partial<Condition> = {}): Condition => ({ type: 'stale_account', severity: 'medium', orgId: 'org-1', subject: { type: 'user', id: subjectId }, since: '2026-01-01T00:00:00.000Z', summary: 's', eventIds: [], ...extra });
const live = (subjectId: string, extra: Partial<LiveFinding> = {}): LiveFinding => ({ id: `f-${subjectId}`, org_id: 'org-1', type: 'stale_account', subject_type: 'user', subject_id: subjectId, status: 'open', resolution: null, accepted_until: null, historical: 0, updated_at: '2026-05-01T00:00:00.000Z', ...extra });
const kinds = (conditions: Condition[], findings: LiveFinding[]) => planTransitions(conditions, findings, now).map((t) => [t.kind, t.kind === 'open' ? t.condition.subject.id : t.finding.subject_id, ...(t.kind === 'reopen' ? [t.reason] : [])]);

describe('planTransitions', () => {
  it('opens a new condition, keeps a tracked one, closes a cleared one', () => {
    expect(kinds([condition('a'), condition('b')], [live('b'), live('c')])).toEqual([['close', 'c'], ['open', 'a']]);
  });

  it('leaves open and acknowledged findings alone while their condition lasts', () => {
    expect(kinds([condition('a'), condition('b')], [live('a'), live('b', { status: 'acknowledged' })])).toEqual([]);
  });

  it('reopens a finding resolved as fixed whose condition is still there', () => {
    expect(kinds([condition('a')], [live('a', { status: 'resolved', resolution: 'fixed' })])).toEqual([['reopen', 'a', 'condition_persists']]);
  });

  it('keeps an accepted risk quiet until its expiry, then reopens it (at the instant itself, too)', () => {
    expect(kinds([condition('a')], [live('a', { status: 'resolved', resolution: 'risk_accepted', accepted_until: '2026-06-01T00:00:00.001Z' })])).toEqual([]);
    expect(kinds([condition('a')], [live('a', { status: 'resolved', resolution: 'risk_accepted', accepted_until: '2026-06-01T00:00:00.000Z' })])).toEqual([['reopen', 'a', 'risk_acceptance_expired']]);
  });

  it('keeps a false positive quiet, and closes it once the condition clears', () => {
    expect(kinds([condition('a')], [live('a', { status: 'resolved', resolution: 'false_positive' })])).toEqual([]);
    expect(kinds([], [live('a', { status: 'resolved', resolution: 'false_positive' })])).toEqual([['close', 'a']]);
  });

  it('never reopens a resolved historical finding, whatever its resolution', () => {
    for (const resolution of ['fixed', 'risk_accepted', 'false_positive'] as const) {
      expect(kinds([condition('a', { historical: true })], [live('a', { status: 'resolved', resolution, accepted_until: resolution === 'risk_accepted' ? '2020-01-01T00:00:00.000Z' : null, historical: 1 })])).toEqual([]);
    }
  });

  it('tells organizations, types and subject types apart, and opens a repeated condition once', () => {
    const other = [condition('a', { orgId: 'org-2' }), condition('a', { type: 'member_without_required_mfa' }), condition('a', { subject: { type: 'service_account', id: 'a' } }), condition('a', { orgId: null })];
    expect(kinds([...other, ...other], [live('a')])).toEqual([['close', 'a'], ['open', 'a'], ['open', 'a'], ['open', 'a'], ['open', 'a']]);
  });
});
