import { KeyledgerError } from '../platform/errors.ts';
import type { SessionRow } from '../platform/schema.ts';

/** Why a session is not (or no longer) usable; `active` when it is. */
export type SessionState = 'active' | 'revoked' | 'idle_expired' | 'absolute_expired';

/** A session as callers see it: never the token or its hash. */
export interface Session {
  id: string;
  userId: string;
  orgId: string | null;
  amr: string[];
  acr: string;
  authTime: string;
  createdAt: string;
  lastSeenAt: string;
  idleTimeoutSeconds: number;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
  ip: string | null;
  userAgent: string | null;
  stepUpAt: string | null;
  /** The state at the time the session was read. */
  state: SessionState;
}

/**
 * RFC 8176 "Authentication Method Reference Values" (IANA registry), plus
 * `fed`: a sign-in federated to an organization's identity provider (the value
 * Microsoft Entra ID emits for the same thing). Only these are accepted, so a
 * typo ("otp " or "TOTP") cannot enter the ledger as a method.
 */
export const AMR_VALUES: ReadonlySet<string> = new Set([
  'face', 'fed', 'fpt', 'geo', 'hwk', 'iris', 'kba', 'mca', 'mfa', 'otp', 'pin', 'pop', 'pwd', 'rba', 'retina', 'sc', 'sms', 'swk', 'tel', 'user', 'vbm', 'wia',
]);

/** Returns `amr` without duplicates, in first-seen order; throws `session.amr_invalid` unless it is a non-empty list of RFC 8176 values. */
export function checkAmr(amr: unknown): string[] {
  // A session without a recorded method would leave evidence unable to say how the user signed in.
  if (!Array.isArray(amr) || amr.length === 0) throw new KeyledgerError('session.amr_invalid', `amr must be a non-empty array of RFC 8176 values, got ${JSON.stringify(amr)}`);
  const unknown = amr.filter((m) => typeof m !== 'string' || !AMR_VALUES.has(m));
  // Unregistered values would be meaningless to relying parties reading the amr claim.
  if (unknown.length > 0) throw new KeyledgerError('session.amr_invalid', `amr has value(s) outside RFC 8176: ${JSON.stringify(unknown)}`, { unknown });
  return [...new Set(amr as string[])];
}

/** The union of two amr lists, existing methods first. */
export function mergeAmr(existing: readonly string[], added: readonly string[]): string[] {
  return [...new Set([...existing, ...added])];
}

/**
 * The state of a session row at `now`. Revocation wins over expiry, and the
 * absolute limit over the idle one; a session is expired at (not after) its
 * expiry instant.
 */
export function sessionState(row: Pick<SessionRow, 'revoked_at' | 'idle_expires_at' | 'absolute_expires_at'>, now: Date): SessionState {
  const t = now.getTime();
  if (row.revoked_at !== null) return 'revoked';
  if (t >= Date.parse(row.absolute_expires_at)) return 'absolute_expired';
  if (t >= Date.parse(row.idle_expires_at)) return 'idle_expired';
  return 'active';
}

/** The caller's view of a stored session row, with its state at `now`. */
export function toSession(row: SessionRow, now: Date): Session {
  return {
    id: row.id,
    userId: row.user_id,
    orgId: row.org_id,
    amr: JSON.parse(row.amr) as string[],
    acr: row.acr,
    authTime: row.auth_time,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleTimeoutSeconds: Number(row.idle_timeout_seconds),
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    revokedAt: row.revoked_at,
    revokeReason: row.revoke_reason,
    ip: row.ip,
    userAgent: row.user_agent,
    stepUpAt: row.step_up_at,
    state: sessionState(row, now),
  };
}

/**
 * True when a factor was proven within the last `freshnessSeconds` before
 * `now`: at sign-in (`authTime`) or at the latest step-up (`stepUpAt`). For
 * sensitive actions (change password, approve access, reveal a secret) that
 * must not rest on a sign-in from hours ago. Requires `freshnessSeconds` >= 0;
 * a proof stamped in the future (clock skew between nodes) counts as fresh.
 * Does not check that the session is live; `validate` does that.
 */
export function isFresh(session: Pick<Session, 'authTime' | 'stepUpAt'>, now: Date, freshnessSeconds: number): boolean {
  // A negative window would make every session stale, hiding a caller's arithmetic bug as "step up again".
  if (!(freshnessSeconds >= 0)) throw new RangeError(`freshnessSeconds must be >= 0, got ${freshnessSeconds}`);
  const proven = Math.max(Date.parse(session.authTime), session.stepUpAt ? Date.parse(session.stepUpAt) : -Infinity);
  return now.getTime() - proven <= freshnessSeconds * 1000;
}
