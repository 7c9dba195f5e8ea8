import type { Trx } from '../../audit/command-runner.ts';
import type { LedgerEvent } from '../../audit/event.ts';
import type { DetectionSignalRow } from '../../platform/schema-detections.ts';
import type { DetectionSettings } from './detection-settings.ts';
import type { Signal } from './signals.ts';

export type RuleName = 'brute_force' | 'credential_stuffing' | 'password_spraying' | 'mfa_fatigue' | 'account_takeover_sequence' | 'impossible_travel' | 'privilege_outside_approval';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type SubjectType = 'account' | 'ip' | 'user' | 'principal';

/** A ledger event a match cites. */
export interface CitedEvent {
  id: string;
  seq: number;
  time: string;
  org: string | null;
}

/** One rule matched one subject at one event: raise an alert, or extend the subject's open one. */
export interface RuleMatch {
  rule: RuleName;
  severity: Severity;
  subjectType: SubjectType;
  subject: string;
  /** A further match this long after the alert's last event still extends it; later, a new alert is raised. */
  windowMs: number;
  events: CitedEvent[];
  details: Record<string, unknown>;
}

/** What a rule sees when it looks at one ledger event (in the scan's transaction). */
export interface RuleContext {
  trx: Trx;
  settings: DetectionSettings;
  event: LedgerEvent;
  /** The event's signal (already stored), or null when it has none. */
  signal: Signal | null;
  /** Whether `subject` has an alert of `rule`, not closed, whose last event is at or after `since`. */
  hasOpenAlert(rule: RuleName, subject: string, since: string): Promise<boolean>;
  /** Whether the ledger holds the `access.eligibility.granted` event of this eligibility. */
  eligibilityWasGranted(eligibilityId: string): Promise<boolean>;
}

/** One detection: its documented contract, and how it judges one event. Adding a rule is adding an object. */
export interface DetectionRule {
  readonly name: RuleName;
  readonly severity: Severity;
  readonly description: string;
  /** The ledger actions it reads. */
  readonly events: readonly string[];
  /** The thresholds in force, or null when the rule is off in this deployment. */
  thresholds(settings: DetectionSettings): Record<string, unknown> | null;
  evaluate(ctx: RuleContext): Promise<RuleMatch | null>;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A stored signal as an event a match cites. */
export function cite(row: Pick<DetectionSignalRow, 'event_id' | 'seq' | 'time' | 'org_id'>): CitedEvent {
  return { id: row.event_id, seq: Number(row.seq), time: row.time, org: row.org_id };
}

/** The instant `ms` before `time`, as stored text (RFC 3339, sortable). */
export function before(time: string, ms: number): string {
  return new Date(Date.parse(time) - ms).toISOString();
}
