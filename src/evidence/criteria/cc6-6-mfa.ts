import type { LedgerEvent } from '../../audit/event.ts';
import { DEFAULT_THROTTLE_TIMES } from '../../authn/lockout/ip-throttle.ts';
import { resolveRateLimitStore } from '../../platform/config.ts';
import type { Runtime } from '../../runtime.ts';
import type { CitedRow, Column, CollectorFactory, CriterionSection, EvidenceTable } from '../model.ts';
import { citesOf, inWindow, isoOrNull, percent, str, targetId, counted } from './evidence-values.ts';
import { privilegedFlagOf } from './privileged-access.ts';
import {
  ACTIVATED,
  buildLockoutRow,
  buildMfaAccountRow,
  buildPrivilegedPasskeyRow,
  FACTOR_ACTIONS,
  GRANTED,
  LOCKOUT_COLUMNS,
  LOCKOUT_ROW,
  LOGIN_SUCCEEDED,
  MEMBERSHIP_CREATED,
  MFA_ACCOUNT_COLUMNS,
  MFA_ACCOUNT_ROW,
  PRIVILEGED_PASSKEY_COLUMNS,
  PRIVILEGED_PASSKEY_ROW,
  usedMfa,
} from './cc6-6-mfa-rows.ts';

/**
 * CC6.6 — authentication: which members had MFA, whether the policy demanded
 * it, whether privileged users hold phishing-resistant passkeys, the locks
 * that failed sign-ins caused, and the lockout and rate-limit configuration.
 */

const MEMBERSHIP_DELETED = 'identity.membership.deleted';
const STATUS_CHANGED = 'identity.user.status_changed';
const LOCKED = 'authn.account.locked';
const UNLOCKED = 'authn.account.unlocked';
const ROLE_EVENTS = ['access.role.created', 'access.role.updated'];
const ENDS = ['access.assignment.revoked', 'access.assignment.expired', 'access.elevation.ended'];

interface Member {
  membership: LedgerEvent;
  leftAt: string | null;
  /** Status after the last change before the window start (active when none was recorded). */
  statusAtFrom: string;
  activatedInWindow: boolean;
}

interface Holding {
  start: LedgerEvent;
  privileged: boolean;
  marked?: LedgerEvent;
}

const SETTING_COLUMNS: Column[] = [
  { name: 'setting', description: 'What is configured.' },
  { name: 'value', description: 'Its value at export time.' },
  { name: 'source', description: 'Where the value comes from.' },
];
const setting = (name: string, value: string | number, source: string): CitedRow => ({ row: { setting: name, value, source }, cites: [] });

function configTables(rt: Runtime): EvidenceTable[] {
  const { lockout, rateLimit } = rt.config;
  const note = ' This is the configuration at export time, read from the running deployment (not from the ledger).';
  return [
    {
      name: 'lockout-policy',
      title: 'Account lockout policy',
      description: `When repeated failed sign-ins lock an account and for how long.${note}`,
      columns: SETTING_COLUMNS,
      rows: [
        setting('threshold_failures', lockout.threshold, 'KEYLEDGER_LOCKOUT_THRESHOLD (default 10)'),
        setting('window_minutes', lockout.windowMinutes, 'KEYLEDGER_LOCKOUT_WINDOW_MINUTES (default 15)'),
        setting('lock_duration_minutes', lockout.durationMinutes, 'KEYLEDGER_LOCKOUT_DURATION_MINUTES (default 15)'),
      ],
    },
    {
      name: 'rate-limits',
      title: 'Sign-in rate limits per address',
      description: `How much one IP address may fail before it is blocked (brute force and credential stuffing).${note}`,
      columns: SETTING_COLUMNS,
      rows: [
        setting('ip_failures_per_window', rateLimit.ipFailures, 'KEYLEDGER_RATE_LIMIT_IP_FAILURES (default 100)'),
        setting('ip_distinct_accounts_per_window', rateLimit.ipAccounts, 'KEYLEDGER_RATE_LIMIT_IP_ACCOUNTS (default 20)'),
        setting('backoff_after_failures', rateLimit.backoffAfter, 'KEYLEDGER_RATE_LIMIT_BACKOFF_AFTER (default 5)'),
        setting('window_seconds', DEFAULT_THROTTLE_TIMES.windowSeconds, 'src/authn/lockout/ip-throttle.ts'),
        setting('block_seconds', DEFAULT_THROTTLE_TIMES.blockSeconds, 'src/authn/lockout/ip-throttle.ts'),
        setting('max_backoff_seconds', DEFAULT_THROTTLE_TIMES.maxBackoffSeconds, 'src/authn/lockout/ip-throttle.ts'),
        setting('store', resolveRateLimitStore(rt.config, rt.database.dialect), 'KEYLEDGER_RATE_LIMIT_STORE, else by deployment (memory, postgres, redis)'),
      ],
    },
  ];
}

export const cc66Mfa: CollectorFactory = (ctx, rt) => {
  const { params } = ctx;
  const from = Date.parse(params.from);
  const members = new Map<string, Member>();
  /** Status of every user seen, for members joining later. */
  const statuses = new Map<string, string>();
  const factorEvents = new Map<string, LedgerEvent[]>();
  const lastLogin = new Map<string, LedgerEvent>();
  const lastMfaLogin = new Map<string, LedgerEvent>();
  const locks: LedgerEvent[] = [];
  const holdings = new Map<string, Holding>();
  const privilegedRoles = new Map<string, LedgerEvent>();

  const userOf = (e: LedgerEvent) => str(e, 'userId') ?? targetId(e, 'user');

  function addFactor(e: LedgerEvent, userId: string): void {
    const list = factorEvents.get(userId) ?? [];
    // Only the latest use of a recovery code matters (it says how many remain).
    if (e.action === 'authn.recovery_code.used' && list.at(-1)?.action === 'authn.recovery_code.used') list.pop();
    list.push(e);
    factorEvents.set(userId, list);
  }

  return {
    actions: [MEMBERSHIP_CREATED, MEMBERSHIP_DELETED, STATUS_CHANGED, LOGIN_SUCCEEDED, LOCKED, UNLOCKED, GRANTED, ACTIVATED, ...ENDS, ...ROLE_EVENTS, ...FACTOR_ACTIONS],
    add(event) {
      const time = Date.parse(event.time);
      const userId = userOf(event);
      switch (event.action) {
        case MEMBERSHIP_CREATED:
          if (event.org === ctx.org.id && userId) members.set(userId, { membership: event, leftAt: null, statusAtFrom: statuses.get(userId) ?? 'active', activatedInWindow: false });
          return;
        case MEMBERSHIP_DELETED: {
          const m = event.org === ctx.org.id && userId ? members.get(userId) : undefined;
          if (m) m.leftAt = event.time;
          return;
        }
        case STATUS_CHANGED: {
          const after = String((event.data as { after?: unknown }).after ?? '');
          if (!userId) return;
          if (time < from) statuses.set(userId, after);
          const m = members.get(userId);
          if (!m) return;
          if (time < from) m.statusAtFrom = after;
          else if (after === 'active') m.activatedInWindow = true;
          return;
        }
        case LOGIN_SUCCEEDED:
          if (!userId) return;
          lastLogin.set(userId, event);
          if (usedMfa(event)) lastMfaLogin.set(userId, event);
          return;
        case LOCKED:
        case UNLOCKED:
          if (inWindow(event.time, params)) locks.push(event);
          return;
      }
      if ((FACTOR_ACTIONS as readonly string[]).includes(event.action)) {
        if (userId) addFactor(event, userId);
        return;
      }
      if (event.org !== ctx.org.id) return;
      if (ROLE_EVENTS.includes(event.action)) {
        const roleId = targetId(event, 'role');
        const flag = privilegedFlagOf(event);
        if (!roleId || flag === undefined) return;
        if (!flag) return void privilegedRoles.delete(roleId);
        privilegedRoles.set(roleId, event);
        for (const h of holdings.values()) if (!h.privileged && str(h.start, 'roleId') === roleId) Object.assign(h, { privileged: true, marked: event });
        return;
      }
      if (event.action === GRANTED || event.action === ACTIVATED) {
        const id = event.action === GRANTED ? targetId(event, 'role_assignment') : str(event, 'assignmentId');
        if (!id || (event.action === GRANTED && event.data.principalType !== 'user')) return;
        const roleEvent = privilegedRoles.get(str(event, 'roleId') ?? '');
        const byGrant = event.data.privileged === true;
        holdings.set(id, { start: event, privileged: byGrant || roleEvent !== undefined, ...(!byGrant && roleEvent ? { marked: roleEvent } : {}) });
        return;
      }
      // An end of an assignment or activation.
      holdings.delete(str(event, 'assignmentId') ?? targetId(event, 'role_assignment') ?? '');
    },
    async finish(): Promise<CriterionSection> {
      const accounts: CitedRow[] = [];
      for (const [userId, m] of members) {
        const overlaps = Date.parse(m.membership.time) < Date.parse(params.to) && (m.leftAt === null || Date.parse(m.leftAt) >= from);
        if (!overlaps || (m.statusAtFrom !== 'active' && !m.activatedInWindow)) continue;
        const cited = [m.membership, ...(factorEvents.get(userId) ?? []), lastMfaLogin.get(userId), lastLogin.get(userId)];
        const events = cited.filter((e): e is LedgerEvent => e !== undefined).sort((a, b) => a.seq - b.seq);
        accounts.push({ row: buildMfaAccountRow([...new Set(events)], params), cites: citesOf(cited) });
      }
      accounts.sort((a, b) => String(a.row.email).localeCompare(String(b.row.email)));

      const lockouts = locks.filter((e) => members.has(str(e, 'userId') ?? '')).map((e) => ({ row: buildLockoutRow([e], params), cites: [e.id] }));

      const byUser = new Map<string, LedgerEvent[]>();
      for (const h of holdings.values()) {
        const expiresAt = isoOrNull(h.start.data.expiresAt);
        if (!h.privileged || (expiresAt && Date.parse(expiresAt) <= Date.parse(params.to))) continue;
        const userId = str(h.start, 'principalId') ?? '';
        byUser.set(userId, [...(byUser.get(userId) ?? []), h.start, ...(h.marked ? [h.marked] : [])]);
      }
      const privileged: CitedRow[] = [];
      for (const [userId, grants] of byUser) {
        const passkeyEvents = (factorEvents.get(userId) ?? []).filter((e) => e.action === 'authn.passkey.registered' || e.action === 'authn.passkey.removed');
        const cited = [...new Set([...grants, ...passkeyEvents])].sort((a, b) => a.seq - b.seq);
        privileged.push({ row: buildPrivilegedPasskeyRow(cited, params), cites: citesOf(cited) });
      }
      privileged.sort((a, b) => String(a.row.email).localeCompare(String(b.row.email)));
      return mfaSection(rt, accounts, lockouts, privileged);
    },
  };
};

function mfaSection(rt: Runtime, accounts: CitedRow[], lockouts: CitedRow[], privileged: CitedRow[]): CriterionSection {
  const enabled = accounts.filter((r) => r.row.mfa_enabled === true).length;
  const missing = accounts.filter((r) => r.row.required_but_missing === true).length;
  const withPasskey = privileged.filter((r) => r.row.has_passkey === true).length;
  const lacking = privileged.length - withPasskey;
  const attention = missing > 0 || lacking > 0;
  return {
    id: 'CC6.6',
    title: 'CC6.6 — Authentication and multi-factor',
    summary: 'The entity authenticates users with multiple factors where its policy requires, protects privileged access with phishing-resistant authenticators, and limits repeated failed sign-ins.',
    status: attention ? 'attention' : 'pass',
    headline: attention
      ? `${[missing > 0 ? `${counted(missing, 'member')} required to use MFA had no second factor` : '', lacking > 0 ? `${lacking} of ${counted(privileged.length, 'privileged user')} had no passkey` : ''].filter(Boolean).join(', and ')}.`
      : `${enabled} of ${counted(accounts.length, 'member')} had MFA enrolled, every member required to use it did, and ${privileged.length === 0 ? 'no member held a privileged role' : `every privileged user (${privileged.length}) had a passkey`}.`,
    facts: [
      { label: 'Members active in the window', value: accounts.length },
      { label: 'Members with MFA enrolled', value: enabled },
      { label: 'MFA coverage (percent)', value: percent(enabled, accounts.length) },
      { label: 'Required MFA but none enrolled', value: missing, ...(missing > 0 ? { attention: true } : {}) },
      { label: 'Privileged users at window end', value: privileged.length },
      { label: 'Privileged users with a passkey (percent)', value: percent(withPasskey, privileged.length), ...(lacking > 0 ? { attention: true } : {}) },
      { label: 'Account locks and unlocks in the window', value: lockouts.length },
    ],
    tables: [
      {
        name: 'mfa-accounts',
        title: 'Members and their authentication factors',
        description:
          'Every member of the organization active at any time in the window, with the factors enrolled at the window end (replayed from the cited enrollment and removal events), the last sign-in that proved a second factor or a passkey, and the MFA level the organization and role policy demanded as recorded by the member’s last sign-in. Sample members and check that a member required to use MFA has a factor.',
        columns: MFA_ACCOUNT_COLUMNS,
        rows: accounts,
        recompute: MFA_ACCOUNT_ROW,
        sampleKey: 'user_id',
      },
      ...configTables(rt),
      {
        name: 'lockouts',
        title: 'Account locks and unlocks',
        description: 'Every lock of a member’s account after repeated failed sign-ins in the window, and every early unlock (by an administrator or the emailed link).',
        columns: LOCKOUT_COLUMNS,
        rows: lockouts,
        recompute: LOCKOUT_ROW,
      },
      {
        name: 'privileged-phishing-resistant',
        title: 'Privileged users and phishing-resistant authenticators',
        description: 'Every user holding a privileged role at the window end (from the cited grants and activations, and the role event that made a role privileged), with the passkeys they had registered. A privileged user without a passkey can be phished.',
        columns: PRIVILEGED_PASSKEY_COLUMNS,
        rows: privileged,
        recompute: PRIVILEGED_PASSKEY_ROW,
        sampleKey: 'user_id',
      },
    ],
    charts: [],
    attachments: [],
  };
}
