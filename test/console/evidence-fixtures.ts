import type { Clock } from '../../src/platform/clock.ts';
import type { ConsoleSuite } from '../support/console.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Real time moved by an offset: the suite starts in the last quarter (so the
 * operator, the organization and its leavers are written in order, in the
 * window), and `catchUp()` brings it to the real now before the browser signs
 * in (tokens and step-up ages are then what the browser expects).
 */
export class OffsetClock implements Clock {
  private offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  set(time: Date | string): void {
    this.offset = new Date(time).getTime() - Date.now();
  }
  catchUp(): void {
    this.offset = 0;
  }
}

/** The calendar quarter before the current one, as the console's "Last quarter" picks it. */
export function previousQuarter(now = new Date()): { from: string; to: string } {
  const q = Math.floor(now.getUTCMonth() / 3);
  const day = (d: number) => new Date(d).toISOString().slice(0, 10);
  return { from: day(Date.UTC(now.getUTCFullYear(), q * 3 - 3, 1)), to: day(Date.UTC(now.getUTCFullYear(), q * 3, 1)) };
}

export interface QuarterPlay {
  window: { from: string; to: string };
  users: Record<'ada' | 'dan' | 'eve', string>;
}

/**
 * A small quarter for organization `acme`: three members with a role granted
 * under a change ticket, two leavers — dan removed 2 hours after termination
 * (inside the 24-hour SLA), eve 48 hours after (outside). Plays in the
 * previous calendar quarter, then brings the clock to now.
 */
export async function playQuarter(s: ConsoleSuite, clock: OffsetClock): Promise<QuarterPlay> {
  const window = previousQuarter();
  const start = Date.parse(`${window.from}T00:00:00Z`);
  clock.set(new Date(start + 2 * DAY + 9 * HOUR));
  await s.api('POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme Corp' });
  const user = async (name: string) => (await s.api('POST', '/api/v1/users', { email: `${name}@acme.test`, name: `${name[0].toUpperCase()}${name.slice(1)} Acme`, org: 'acme' })).id as string;
  const users = { ada: await user('ada'), dan: await user('dan'), eve: await user('eve') };
  await s.api('POST', '/api/v1/organizations/acme/roles', { key: 'viewer', name: 'Viewer', description: 'Reads dashboards', permissions: ['dashboards:read'] });
  for (const [i, id] of Object.values(users).entries()) await s.api('POST', '/api/v1/organizations/acme/role-assignments', { role: 'viewer', principalType: 'user', principalId: id, approvalRef: `CHG-${10 + i}` });

  clock.set(new Date(start + 30 * DAY + 10 * HOUR));
  await s.api('POST', `/api/v1/organizations/acme/users/${users.dan}/deprovision`, { reason: 'resigned', terminatedAt: new Date(start + 30 * DAY + 8 * HOUR).toISOString() });
  clock.set(new Date(start + 42 * DAY));
  await s.api('POST', `/api/v1/organizations/acme/users/${users.eve}/deprovision`, { reason: 'resigned', terminatedAt: new Date(start + 40 * DAY).toISOString() });
  clock.catchUp();
  return { window, users };
}
