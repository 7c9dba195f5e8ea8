import type { Tone } from '../../components/states.tsx';
import type { LedgerEvent } from '../ledger/ledger-types.ts';

type Actor = { type: string; id: string };

/** GET /api/v1/findings items. */
export interface Finding {
  id: string;
  orgId: string | null;
  type: string;
  subject: { type: string; id: string; display?: string };
  severity: 'low' | 'medium' | 'high';
  summary: string;
  since: string;
  eventIds: string[];
  historical: boolean;
  status: 'open' | 'acknowledged' | 'resolved' | 'closed';
  openedAt: string;
  updatedAt: string;
  acknowledgement: { at: string; by: Actor; note: string } | null;
  resolution: { resolution: string; note: string; acceptedUntil: string | null; at: string; by: Actor } | null;
  reopenCount: number;
  reopenedAt: string | null;
  closedAt: string | null;
  closeReason: string | null;
}
export type FindingWithTimeline = Finding & { timeline: LedgerEvent[] };

/** GET /api/v1/alerts items. */
export interface Alert {
  id: string;
  rule: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  orgId: string | null;
  subjectType: string;
  subject: string;
  status: 'open' | 'acknowledged' | 'closed';
  firstSeenAt: string;
  lastSeenAt: string;
  eventCount: number;
  details: Record<string, unknown>;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  closedAt: string | null;
  closedBy: string | null;
  disposition: string | null;
  note: string | null;
}
export type AlertWithEvents = Alert & { events: LedgerEvent[] };

export interface Incident {
  id: string;
  title: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  orgId: string | null;
  ownerId: string;
  status: 'open' | 'investigating' | 'contained' | 'resolved';
  summary: string;
  resolution: string | null;
  rootCause: string | null;
  openedAt: string;
  openedBy: Actor;
  updatedAt: string;
  resolvedAt: string | null;
}
export interface IncidentNote {
  id: string;
  text: string;
  author: Actor;
  createdAt: string;
}
export interface TimelineEntry {
  type: 'event' | 'alert' | 'note' | 'change';
  time: string;
  summary: string;
  eventId?: string;
  alertId?: string;
  noteId?: string;
  action?: string;
  rule?: string;
}
export type IncidentDetail = Incident & { alerts: Alert[]; events: LedgerEvent[]; notes: IncidentNote[]; timeline: TimelineEntry[] };

export interface DetectionRule {
  name: string;
  enabled: boolean;
  severity: string;
  description: string;
  events: string[];
  thresholds: Record<string, unknown> | null;
}

export interface DestinationHealth {
  status: 'healthy' | 'failing' | 'paused';
  cursorSeq: number;
  headSeq: number;
  lagEvents: number;
  lagSeconds: number;
  lastDeliveredAt: string | null;
  lastDeliveredSeq: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
  consecutiveFailures: number;
  nextAttemptAt: string | null;
}
export interface Destination {
  id: string;
  orgId: string | null;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  filter: { actionPrefixes: string[]; orgIds: string[] };
  status: 'active' | 'paused';
  secretPrefix: string | null;
  createdAt: string;
  updatedAt: string;
  health: DestinationHealth;
}

/** Severity as a badge tone (the badge also says the word). */
export function severityTone(severity: string): Tone {
  return severity === 'critical' || severity === 'high' ? 'bad' : severity === 'medium' ? 'warn' : 'info';
}

/** Status as a badge tone. */
export function statusTone(status: string): Tone {
  if (status === 'open' || status === 'failing') return 'bad';
  if (status === 'acknowledged' || status === 'investigating' || status === 'contained' || status === 'paused') return 'warn';
  if (status === 'resolved' || status === 'healthy' || status === 'active') return 'good';
  return 'neutral';
}

/** Rule and type names as words: member_without_required_mfa → member without required mfa. */
export const words = (name: string): string => name.replace(/_/g, ' ');
