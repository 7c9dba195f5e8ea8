import type { LedgerEvent } from '../../audit/event.ts';
import type { CitedRow, Column, CollectorFactory, CriterionSection, EvidenceParameters, Row, RowBuilder } from '../model.ts';
import { actorLabel, citesOf, inWindow, isoOrNull, num, quantile, str, targetDisplay, targetId } from './evidence-values.ts';

/**
 * Privileged access: who held a privileged role in the window and how
 * (standing, time-bound or just in time), and every just-in-time activation
 * with its justification and how long it really lasted, from the access
 * events (`access.assignment.*`, `access.elevation.*`, `access.role.*`).
 */

const GRANTED = 'access.assignment.granted';
const REVOKED = 'access.assignment.revoked';
const EXPIRED = 'access.assignment.expired';
const ACTIVATED = 'access.elevation.activated';
const ENDED = 'access.elevation.ended';
const ROLE_CREATED = 'access.role.created';
const ROLE_UPDATED = 'access.role.updated';

export const PRIVILEGED_PRINCIPAL_ROW = 'privileged-access.principal';
export const JIT_ACTIVATION_ROW = 'privileged-access.activation';

export const PRINCIPAL_COLUMNS: Column[] = [
  { name: 'assignment_id', description: 'The role assignment (or just-in-time activation).' },
  { name: 'principal_type', description: 'user or service_account.' },
  { name: 'principal_id', description: 'Who held the role.' },
  { name: 'principal', description: 'Their email or name when the event gives it.' },
  { name: 'role_key', description: 'The privileged role.' },
  { name: 'kind', description: 'standing (no end date), time_bound (an expiry set at grant) or jit (a just-in-time activation).' },
  { name: 'granted_at', description: 'When the assignment took effect (RFC 3339).' },
  { name: 'granted_by', description: 'The actor who granted it (type:id (name)); for an activation, who activated it.' },
  { name: 'approval_ref', description: 'The approval or approved request that authorized it, or empty.' },
  { name: 'expires_at', description: 'When it was set to end by itself, or empty.' },
  { name: 'ended_at', description: 'When it ended (revoked, expired, deactivated) before the window end, or empty while held.' },
  { name: 'ended_how', description: 'revoked, expired, deactivated, principal_left, or empty while held.' },
  { name: 'held_at_window_end', description: 'true when the principal still held the role at the window end.' },
];

export const ACTIVATION_COLUMNS: Column[] = [
  { name: 'assignment_id', description: 'The activation (a role assignment of kind activation).' },
  { name: 'user_id', description: 'Who activated the role.' },
  { name: 'email', description: 'Their email address as the activation event gives it.' },
  { name: 'role_key', description: 'The role activated.' },
  { name: 'privileged', description: 'Whether the role was privileged at activation.' },
  { name: 'justification', description: 'The reason the user gave.' },
  { name: 'requested_minutes', description: 'The duration asked for, in minutes.' },
  { name: 'activated_at', description: 'When the activation started (RFC 3339).' },
  { name: 'expires_at', description: 'When it was due to end by itself.' },
  { name: 'ended_at', description: 'When it ended, or empty while active at the window end.' },
  { name: 'actual_seconds', description: 'Seconds from activation to its end (to its expiry when it ran out unnoticed before the window end); empty while active.' },
  { name: 'ended_how', description: 'expired, early (deactivated by the user), revoked (by an administrator), principal_left, or empty while active.' },
  { name: 'exceeded_requested', description: 'true when it lasted longer than the duration asked for.' },
  { name: 'approval_ref', description: 'The approved request that started it, or empty when it started directly (eligibility with a phishing-resistant step-up).' },
  { name: 'session_amr', description: 'The authentication methods of the session it started from, space separated, or empty.' },
];

/** When and how an assignment ended, from its end event (or its expiry when that passed before `to`). */
function endOf(start: LedgerEvent, end: LedgerEvent | undefined, to: string): { endedAt: string | null; how: string | null } {
  if (end?.action === REVOKED) return { endedAt: end.time, how: 'revoked' };
  if (end?.action === EXPIRED) return { endedAt: isoOrNull(end.data.expiredAt) ?? end.time, how: 'expired' };
  if (end?.action === ENDED) return { endedAt: isoOrNull(end.data.endedAt) ?? end.time, how: str(end, 'reason') };
  const expiresAt = isoOrNull(start.data.expiresAt);
  if (expiresAt && Date.parse(expiresAt) <= Date.parse(to)) return { endedAt: expiresAt, how: 'expired' };
  return { endedAt: null, how: null };
}

/** One holder of a privileged role (pure). Cited: the grant or activation, its end event, and the role event that made the role privileged after the grant. */
export const buildPrivilegedPrincipalRow: RowBuilder = (cited: LedgerEvent[], params: EvidenceParameters): Row => {
  const start = cited.find((e) => e.action === GRANTED || e.action === ACTIVATED)!;
  const end = cited.find((e) => e.action === REVOKED || e.action === EXPIRED || e.action === ENDED);
  const jit = start.action === ACTIVATED;
  const expiresAt = isoOrNull(start.data.expiresAt);
  const { endedAt, how } = endOf(start, end, params.to);
  return {
    assignment_id: jit ? str(start, 'assignmentId') : targetId(start, 'role_assignment'),
    principal_type: jit ? 'user' : str(start, 'principalType'),
    principal_id: str(start, 'principalId'),
    principal: targetDisplay(start, jit ? 'user' : (str(start, 'principalType') ?? 'user')),
    role_key: str(start, 'roleKey'),
    kind: jit ? 'jit' : expiresAt ? 'time_bound' : 'standing',
    granted_at: start.time,
    granted_by: actorLabel(start.actor),
    approval_ref: str(start, 'approvalRef') ?? str(start, 'requestId'),
    expires_at: expiresAt,
    ended_at: endedAt,
    ended_how: how,
    held_at_window_end: endedAt === null,
  };
};

const HOW: Record<string, string> = { expired: 'expired', deactivated: 'early', revoked: 'revoked', principal_left: 'principal_left' };

/** One just-in-time activation (pure). Cited: the activation and its end event. */
export const buildActivationRow: RowBuilder = (cited: LedgerEvent[], params: EvidenceParameters): Row => {
  const start = cited.find((e) => e.action === ACTIVATED)!;
  const end = cited.find((e) => e.action === ENDED);
  const { endedAt, how } = endOf(start, end, params.to);
  const requested = num(start, 'durationMinutes');
  const actual = endedAt === null ? null : Math.max(0, Math.floor((Date.parse(endedAt) - Date.parse(start.time)) / 1000));
  const amr = start.data.sessionAmr;
  return {
    assignment_id: str(start, 'assignmentId'),
    user_id: str(start, 'principalId'),
    email: targetDisplay(start, 'user'),
    role_key: str(start, 'roleKey'),
    privileged: start.data.privileged === true,
    justification: str(start, 'justification'),
    requested_minutes: requested,
    activated_at: start.time,
    expires_at: isoOrNull(start.data.expiresAt),
    ended_at: endedAt,
    actual_seconds: actual,
    ended_how: how === null ? null : (HOW[how] ?? how),
    exceeded_requested: actual !== null && requested !== null && actual > requested * 60,
    approval_ref: str(start, 'approvalRef'),
    session_amr: Array.isArray(amr) ? amr.join(' ') : null,
  };
};

export const PRIVILEGED_ACCESS_ROW_BUILDERS: Record<string, RowBuilder> = {
  [PRIVILEGED_PRINCIPAL_ROW]: buildPrivilegedPrincipalRow,
  [JIT_ACTIVATION_ROW]: buildActivationRow,
};

interface Held {
  start: LedgerEvent;
  end?: LedgerEvent;
  /** The role event that made the role privileged while this was held (when the grant itself did not say so). */
  marked?: LedgerEvent;
  privileged: boolean;
}

/** Whether a role event's data (created, or the `after` of an update) marks the role privileged; undefined when it does not say. */
export function privilegedFlagOf(event: LedgerEvent): boolean | undefined {
  const data = event.action === ROLE_UPDATED ? (event.data.after as Record<string, unknown> | undefined) : event.data;
  const flag = data?.privileged;
  return typeof flag === 'boolean' ? flag : undefined;
}

export const privilegedAccess: CollectorFactory = (ctx) => {
  const { params } = ctx;
  const from = Date.parse(params.from);
  /** Assignments and activations still open as the ledger is read, by assignment id. */
  const open = new Map<string, Held>();
  /** Finished ones that concern the window (held in it, or activations started or ended in it). */
  const done: Held[] = [];
  const roleEvents = new Map<string, LedgerEvent>();
  const privilegedRoles = new Set<string>();

  function close(id: string | null, end: LedgerEvent, endedAt: string | null): void {
    const held = open.get(id ?? '');
    if (!held) return;
    open.delete(id ?? '');
    held.end = end;
    if (endedAt !== null && Date.parse(endedAt) < from) return;
    done.push(held);
  }

  return {
    actions: [GRANTED, REVOKED, EXPIRED, ACTIVATED, ENDED, ROLE_CREATED, ROLE_UPDATED],
    add(event) {
      if (event.org !== ctx.org.id) return;
      switch (event.action) {
        case ROLE_CREATED:
        case ROLE_UPDATED: {
          const roleId = targetId(event, 'role');
          const flag = privilegedFlagOf(event);
          if (!roleId || flag === undefined) return;
          if (flag) {
            privilegedRoles.add(roleId);
            roleEvents.set(roleId, event);
            // Holders of a role made privileged are privileged holders from now on.
            for (const held of open.values()) if (!held.privileged && str(held.start, 'roleId') === roleId) Object.assign(held, { privileged: true, marked: event });
          } else privilegedRoles.delete(roleId);
          return;
        }
        case GRANTED:
        case ACTIVATED: {
          const id = event.action === GRANTED ? targetId(event, 'role_assignment') : str(event, 'assignmentId');
          const roleId = str(event, 'roleId') ?? '';
          const byGrant = event.data.privileged === true;
          const byRole = !byGrant && privilegedRoles.has(roleId);
          if (id) open.set(id, { start: event, privileged: byGrant || byRole, ...(byRole ? { marked: roleEvents.get(roleId) } : {}) });
          return;
        }
        case REVOKED: {
          const id = targetId(event, 'role_assignment');
          // An activation's revocation also records access.elevation.ended, which closes it.
          if (open.get(id ?? '')?.start.action === ACTIVATED) return;
          close(id, event, event.time);
          return;
        }
        case EXPIRED:
          close(str(event, 'assignmentId'), event, isoOrNull(event.data.expiredAt));
          return;
        case ENDED:
          close(str(event, 'assignmentId'), event, isoOrNull(event.data.endedAt));
          return;
      }
    },
    async finish(): Promise<CriterionSection> {
      const all = [...done, ...open.values()];
      const principals: CitedRow[] = [];
      const activations: CitedRow[] = [];
      for (const h of all) {
        const cited = [h.start, h.end, h.marked].filter((e): e is LedgerEvent => e !== undefined).sort((a, b) => a.seq - b.seq);
        if (h.privileged) {
          const row = buildPrivilegedPrincipalRow(cited, params);
          const endedAt = row.ended_at === null ? null : Date.parse(String(row.ended_at));
          if (endedAt === null || endedAt >= from) principals.push({ row, cites: citesOf(cited) });
        }
        if (h.start.action === ACTIVATED) {
          const jitCited = [h.start, h.end].filter((e): e is LedgerEvent => e !== undefined);
          const row = buildActivationRow(jitCited, params);
          if (inWindow(h.start.time, params) || inWindow(row.ended_at as string | null, params)) activations.push({ row, cites: citesOf(jitCited) });
        }
      }
      const order = (a: CitedRow, b: CitedRow, key: string) => String(a.row[key]).localeCompare(String(b.row[key])) || String(a.row.assignment_id).localeCompare(String(b.row.assignment_id));
      principals.sort((a, b) => order(a, b, 'granted_at'));
      activations.sort((a, b) => order(a, b, 'activated_at'));
      return privilegedSection(principals, activations);
    },
  };
};

function privilegedSection(principals: CitedRow[], activations: CitedRow[]): CriterionSection {
  const standingAtEnd = principals.filter((r) => r.row.kind === 'standing' && r.row.held_at_window_end === true);
  const exceeded = activations.filter((r) => r.row.exceeded_requested === true);
  const durations = activations.map((r) => r.row.actual_seconds).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  const median = quantile(durations, 0.5);
  const holders = new Set(principals.map((r) => `${r.row.principal_type}:${r.row.principal_id}`));
  const attention = standingAtEnd.length > 0 || exceeded.length > 0;
  const headline = attention
    ? `${standingAtEnd.length} standing privileged assignments were held at the window end and ${exceeded.length} of ${activations.length} activations lasted longer than requested.`
    : `No standing privileged assignment was held at the window end; ${activations.length === 0 ? 'no just-in-time activation took place' : `every just-in-time activation (${activations.length}) ended within its requested duration`}.`;
  return {
    id: 'privileged-access',
    title: 'Privileged access',
    summary: 'Privileged roles are held just in time and for a limited period, with a justification, rather than as standing access. Every holder of a privileged role during the window and every just-in-time activation are listed.',
    status: attention ? 'attention' : 'pass',
    headline,
    facts: [
      { label: 'Principals holding a privileged role in the window', value: holders.size },
      { label: 'Privileged assignments in the window', value: principals.length },
      { label: 'Standing privileged assignments at window end', value: standingAtEnd.length, ...(standingAtEnd.length > 0 ? { attention: true } : {}) },
      { label: 'Just-in-time activations', value: activations.length },
      { label: 'Activations longer than requested', value: exceeded.length, ...(exceeded.length > 0 ? { attention: true } : {}) },
      { label: 'Median activation duration (seconds)', value: median ?? '—' },
    ],
    tables: [
      {
        name: 'privileged-principals',
        title: 'Holders of privileged roles',
        description:
          'Every assignment of a privileged role (the role was privileged at the grant, or was marked privileged while held: that role event is cited) held at any time in the window: standing, time-bound or just in time, who granted it with which approval, and when it ended. A standing assignment still held at the window end needs a documented exception.',
        columns: PRINCIPAL_COLUMNS,
        rows: principals,
        recompute: PRIVILEGED_PRINCIPAL_ROW,
        sampleKey: 'principal_id',
      },
      {
        name: 'jit-activations',
        title: 'Just-in-time activations',
        description:
          'Every just-in-time activation started or ended in the window, with the user’s justification, the duration asked for and the duration it really lasted, and how it ended. Sample activations and check the justification against the change or incident record.',
        columns: ACTIVATION_COLUMNS,
        rows: activations,
        recompute: JIT_ACTIVATION_ROW,
        sampleKey: 'assignment_id',
      },
    ],
    charts: [],
    attachments: [],
  };
}
