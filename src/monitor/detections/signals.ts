import type { LedgerEvent } from '../../audit/event.ts';
import type { DetectionSignalsTable } from '../../platform/schema-detections.ts';
import type { GeoLocator } from './geo.ts';

/**
 * What the rules remember of a ledger event: which kind of fact it is, whose
 * account, from where. Pure: the same event always gives the same signal.
 *
 * - `login_failed`: a refused password sign-in (`authn.login.failed`, method password, any reason);
 * - `session_failed`: a refused re-authentication or step-up inside a session;
 * - `factor_failed`: a refused second factor (`authn.login.failed` with method totp, recovery_code or passkey, naming a user);
 * - `login_succeeded`, `recovery` (reset completed, recovery code used, factors reset by an administrator),
 *   `factor_changed` (TOTP enrolled or removed, passkey registered or removed).
 */
export type SignalKind = 'login_failed' | 'session_failed' | 'factor_failed' | 'login_succeeded' | 'recovery' | 'factor_changed';

export type Signal = DetectionSignalsTable & { kind: SignalKind };

const RECOVERY = new Set(['authn.password_reset.completed', 'authn.recovery_code.used', 'authn.factors.reset']);
const FACTOR_CHANGES = new Set(['authn.totp.enrolled', 'authn.totp.removed', 'authn.passkey.registered', 'authn.passkey.removed']);

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The account a failure names: the user, or `email:<address>` when no account has the address. */
export function accountKey(userId: string | null, email: string | null): string | null {
  return userId ?? (email ? `email:${email}` : null);
}

/** The signal of `event`, or null when no rule looks at it. */
export function signalOf(event: LedgerEvent, geo: GeoLocator | null): Signal | null {
  const d = event.data;
  const userId = str(d.userId);
  const base = { event_id: event.id, seq: event.seq, time: event.time, user_id: userId, ip: event.context.ip ?? null, user_agent: event.context.userAgent ?? null, org_id: event.org, latitude: null, longitude: null, country: null };
  if (event.action === 'authn.login.failed') {
    if (d.method === 'password') return { ...base, kind: 'login_failed', account: accountKey(userId, str(d.email)) };
    return userId ? { ...base, kind: 'factor_failed', account: userId } : null;
  }
  if (event.action === 'authn.reauthentication.failed' || event.action === 'authn.step_up.failed') return userId ? { ...base, kind: 'session_failed', account: userId } : null;
  if (event.action === 'authn.login.succeeded' && userId) {
    const point = geo && base.ip ? geo(base.ip) : null;
    return { ...base, kind: 'login_succeeded', account: userId, latitude: point?.latitude ?? null, longitude: point?.longitude ?? null, country: point?.country ?? null };
  }
  if (RECOVERY.has(event.action) && userId) return { ...base, kind: 'recovery', account: userId };
  if (FACTOR_CHANGES.has(event.action) && userId) return { ...base, kind: 'factor_changed', account: userId };
  return null;
}
