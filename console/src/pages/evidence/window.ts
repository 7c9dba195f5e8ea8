/**
 * Reporting windows as the API reads them: [from, to), two dates read as
 * midnight UTC. "To" is the first day NOT included, so a quarter runs from
 * its first day to the first day of the next one.
 */
export type WindowPick = 'last-quarter' | 'last-90-days' | 'custom';

export interface DateWindow {
  pick: WindowPick;
  from: string;
  to: string;
}

const day = (d: Date): string => d.toISOString().slice(0, 10);

function utcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** The calendar quarter before the current one (UTC). */
export function lastQuarter(now: Date): { from: string; to: string } {
  const q = Math.floor(now.getUTCMonth() / 3);
  const to = new Date(Date.UTC(now.getUTCFullYear(), q * 3, 1));
  const from = new Date(Date.UTC(now.getUTCFullYear(), q * 3 - 3, 1));
  return { from: day(from), to: day(to) };
}

/** The 90 whole days (UTC) ending at today's midnight: every day of it has ended. */
export function last90Days(now: Date): { from: string; to: string } {
  const to = utcMidnight(now);
  return { from: day(new Date(to.getTime() - 90 * 86_400_000)), to: day(to) };
}

export function windowFor(pick: WindowPick, now: Date, custom?: { from: string; to: string }): DateWindow {
  if (pick === 'last-quarter') return { pick, ...lastQuarter(now) };
  if (pick === 'last-90-days') return { pick, ...last90Days(now) };
  return { pick, from: custom?.from ?? '', to: custom?.to ?? '' };
}

/** How a window reads to people: the last day included, not the exclusive end. */
export function describeWindow(from: string, to: string): string {
  const a = from.slice(0, 10);
  const end = new Date(to.length === 10 ? `${to}T00:00:00Z` : to);
  if (!a || Number.isNaN(end.getTime())) return `${from} to ${to}`;
  const last = day(new Date(end.getTime() - 1));
  return `${a} through ${last} (UTC)`;
}
