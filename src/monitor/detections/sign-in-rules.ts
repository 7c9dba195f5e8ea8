import { MINUTE_MS, before, cite, type DetectionRule, type RuleContext, type RuleMatch } from './rule.ts';
import type { SignalKind } from './signals.ts';

/**
 * The rules over failed sign-ins: brute force (one account), credential
 * stuffing and password spraying (one source address), MFA fatigue (one
 * account's second factor). Each counts stored signals in a sliding window
 * ending at the event being scanned (never later events: a replay gives the
 * same answer).
 */

const FAILED_SIGN_IN = ['authn.login.failed', 'authn.reauthentication.failed', 'authn.step_up.failed'];

/** Signals of `kinds` with `column` = `value` in the window ending at the scanned event. */
function windowed(ctx: RuleContext, kinds: SignalKind[], column: 'account' | 'ip' | 'user_id', value: string, windowMinutes: number) {
  return ctx.trx
    .selectFrom('detection_signals')
    .selectAll()
    .where('kind', 'in', kinds)
    .where(column, '=', value)
    .where('time', '>', before(ctx.event.time, windowMinutes * MINUTE_MS))
    .where('seq', '<=', ctx.event.seq)
    .orderBy('seq')
    .execute();
}

/** ≥ threshold failed sign-ins (password, re-authentication, step-up) against one account within the window, from anywhere. */
export const bruteForce: DetectionRule = {
  name: 'brute_force',
  severity: 'high',
  description: 'Many failed sign-ins against one account (password step, re-authentication or step-up), from any address: password guessing.',
  events: FAILED_SIGN_IN,
  thresholds: (s) => ({ ...s.bruteForce }),
  async evaluate(ctx) {
    const { signal, settings } = ctx;
    const t = settings.bruteForce;
    if (!signal?.account || (signal.kind !== 'login_failed' && signal.kind !== 'session_failed')) return null;
    const rows = await windowed(ctx, ['login_failed', 'session_failed'], 'account', signal.account, t.windowMinutes);
    if (rows.length < t.threshold) return null;
    const ips = [...new Set(rows.map((r) => r.ip).filter((ip): ip is string => ip !== null))];
    return { rule: 'brute_force', severity: 'high', subjectType: 'account', subject: signal.account, windowMs: t.windowMinutes * MINUTE_MS, events: rows.map(cite), details: { failures: rows.length, sourceIps: ips, thresholds: t } };
  },
};

/** ≥ accounts distinct accounts (existing or not) failing the password step from one address within the window. */
export const credentialStuffing: DetectionRule = {
  name: 'credential_stuffing',
  severity: 'high',
  description: 'Failed password sign-ins against many distinct accounts from one address in a short window (accounts that do not exist count, as `email:<address>`): a list of leaked credentials replayed.',
  events: ['authn.login.failed'],
  thresholds: (s) => ({ ...s.credentialStuffing }),
  async evaluate(ctx) {
    const { signal, settings } = ctx;
    const t = settings.credentialStuffing;
    if (signal?.kind !== 'login_failed' || !signal.ip) return null;
    const rows = await windowed(ctx, ['login_failed'], 'ip', signal.ip, t.windowMinutes);
    const accounts = new Set(rows.map((r) => r.account).filter((a) => a !== null));
    if (accounts.size < t.accounts) return null;
    const unknown = [...accounts].filter((a) => a!.startsWith('email:')).length;
    return { rule: 'credential_stuffing', severity: 'high', subjectType: 'ip', subject: signal.ip, windowMs: t.windowMinutes * MINUTE_MS, events: rows.map(cite), details: { accounts: accounts.size, unknownAccounts: unknown, failures: rows.length, thresholds: t } };
  },
};

/**
 * ≥ accounts distinct existing accounts, each failing at most maxPerAccount times, from one address within the
 * window, spread over at least minSpreadMinutes, while the address has no open credential_stuffing alert:
 * one common password tried low and slow across real usernames. Faster is stuffing's business.
 */
export const passwordSpraying: DetectionRule = {
  name: 'password_spraying',
  severity: 'medium',
  description: 'One address trying a few passwords each (at most maxPerAccount) against many existing accounts, slowly (spread over minSpreadMinutes or more) — not already a credential-stuffing source.',
  events: ['authn.login.failed'],
  thresholds: (s) => ({ ...s.passwordSpraying }),
  async evaluate(ctx) {
    const { signal, settings } = ctx;
    const t = settings.passwordSpraying;
    if (signal?.kind !== 'login_failed' || !signal.ip || !signal.user_id) return null;
    const rows = (await windowed(ctx, ['login_failed'], 'ip', signal.ip, t.windowMinutes)).filter((r) => r.user_id !== null);
    const perAccount = new Map<string, number>();
    for (const r of rows) perAccount.set(r.account!, (perAccount.get(r.account!) ?? 0) + 1);
    const sprayed = rows.filter((r) => perAccount.get(r.account!)! <= t.maxPerAccount);
    const accounts = new Set(sprayed.map((r) => r.account));
    if (accounts.size < t.accounts || !perAccount.has(signal.account!) || perAccount.get(signal.account!)! > t.maxPerAccount) return null;
    const spreadMs = Date.parse(sprayed[sprayed.length - 1].time) - Date.parse(sprayed[0].time);
    if (spreadMs < t.minSpreadMinutes * MINUTE_MS) return null;
    if (await ctx.hasOpenAlert('credential_stuffing', signal.ip, before(ctx.event.time, t.windowMinutes * MINUTE_MS))) return null;
    return { rule: 'password_spraying', severity: 'medium', subjectType: 'ip', subject: signal.ip, windowMs: t.windowMinutes * MINUTE_MS, events: sprayed.map(cite), details: { accounts: accounts.size, failures: sprayed.length, spreadMinutes: Math.round(spreadMs / MINUTE_MS), thresholds: t } } satisfies RuleMatch;
  },
};

/** ≥ threshold refused second factors (TOTP, recovery code, passkey) for one account within the window. */
export const mfaFatigue: DetectionRule = {
  name: 'mfa_fatigue',
  severity: 'high',
  description: 'Many refused second factors for one account: someone who has the password keeps trying codes. Keyledger sends no push prompts, so this counts refused factor checks, not prompts a user dismissed.',
  events: ['authn.login.failed'],
  thresholds: (s) => ({ ...s.mfaFatigue }),
  async evaluate(ctx) {
    const { signal, settings } = ctx;
    const t = settings.mfaFatigue;
    if (signal?.kind !== 'factor_failed' || !signal.user_id) return null;
    const rows = await windowed(ctx, ['factor_failed'], 'user_id', signal.user_id, t.windowMinutes);
    if (rows.length < t.threshold) return null;
    const ips = [...new Set(rows.map((r) => r.ip).filter((ip): ip is string => ip !== null))];
    return { rule: 'mfa_fatigue', severity: 'high', subjectType: 'account', subject: signal.user_id, windowMs: t.windowMinutes * MINUTE_MS, events: rows.map(cite), details: { failures: rows.length, sourceIps: ips, thresholds: t } };
  },
};
