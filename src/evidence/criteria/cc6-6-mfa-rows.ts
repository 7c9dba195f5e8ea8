import type { LedgerEvent } from '../../audit/event.ts';
import type { Column, Row, RowBuilder } from '../model.ts';
import { str, targetDisplay } from './evidence-values.ts';

/**
 * The row builders of CC6.6 (pure): an account's factors replayed from its
 * cited factor events, a lock or unlock, and a privileged user's passkeys.
 */

export const MFA_ACCOUNT_ROW = 'cc6.6.mfa-account';
export const LOCKOUT_ROW = 'cc6.6.lockout';
export const PRIVILEGED_PASSKEY_ROW = 'cc6.6.privileged-passkey';

/** Factor lifecycle events replayed to know what a user has enrolled. */
export const FACTOR_ACTIONS = ['authn.totp.enrolled', 'authn.totp.removed', 'authn.passkey.registered', 'authn.passkey.removed', 'authn.factors.reset', 'authn.recovery_codes.generated', 'authn.recovery_code.used'] as const;
export const LOGIN_SUCCEEDED = 'authn.login.succeeded';
export const MEMBERSHIP_CREATED = 'identity.membership.created';
export const GRANTED = 'access.assignment.granted';
export const ACTIVATED = 'access.elevation.activated';
/** Authentication methods (RFC 8176) that prove a factor beyond the password. */
const MFA_AMR = new Set(['otp', 'hwk', 'swk', 'mfa', 'sms', 'fpt', 'face']);

export const MFA_ACCOUNT_COLUMNS: Column[] = [
  { name: 'user_id', description: 'Keyledger user id of the member.' },
  { name: 'email', description: 'Email address when the user joined the organization.' },
  { name: 'totp_factors', description: 'Active TOTP authenticators at the window end.' },
  { name: 'passkeys', description: 'Registered passkeys at the window end.' },
  { name: 'recovery_codes_remaining', description: 'Unused recovery codes at the window end.' },
  { name: 'mfa_enabled', description: 'true when a TOTP authenticator or a passkey is enrolled at the window end.' },
  { name: 'first_enrolled_at', description: 'When the first TOTP authenticator or passkey was enrolled, or empty.' },
  { name: 'last_mfa_use', description: 'The last completed sign-in (before the window end) that proved a second factor or a passkey, or empty.' },
  { name: 'last_mfa_methods', description: 'The authentication methods of that sign-in (RFC 8176 amr, space separated).' },
  { name: 'last_sign_in', description: 'The last completed sign-in before the window end, or empty.' },
  { name: 'mfa_required', description: 'The MFA level the organization and role policy demanded at the last sign-in (optional, required, phishing_resistant), as recorded by that sign-in; empty when the member did not sign in.' },
  { name: 'required_but_missing', description: 'true when a level above optional was demanded and no TOTP authenticator or passkey is enrolled at the window end.' },
];

export const LOCKOUT_COLUMNS: Column[] = [
  { name: 'lock_id', description: 'The lock.' },
  { name: 'user_id', description: 'The account locked or unlocked.' },
  { name: 'event', description: 'locked or unlocked.' },
  { name: 'at', description: 'When (RFC 3339).' },
  { name: 'failures', description: 'Failed sign-ins counted in the window that caused the lock.' },
  { name: 'locked_until', description: 'When the lock ends by itself.' },
  { name: 'unlock_method', description: 'admin or email (the emailed link), for an unlock.' },
  { name: 'unlock_reason', description: 'The reason an administrator gave, for an unlock.' },
];

export const PRIVILEGED_PASSKEY_COLUMNS: Column[] = [
  { name: 'user_id', description: 'A user holding a privileged role at the window end.' },
  { name: 'email', description: 'Their email address as the grant event gives it.' },
  { name: 'privileged_roles', description: 'The privileged roles held at the window end (space separated).' },
  { name: 'passkeys', description: 'Passkeys registered at the window end (phishing-resistant authenticators).' },
  { name: 'has_passkey', description: 'true when at least one passkey is registered.' },
];

interface FactorState {
  totp: Set<string>;
  passkeys: Set<string>;
  recovery: number;
  firstEnrolledAt: string | null;
}

/** Replays factor events in ledger order. */
export function replayFactors(events: readonly LedgerEvent[]): FactorState {
  const s: FactorState = { totp: new Set(), passkeys: new Set(), recovery: 0, firstEnrolledAt: null };
  for (const e of events) {
    switch (e.action) {
      case 'authn.totp.enrolled':
        s.totp.add(str(e, 'factorId') ?? e.id);
        s.firstEnrolledAt ??= e.time;
        break;
      case 'authn.totp.removed':
        s.totp.delete(str(e, 'factorId') ?? '');
        break;
      case 'authn.passkey.registered':
        s.passkeys.add(str(e, 'passkeyId') ?? e.id);
        s.firstEnrolledAt ??= e.time;
        break;
      case 'authn.passkey.removed':
        s.passkeys.delete(str(e, 'passkeyId') ?? '');
        break;
      case 'authn.factors.reset':
        s.totp.clear();
        s.recovery = 0;
        break;
      case 'authn.recovery_codes.generated':
        s.recovery = typeof e.data.count === 'number' ? e.data.count : 0;
        break;
      case 'authn.recovery_code.used':
        s.recovery = typeof e.data.remaining === 'number' ? e.data.remaining : s.recovery;
        break;
    }
  }
  return s;
}

/** The methods a sign-in proved, or [] when it records none. */
export function amrOf(event: LedgerEvent): string[] {
  return Array.isArray(event.data.amr) ? event.data.amr.map(String) : [];
}

/** True when a completed sign-in proved more than a password. */
export function usedMfa(event: LedgerEvent): boolean {
  return amrOf(event).some((m) => MFA_AMR.has(m));
}

/** The MFA level a sign-in recorded as demanded of the user, or null. */
export function requiredLevelOf(event: LedgerEvent | undefined): string | null {
  const mfa = event?.data.mfa as { level?: unknown } | null | undefined;
  return typeof mfa?.level === 'string' ? mfa.level : null;
}

/**
 * One member (pure). Cited: their membership event, their factor events, their
 * last sign-in and their last sign-in with a second factor.
 */
export const buildMfaAccountRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const membership = cited.find((e) => e.action === MEMBERSHIP_CREATED);
  const factors = replayFactors(cited.filter((e) => (FACTOR_ACTIONS as readonly string[]).includes(e.action)));
  const logins = cited.filter((e) => e.action === LOGIN_SUCCEEDED);
  const last = logins.at(-1);
  const lastMfa = logins.filter(usedMfa).at(-1);
  const enabled = factors.totp.size > 0 || factors.passkeys.size > 0;
  const required = requiredLevelOf(last);
  return {
    user_id: str(membership, 'userId'),
    email: str(membership, 'email'),
    totp_factors: factors.totp.size,
    passkeys: factors.passkeys.size,
    recovery_codes_remaining: factors.recovery,
    mfa_enabled: enabled,
    first_enrolled_at: factors.firstEnrolledAt,
    last_mfa_use: lastMfa?.time ?? null,
    last_mfa_methods: lastMfa ? amrOf(lastMfa).join(' ') : null,
    last_sign_in: last?.time ?? null,
    mfa_required: required,
    required_but_missing: required !== null && required !== 'optional' && !enabled,
  };
};

/** One lock or unlock (pure). Cited: that event. */
export const buildLockoutRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const e = cited[0];
  const locked = e.action === 'authn.account.locked';
  return {
    lock_id: str(e, 'lockId'),
    user_id: str(e, 'userId'),
    event: locked ? 'locked' : 'unlocked',
    at: e.time,
    failures: locked && typeof e.data.failures === 'number' ? e.data.failures : null,
    locked_until: locked ? str(e, 'lockedUntil') : null,
    unlock_method: locked ? null : str(e, 'method'),
    unlock_reason: locked ? null : str(e, 'reason'),
  };
};

/**
 * One privileged user (pure). Cited: the grants and activations of privileged
 * roles they hold at the window end (and the role events that made a role
 * privileged), and their passkey events.
 */
export const buildPrivilegedPasskeyRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const grants = cited.filter((e) => e.action === GRANTED || e.action === ACTIVATED);
  const factors = replayFactors(cited.filter((e) => e.action === 'authn.passkey.registered' || e.action === 'authn.passkey.removed'));
  const roles = [...new Set(grants.map((g) => str(g, 'roleKey') ?? ''))].sort();
  return {
    user_id: str(grants[0], 'principalId'),
    email: grants.map((g) => targetDisplay(g, 'user')).find((d) => d !== null) ?? null,
    privileged_roles: roles.join(' '),
    passkeys: factors.passkeys.size,
    has_passkey: factors.passkeys.size > 0,
  };
};

export const CC6_6_ROW_BUILDERS: Record<string, RowBuilder> = {
  [MFA_ACCOUNT_ROW]: buildMfaAccountRow,
  [LOCKOUT_ROW]: buildLockoutRow,
  [PRIVILEGED_PASSKEY_ROW]: buildPrivilegedPasskeyRow,
};
