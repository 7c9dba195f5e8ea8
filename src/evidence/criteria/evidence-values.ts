import type { Actor, LedgerEvent } from '../../audit/event.ts';
import type { EvidenceParameters } from '../model.ts';

/**
 * Small pure helpers the criteria share to turn event facts into cells the
 * same way in the exporter and in the offline verifier.
 */

/** True when `time` (RFC 3339) lies in the window [from, to). */
export function inWindow(time: string | null | undefined, params: Pick<EvidenceParameters, 'from' | 'to'>): boolean {
  if (!time) return false;
  const t = Date.parse(time);
  return t >= Date.parse(params.from) && t < Date.parse(params.to);
}

/** An RFC 3339 time normalized to UTC with milliseconds, or null. */
export function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** Seconds as hours with one decimal. */
export function hoursOf(seconds: number): number {
  return Math.round(seconds / 360) / 10;
}

/** Who acted, as an auditor reads it: `api_key:<id> (display)`. */
export function actorLabel(actor: Actor): string {
  return `${actor.type}:${actor.id}${actor.display ? ` (${actor.display})` : ''}`;
}

/** The display of the event's first target of `type`, or null. */
export function targetDisplay(event: LedgerEvent, type: string): string | null {
  return event.targets.find((t) => t.type === type)?.display ?? null;
}

/** The id of the event's first target of `type`, or null. */
export function targetId(event: LedgerEvent, type: string): string | null {
  return event.targets.find((t) => t.type === type)?.id ?? null;
}

/** A string field of the event's data, or null. */
export function str(event: LedgerEvent | undefined, field: string): string | null {
  const v = event?.data[field];
  return typeof v === 'string' ? v : null;
}

/** A numeric field of the event's data, or null. */
export function num(event: LedgerEvent | undefined, field: string): number | null {
  const v = event?.data[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The value at quantile `q` (0–1) of ascending `sorted` by nearest rank, or null when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** Percent with one decimal (100 when the whole is empty: nothing was missing). */
export function percent(part: number, whole: number): number {
  return whole === 0 ? 100 : Math.round((part / whole) * 1000) / 10;
}

/** The row's cited event ids, in ledger order, without repeats. */
export function citesOf(events: ReadonlyArray<LedgerEvent | undefined>): string[] {
  const present = events.filter((e): e is LedgerEvent => e !== undefined).sort((a, b) => a.seq - b.seq);
  return [...new Set(present.map((e) => e.id))];
}

/** "1 leaver", "3 leavers", "no leavers": counts in headlines read as sentences. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return n === 0 ? `no ${plural}` : `${n} ${n === 1 ? singular : plural}`;
}

/** Whole seconds from `from` to `to` (RFC 3339), rounded down; null when either is missing. */
export function secondsBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  return Math.floor((Date.parse(to) - Date.parse(from)) / 1000);
}
