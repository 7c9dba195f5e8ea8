import type { MonitorFindingRow } from '../../platform/schema-monitor-findings.ts';
import { findingKey, type Condition } from './condition.ts';

/** A live finding as reconciliation needs it. */
export type LiveFinding = Pick<MonitorFindingRow, 'id' | 'org_id' | 'type' | 'subject_type' | 'subject_id' | 'status' | 'resolution' | 'accepted_until' | 'historical' | 'updated_at'>;

/** What one evaluation must do to bring the tracked findings in line with the conditions seen now. */
export type Transition =
  | { kind: 'open'; condition: Condition }
  | { kind: 'reopen'; finding: LiveFinding; condition: Condition; reason: 'condition_persists' | 'risk_acceptance_expired' }
  | { kind: 'close'; finding: LiveFinding };

/**
 * The transitions that reconcile `live` findings (not closed) with the
 * `conditions` seen at `now` (pure). Both must cover the same organizations
 * and types.
 * - a condition without a live finding opens one;
 * - a live finding whose condition is gone closes (`condition_cleared`);
 * - a finding resolved as `fixed` whose condition is still there reopens
 *   (`condition_persists`); one resolved as `risk_accepted` reopens once its
 *   `accepted_until` has passed (`risk_acceptance_expired`); a
 *   `false_positive` and every resolved historical finding stay as they are;
 * - open and acknowledged findings whose condition is still there stay.
 * Requires at most one live finding per key (the unique open key guarantees it).
 */
export function planTransitions(conditions: readonly Condition[], live: readonly LiveFinding[], now: Date): Transition[] {
  const seen = new Map<string, Condition>();
  for (const c of conditions) if (!seen.has(findingKey(c))) seen.set(findingKey(c), c);
  const out: Transition[] = [];
  const tracked = new Set<string>();
  for (const f of live) {
    const key = findingKey({ orgId: f.org_id, type: f.type, subject: { type: f.subject_type, id: f.subject_id } });
    tracked.add(key);
    const condition = seen.get(key);
    if (!condition) {
      out.push({ kind: 'close', finding: f });
      continue;
    }
    if (f.status !== 'resolved' || f.historical === 1) continue;
    if (f.resolution === 'fixed') out.push({ kind: 'reopen', finding: f, condition, reason: 'condition_persists' });
    else if (f.resolution === 'risk_accepted' && f.accepted_until !== null && Date.parse(f.accepted_until) <= now.getTime()) out.push({ kind: 'reopen', finding: f, condition, reason: 'risk_acceptance_expired' });
  }
  for (const [key, condition] of seen) if (!tracked.has(key)) out.push({ kind: 'open', condition });
  return out;
}
