import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { digestsEqual, generateToken, hashToken } from '../platform/ids.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext, Target } from '../audit/event.ts';
import type { SessionRow } from '../platform/schema.ts';
import { resolveSessionPolicy, type SessionPolicy } from './session-policy.ts';
import { checkAmr, mergeAmr, sessionState, toSession, type Session } from './session.ts';
import * as repo from './repository.ts';

/**
 * Writes of last_seen_at / idle_expires_at are spaced out so that requests do
 * not all become writes. The idle timeout can therefore end up to this much
 * early after the last request, never late.
 */
export const TOUCH_RESOLUTION_MS = 60_000;

const TOKEN_KIND = 'sess';
/** The token prefix secret scanners look for. */
export const SESSION_TOKEN_PREFIX = `kl_${TOKEN_KIND}_`;
// kl_sess_ + 32 random bytes in base64url (43 characters).
const TOKEN_RE = /^kl_sess_[A-Za-z0-9_-]{43}$/;

/** Why `inspect` refused a token: `malformed` (not a session token at all), `unknown`, or the session's end state. */
export type SessionRefusal = 'malformed' | 'unknown' | 'revoked' | 'idle_expired' | 'absolute_expired';

/** What `inspect` found: the live session, or why there is none (for callers that log it). */
export type SessionCheck = { ok: true; session: Session } | { ok: false; reason: SessionRefusal; sessionId?: string; userId?: string };

export interface CreateSessionInput {
  userId: string;
  /** The organization signed in to, or null. */
  orgId: string | null;
  /** RFC 8176 methods used at sign-in, e.g. ["pwd","otp"] or ["hwk","user"]. */
  amr: string[];
  /** Authentication context class, e.g. `urn:keyledger:acr:mfa`. */
  acr: string;
  ip: string | null;
  userAgent: string | null;
  /** The organization's policy: `resolveSessionPolicy(org.settings)`; checked against the bounds again here. */
  policy: SessionPolicy;
}

export interface SessionServiceDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
}

/** Thrown inside a command that found nothing to change, so it rolls back instead of committing without an event. */
class NothingChanged extends Error {}

function targetsOf(row: Pick<SessionRow, 'id' | 'user_id'>): Target[] {
  return [
    { type: 'session', id: row.id },
    { type: 'user', id: row.user_id },
  ];
}

function addMs(date: Date, ms: number): string {
  return new Date(date.getTime() + ms).toISOString();
}

/** The idle expiry after activity at `now`: one idle timeout later, never past the absolute expiry. */
function slideIdleExpiry(row: Pick<SessionRow, 'idle_timeout_seconds' | 'absolute_expires_at'>, now: Date): string {
  const slid = addMs(now, Number(row.idle_timeout_seconds) * 1000);
  return slid < row.absolute_expires_at ? slid : row.absolute_expires_at;
}

/**
 * Browser sessions: created at sign-in, validated on every request with a
 * sliding idle timeout and an absolute limit, stepped up when a fresh factor
 * is proven, revoked one by one or all at once. The token is returned once by
 * `create` and stored only as its SHA-256. Ended sessions stay as rows.
 */
export function createSessionService(deps: SessionServiceDeps) {
  const { db, runner, clock, newId } = deps;

  async function inspect(token: string): Promise<SessionCheck> {
    // Anything not shaped like our tokens (another kind of kl_ token, junk, huge input) never reaches the database.
    if (typeof token !== 'string' || !TOKEN_RE.test(token)) return { ok: false, reason: 'malformed' };
    const digest = hashToken(token);
    const row = await repo.findSessionByTokenHash(db, digest);
    // Constant-time comparison as the backstop behind the index lookup.
    if (!row || !digestsEqual(row.token_hash, digest)) return { ok: false, reason: 'unknown' };
    const now = clock.now();
    const state = sessionState(row, now);
    // Revoked or expired sessions are refused on the very next request; nothing is cached.
    if (state !== 'active') return { ok: false, reason: state, sessionId: row.id, userId: row.user_id };
    if (now.getTime() - Date.parse(row.last_seen_at) >= TOUCH_RESOLUTION_MS) {
      const idleExpiresAt = slideIdleExpiry(row, now);
      if (await repo.touchSession(db, row.id, now.toISOString(), idleExpiresAt)) {
        row.last_seen_at = now.toISOString();
        row.idle_expires_at = idleExpiresAt;
      }
    }
    return { ok: true, session: toSession(row, now) };
  }

  /**
   * Starts a session inside a command that is already running (a sign-in
   * that spends its factor and opens the session in one transaction). The
   * token is returned once; only its hash is stored.
   */
  async function createInScope(scope: CommandScope, input: CreateSessionInput): Promise<{ token: string; session: Session }> {
    const { trx, now, record } = scope;
    const amr = checkAmr(input.amr);
    const policy = resolveSessionPolicy({ sessionPolicy: input.policy });
    // An empty acr would tell relying parties nothing about how strong the sign-in was.
    if (typeof input.acr !== 'string' || input.acr.trim() === '') throw new KeyledgerError('session.acr_invalid', `acr must be a non-empty string, got ${JSON.stringify(input.acr)}`);
    const token = generateToken(TOKEN_KIND);
    const time = now.toISOString();
    const absoluteExpiresAt = addMs(now, policy.absoluteTimeoutHours * 3_600_000);
    const idleTimeoutSeconds = policy.idleTimeoutMinutes * 60;
    const row: SessionRow = {
      id: newId(),
      token_hash: hashToken(token),
      user_id: input.userId,
      org_id: input.orgId,
      amr: JSON.stringify(amr),
      acr: input.acr,
      auth_time: time,
      created_at: time,
      last_seen_at: time,
      idle_timeout_seconds: idleTimeoutSeconds,
      idle_expires_at: slideIdleExpiry({ idle_timeout_seconds: idleTimeoutSeconds, absolute_expires_at: absoluteExpiresAt }, now),
      absolute_expires_at: absoluteExpiresAt,
      revoked_at: null,
      revoke_reason: null,
      ip: input.ip,
      user_agent: input.userAgent,
      step_up_at: null,
    };
    await repo.insertSession(trx, row);
    record({
      action: 'sessions.session.created',
      org: row.org_id,
      targets: targetsOf(row),
      data: { userId: row.user_id, orgId: row.org_id, amr, acr: row.acr, idleExpiresAt: row.idle_expires_at, absoluteExpiresAt: row.absolute_expires_at },
    });
    return { token, session: toSession(row, now) };
  }

  /**
   * Revokes every live session of a user inside a command that is already
   * running (a suspension or deprovisioning), one ledger event each; returns
   * how many were live. With `orgId`, only the sessions signed in to that
   * organization (the user left it).
   */
  async function revokeAllForUserInScope(scope: CommandScope, userId: string, reason: string, options: { orgId?: string } = {}): Promise<number> {
    const revoked = await repo.revokeLiveSessionsByUserId(scope.trx, userId, scope.now.toISOString(), reason, options.orgId);
    revoked.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const row of revoked) scope.record({ action: 'sessions.session.revoked', org: row.org_id, targets: targetsOf(row), data: { userId: row.user_id, reason } });
    return revoked.length;
  }

  /**
   * `recordStepUp` inside a command that is already running (a step-up that
   * spends its factor and raises the session in one transaction). Throws
   * `session.not_found`, `session.ended` or `session.amr_invalid`.
   */
  async function recordStepUpInScope(scope: CommandScope, sessionId: string, amr: string[], options: { acr?: string } = {}): Promise<Session> {
    const { trx, now, record } = scope;
    const proven = checkAmr(amr);
    const row = await repo.findSessionById(trx, sessionId);
    // An unknown id is the caller's mistake, not a no-op.
    if (!row) throw new KeyledgerError('session.not_found', `no session with id "${sessionId}"`);
    const state = sessionState(row, now);
    // A step-up must not extend or revive a session that has already ended.
    if (state !== 'active') throw new KeyledgerError('session.ended', `session "${sessionId}" has ended (${state})`, { state });
    const time = now.toISOString();
    const merged = mergeAmr(JSON.parse(row.amr) as string[], proven);
    const acr = options.acr ?? row.acr;
    const idleExpiresAt = slideIdleExpiry(row, now);
    await repo.updateSessionStepUp(trx, row.id, { amr: JSON.stringify(merged), acr, stepUpAt: time, idleExpiresAt });
    record({ action: 'sessions.session.stepped_up', org: row.org_id, targets: targetsOf(row), data: { userId: row.user_id, amr: proven, acr } });
    return toSession({ ...row, amr: JSON.stringify(merged), acr, step_up_at: time, last_seen_at: time, idle_expires_at: idleExpiresAt }, now);
  }

  return {
    /**
     * Starts a session after a successful sign-in; the token is in the result
     * only, never stored or recorded. Throws `session.amr_invalid` or
     * `session.policy_invalid`; the user (and organization) must exist.
     */
    async create(ctx: CommandContext, input: CreateSessionInput): Promise<{ token: string; session: Session }> {
      const { result } = await runner.run(ctx, (scope) => createInScope(scope, input));
      return result;
    },

    createInScope,

    inspect,

    /** The live session a token belongs to, or null (unknown, malformed, revoked or expired); use `inspect` for the reason. */
    async validate(token: string): Promise<Session | null> {
      const check = await inspect(token);
      return check.ok ? check.session : null;
    },

    /**
     * Records that a fresh factor was proven in a live session: merges `amr`
     * into the session's methods, sets `step_up_at`, optionally raises `acr`,
     * and counts as activity. Throws `session.not_found`, `session.ended` or `session.amr_invalid`.
     */
    async recordStepUp(ctx: CommandContext, sessionId: string, amr: string[], options: { acr?: string } = {}): Promise<Session> {
      const proven = checkAmr(amr);
      const { result } = await runner.run(ctx, (scope) => recordStepUpInScope(scope, sessionId, proven, options));
      return result;
    },

    recordStepUpInScope,

    /**
     * Revokes one live session; true when this call ended it. An already
     * revoked or expired session is left as it is and nothing is recorded.
     * Throws `session.not_found`.
     */
    async revoke(ctx: CommandContext, sessionId: string, reason: string): Promise<boolean> {
      try {
        await runner.run(ctx, async ({ trx, now, record }) => {
          const row = await repo.findSessionById(trx, sessionId);
          // An unknown id is the caller's mistake, not a no-op.
          if (!row) throw new KeyledgerError('session.not_found', `no session with id "${sessionId}"`);
          // Ended sessions need no revocation; a second event would misstate when access ended.
          if (sessionState(row, now) !== 'active') throw new NothingChanged();
          const revoked = await repo.revokeSessionById(trx, row.id, now.toISOString(), reason);
          // A concurrent revocation committed first: it holds the event.
          if (!revoked) throw new NothingChanged();
          record({ action: 'sessions.session.revoked', org: revoked.org_id, targets: targetsOf(revoked), data: { userId: revoked.user_id, reason } });
        });
        return true;
      } catch (err) {
        if (err instanceof NothingChanged) return false;
        throw err;
      }
    },

    /**
     * Revokes every live session of a user (sign out everywhere, deprovisioning)
     * in one transaction with one ledger event per session; returns how many.
     * Sessions already revoked or expired are untouched.
     */
    async revokeAllForUser(ctx: CommandContext, userId: string, reason: string): Promise<number> {
      try {
        const { result } = await runner.run(ctx, async (scope) => {
          const count = await revokeAllForUserInScope(scope, userId, reason);
          // No live session: nothing to record, so nothing may be committed.
          if (count === 0) throw new NothingChanged();
          return count;
        });
        return result;
      } catch (err) {
        if (err instanceof NothingChanged) return 0;
        throw err;
      }
    },

    revokeAllForUserInScope,

    /** A user's sessions, newest first: live ones only, or all (history) with `includeEnded`. */
    async listForUser(userId: string, options: { includeEnded?: boolean } = {}): Promise<Session[]> {
      const now = clock.now();
      const rows = await repo.listSessionsByUserId(db, userId, now.toISOString(), options.includeEnded ?? false);
      return rows.map((row) => toSession(row, now));
    },

    /**
     * When each of `userIds` last signed in (their newest session's start, any state), for
     * those who ever did: every sign-in (password, passkey, SSO) opens a session, and ended
     * sessions stay as rows.
     */
    async lastSignInTimes(userIds: readonly string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (let i = 0; i < userIds.length; i += 500) {
        const rows = await db.selectFrom('sessions').select(['user_id', (eb) => eb.fn.max('created_at').as('last')]).where('user_id', 'in', userIds.slice(i, i + 500)).groupBy('user_id').execute();
        for (const r of rows) if (r.last) out.set(r.user_id, String(r.last));
      }
      return out;
    },

    /** One session by id (any state), or throws `session.not_found`. */
    async requireSession(sessionId: string): Promise<Session> {
      const row = await repo.findSessionById(db, sessionId);
      if (!row) throw new KeyledgerError('session.not_found', `no session with id "${sessionId}"`);
      return toSession(row, clock.now());
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
