import type { Db } from '../../../platform/database.ts';
import type { Clock } from '../../../platform/clock.ts';
import { readBoundedInteger } from '../../../platform/bounded-setting.ts';
import type { Condition, FindingRule } from '../condition.ts';
import { chunks, eventIdsByTarget } from './evidence.ts';
import { listActiveMembers } from './member-without-required-mfa.ts';

/** The organization setting that says after how many days without a sign-in an account is stale. */
export const STALE_ACCOUNT_SETTING = 'staleAccountDays';
export const DEFAULT_STALE_ACCOUNT_DAYS = 90;
export const STALE_ACCOUNT_BOUNDS = Object.freeze({ min: 1, max: 730 });
const DAY_MS = 86_400_000;

/**
 * The stale-account threshold of an organization's `settings` in days
 * (default 90). Throws `organization.settings_invalid` for a non-integer or a
 * value outside 1–730; checkOrganizationSettings calls it before a save.
 */
export function readStaleAccountDays(settings: Record<string, unknown> | null | undefined): number {
  return readBoundedInteger(settings ?? {}, STALE_ACCOUNT_SETTING, STALE_ACCOUNT_BOUNDS, DEFAULT_STALE_ACCOUNT_DAYS);
}

/**
 * When an account becomes stale (pure): `days` after its newest sign-in, or
 * after its creation when it never signed in. Stale from that instant on.
 */
export function staleFrom(lastSignInAt: string | null, createdAt: string, days: number): string {
  return new Date(Date.parse(lastSignInAt ?? createdAt) + days * DAY_MS).toISOString();
}

/**
 * `stale_account` (medium): an active member who has not signed in (a session
 * opened by any sign-in method) for `staleAccountDays` days; an account that
 * never signed in counts from its creation. It clears when the user signs in,
 * leaves the organization or is deactivated. Cites the session of the newest
 * sign-in, or the account's creation.
 */
export function staleAccountRule(deps: { db: Db; clock: Clock }): FindingRule {
  const { db, clock } = deps;
  return {
    name: 'stale_account',
    scope: 'organization',
    types: ['stale_account'],
    async list(orgId) {
      if (orgId === null) return [];
      const org = await db.selectFrom('organizations').select(['settings']).where('id', '=', orgId).executeTakeFirst();
      if (!org) return [];
      const days = readStaleAccountDays(JSON.parse(org.settings) as Record<string, unknown>);
      const now = clock.now().toISOString();
      const members = await listActiveMembers(db, orgId);
      const last = new Map<string, { at: string; sessionId: string }>();
      for (const part of chunks(members.map((m) => m.user_id))) {
        const rows = await db.selectFrom('sessions').select(['id', 'user_id', 'created_at']).where('user_id', 'in', part).orderBy('created_at').orderBy('id').execute();
        for (const r of rows) last.set(r.user_id, { at: r.created_at, sessionId: r.id });
      }
      const stale = members
        .map((m) => ({ m, signIn: last.get(m.user_id) ?? null, since: staleFrom(last.get(m.user_id)?.at ?? null, m.user_created_at, days) }))
        .filter((x) => x.since <= now);
      if (stale.length === 0) return [];
      const [sessionEvents, created] = await Promise.all([
        eventIdsByTarget(db, 'session', stale.flatMap((x) => (x.signIn ? [x.signIn.sessionId] : [])), ['sessions.session.created']),
        eventIdsByTarget(db, 'user', stale.filter((x) => !x.signIn).map((x) => x.m.user_id), ['identity.user.created']),
      ]);
      return stale.map(({ m, signIn, since }): Condition => ({
        type: 'stale_account',
        severity: 'medium',
        orgId,
        subject: { type: 'user', id: m.user_id, display: m.email },
        since,
        summary: signIn ? `${m.email} last signed in ${signIn.at}, more than ${days} days ago: confirm they still need the account, or deactivate it` : `${m.email} never signed in in the ${days} days since the account was created ${m.user_created_at}`,
        eventIds: signIn ? (sessionEvents.get(signIn.sessionId) ?? []) : (created.get(m.user_id) ?? []),
      }));
    },
  };
}
