import type { LedgerEvent } from '../audit/event.ts';
import { csvField } from '../lifecycle/leavers-report.ts';
import type { Role } from './views.ts';

/** One change of a role definition, from the ledger. */
export interface RoleChange {
  eventId: string;
  seq: number;
  time: string;
  action: string;
  actor: { type: string; id: string; display?: string };
  /** The definition as created, the before/after of an update, or the key of a deleted role. */
  data: Record<string, unknown>;
}

/** A role as the documented role definition an auditor asks for: the definition, who holds it now, and its history. */
export interface RoleDefinition {
  role: Role;
  owner: { id: string; email: string } | null;
  holders: number;
  history: RoleChange[];
}

/** The organization's role definitions, with roles deleted since (history only). */
export interface RoleDefinitionsDocument {
  org: { id: string; slug: string; name: string };
  generatedAt: string;
  /** The ledger position the history was read up to. */
  ledgerSeq: number | null;
  roles: RoleDefinition[];
  deletedRoles: Array<{ roleId: string; key: string; history: RoleChange[] }>;
}

export function toRoleChange(e: LedgerEvent): RoleChange {
  return { eventId: e.id, seq: e.seq, time: e.time, action: e.action, actor: { type: e.actor.type, id: e.actor.id, ...(e.actor.display ? { display: e.actor.display } : {}) }, data: e.data };
}

/** Groups `access.role.*` events by the role they target, in ledger order. Pure. */
export function historyByRole(events: LedgerEvent[]): Map<string, RoleChange[]> {
  const byRole = new Map<string, RoleChange[]>();
  for (const e of events) {
    const role = e.targets.find((t) => t.type === 'role');
    if (!role || !e.action.startsWith('access.role.')) continue;
    const list = byRole.get(role.id) ?? [];
    list.push(toRoleChange(e));
    byRole.set(role.id, list);
  }
  return byRole;
}

export const ROLE_DEFINITION_CSV_COLUMNS = [
  'role_id',
  'key',
  'name',
  'description',
  'permissions',
  'privileged',
  'mfa_policy',
  'owner_email',
  'approvers',
  'named_approvers',
  'approvals_required',
  'max_activation_minutes',
  'activation_requires_approval',
  'allow_standing',
  'holders',
  'created_at',
  'last_changed_at',
  'changes',
] as const;

/** One line per role (CRLF, formula-safe); the history is summarized as its count and last change time. Pure. */
export function roleDefinitionsCsv(doc: RoleDefinitionsDocument): string {
  const lines = [ROLE_DEFINITION_CSV_COLUMNS.join(',')];
  for (const d of doc.roles) {
    const r = d.role;
    const last = d.history[d.history.length - 1];
    lines.push(
      [
        r.id,
        r.key,
        r.name,
        r.description,
        r.permissions.join(' '),
        String(r.privileged),
        r.mfaPolicy ?? 'organization',
        d.owner?.email ?? null,
        r.approval.approvers.join(' '),
        r.approval.namedApprovers.join(' '),
        r.approval.approvalsRequired,
        r.elevation.maxActivationMinutes,
        String(r.elevation.activationRequiresApproval),
        String(r.allowStanding),
        d.holders,
        r.createdAt,
        last?.time ?? null,
        d.history.length,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** Text safe inside a Markdown table cell or line: no pipes breaking the table, no line breaks, no raw HTML. */
function md(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

function describeChange(c: RoleChange): string {
  if (c.action === 'access.role.created') return 'defined';
  if (c.action === 'access.role.deleted') return 'deleted';
  const before = (c.data.before ?? {}) as Record<string, unknown>;
  const after = (c.data.after ?? {}) as Record<string, unknown>;
  const fields = Object.keys(after);
  return fields.length === 0 ? 'changed' : fields.map((f) => `${f}: ${JSON.stringify(before[f])} → ${JSON.stringify(after[f])}`).join('; ');
}

function historyTable(history: RoleChange[]): string[] {
  const lines = ['| Time (UTC) | Change | By | Ledger event |', '|---|---|---|---|'];
  for (const c of history) lines.push(`| ${c.time} | ${md(describeChange(c))} | ${md(c.actor.display ?? `${c.actor.type} ${c.actor.id}`)} | ${c.eventId} (seq ${c.seq}) |`);
  return lines;
}

/** The documented role definitions as Markdown, for an auditor to read or print. Pure. */
export function roleDefinitionsMarkdown(doc: RoleDefinitionsDocument): string {
  const out = [
    `# Role definitions: ${md(doc.org.name)} (${md(doc.org.slug)})`,
    '',
    `Generated ${doc.generatedAt}. Change history read from the audit ledger up to sequence ${doc.ledgerSeq ?? 'none'}; each change cites its ledger event, which \`keyledger audit proof\` proves against a signed checkpoint.`,
    '',
  ];
  for (const d of doc.roles) {
    const r = d.role;
    const approvers = r.approval.approvers.map((a) => (a === 'named' ? `named approvers (${r.approval.namedApprovers.length})` : a === 'owner' ? 'role owner' : "requester's manager")).join(', ');
    out.push(
      `## ${md(r.key)}: ${md(r.name)}`,
      '',
      md(r.description),
      '',
      '| Property | Value |',
      '|---|---|',
      `| Privileged | ${r.privileged ? 'yes' : 'no'} |`,
      `| Permissions | ${r.permissions.length ? md(r.permissions.join(', ')) : '(none)'} |`,
      `| MFA required of holders | ${r.mfaPolicy ?? "the organization's policy"} |`,
      `| Owner | ${d.owner ? md(d.owner.email) : '(none)'} |`,
      `| Access requests approved by | ${approvers}; ${r.approval.approvalsRequired} approval(s) required${r.approval.approvalsRequiredDefault ? ' (default)' : ''} |`,
      `| Just-in-time activation | up to ${r.elevation.maxActivationMinutes} minutes${r.elevation.activationRequiresApproval ? ', with approval' : ''} |`,
      `| Standing assignments | ${r.privileged ? (r.allowStanding ? 'accepted' : 'reported as findings') : 'normal'} |`,
      `| Holders now | ${d.holders} |`,
      '',
      '### Change history',
      '',
      ...historyTable(d.history),
      '',
    );
  }
  if (doc.deletedRoles.length > 0) {
    out.push('## Deleted roles', '');
    for (const d of doc.deletedRoles) out.push(`### ${md(d.key)}`, '', ...historyTable(d.history), '');
  }
  return out.join('\n');
}
