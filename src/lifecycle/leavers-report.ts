import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { IdentityService } from '../identity/service.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import * as repo from './repository.ts';
import { readDeprovisioningSla, DEFAULT_DEPROVISIONING_SLA_HOURS, slaDeadline } from './sla.ts';
import { toLeaver, type Leaver } from './views.ts';

export interface LeaverWindow {
  /** Leavers terminated at or after this time (RFC 3339). */
  from?: string;
  /** Leavers terminated before this time (RFC 3339). */
  to?: string;
}

/** An SLA finding: a removal that came late, or a termination whose removal is overdue now. */
export interface LifecycleFinding {
  kind: 'removal_late' | 'removal_overdue';
  userId: string;
  leaverId: string | null;
  scheduledTerminationId: string | null;
  terminatedAt: string;
  accessRemovedAt: string | null;
  slaHours: number;
  /** When the removal became late: termination plus the SLA. */
  since: string;
  detail: string;
}

export const LEAVER_CSV_COLUMNS = ['user_id', 'email', 'employee_number', 'source', 'source_ref', 'terminated_at', 'access_removed_at', 'elapsed_seconds', 'sla_hours', 'verdict', 'reactivated_at'] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break;
 * a value a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is
 * prefixed with a single quote, since free text (employee numbers, emails)
 * comes from outside.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The leavers report as CSV (pure): a header line, then one line per leaver, CRLF line ends. */
export function leaversCsv(leavers: Leaver[]): string {
  const lines = [LEAVER_CSV_COLUMNS.join(',')];
  for (const l of leavers) {
    lines.push([l.userId, l.email, l.employeeNumber, l.source, l.sourceRef, l.terminatedAt, l.accessRemovedAt, l.elapsedSeconds, l.slaHours, l.verdict, l.reactivatedAt].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

type Page = { limit: number; cursor?: string };

/** The leavers report and the SLA findings of an organization, read from the leaver records. */
export function createLeaversReport(deps: { db: Db; clock: Clock; identity: IdentityService }) {
  const { db, clock, identity } = deps;

  return {
    /** One page of the leavers terminated in the window, by the order they were recorded. Throws `organization.not_found`, `pagination.invalid_cursor`. */
    async listLeavers(orgRef: string, window: LeaverWindow, p: Page): Promise<{ items: Leaver[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      const afterId = p.cursor ? decodeCursor(p.cursor, 'leaver') : undefined;
      const rows = await repo.listLeavers(db, { orgId: org.id, ...normalized(window), afterId }, p.limit + 1);
      const items = rows.slice(0, p.limit).map(toLeaver);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('leaver', items[items.length - 1].id) : null };
    },

    /** Every leaver terminated in the window, as CSV (the auditor's sample population, in one file). Throws `organization.not_found`. */
    async leaversCsv(orgRef: string, window: LeaverWindow): Promise<string> {
      const org = await identity.requireOrg(orgRef);
      const all: Leaver[] = [];
      let afterId: string | undefined;
      for (;;) {
        const rows = await repo.listLeavers(db, { orgId: org.id, ...normalized(window), afterId }, 500);
        all.push(...rows.map(toLeaver));
        if (rows.length < 500) break;
        afterId = rows[rows.length - 1].id;
      }
      return leaversCsv(all);
    },

    /**
     * The organization's open SLA findings: removals that came later than the SLA allowed
     * (`removal_late`, from the leaver records), and scheduled terminations whose removal is
     * overdue now (`removal_overdue`: due, not yet carried out, past the SLA).
     */
    async listFindings(orgRef: string): Promise<LifecycleFinding[]> {
      const org = await identity.requireOrg(orgRef);
      let slaNow = DEFAULT_DEPROVISIONING_SLA_HOURS;
      try {
        slaNow = readDeprovisioningSla(org.settings);
      } catch {
        /* a setting saved before bounds were checked: the default applies */
      }
      const findings: LifecycleFinding[] = (await repo.listLateLeavers(db, org.id)).map((row) => ({
        kind: 'removal_late',
        userId: row.user_id,
        leaverId: row.id,
        scheduledTerminationId: null,
        terminatedAt: row.terminated_at,
        accessRemovedAt: row.access_removed_at,
        slaHours: Number(row.sla_hours),
        since: slaDeadline(row.terminated_at, Number(row.sla_hours)),
        detail: `access of ${row.email} was removed ${row.elapsed_seconds} s after termination, over the ${row.sla_hours} h SLA`,
      }));
      const now = clock.now().getTime();
      for (const row of await repo.listPendingTerminations(db, org.id)) {
        const since = slaDeadline(row.terminated_at, slaNow);
        if (Date.parse(since) >= now) continue;
        findings.push({
          kind: 'removal_overdue',
          userId: row.user_id,
          leaverId: null,
          scheduledTerminationId: row.id,
          terminatedAt: row.terminated_at,
          accessRemovedAt: null,
          slaHours: slaNow,
          since,
          detail: `termination effective ${row.terminated_at} is not carried out yet, past the ${slaNow} h SLA (is the lifecycle ticker running?)`,
        });
      }
      return findings;
    },
  };
}

function normalized(window: LeaverWindow): LeaverWindow {
  return { from: window.from ? new Date(window.from).toISOString() : undefined, to: window.to ? new Date(window.to).toISOString() : undefined };
}
