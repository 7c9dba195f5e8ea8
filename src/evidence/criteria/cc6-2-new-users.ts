import type { LedgerEvent } from '../../audit/event.ts';
import type { CitedRow, CollectorFactory, Column, CriterionSection, EvidenceContext, Row, RowBuilder } from '../model.ts';
import { counted } from './evidence-values.ts';
import { approvalEvidenceOf, authorizationLabel, GRANT_APPROVAL_ACTIONS, grantLacksApproval, RequestEventLog } from './grant-approval.ts';
import { secondsBetween } from './evidence-values.ts';

/**
 * CC6.2 — people are registered and authorized before they get access: every
 * user who became a member of the organization in the window, how they were
 * provisioned, and whether their first role grant was authorized (and when)
 * before it took effect.
 */

/** Events recorded in the same command as a membership that say which path created it. */
const PATH_ACTIONS: Record<string, string> = {
  'scim.user.linked': 'scim',
  'sso.identity.linked': 'sso_jit',
  'authn.invitation.accepted': 'invitation',
  'authn.signup.registered': 'signup',
};
/** The path of a membership made with no such event, by the command's actor. */
const PATH_BY_ACTOR: Record<string, string> = { scim_directory: 'scim', sso_connection: 'sso_jit' };

const COLUMNS: Column[] = [
  { name: 'user_id', description: 'The user who became a member.' },
  { name: 'email', description: 'Their email address when they joined.' },
  { name: 'created_at', description: 'When they became a member of the organization (identity.membership.created).' },
  { name: 'new_account', description: 'true when their account was created in the same command; false when an existing account joined.' },
  { name: 'created_by_type', description: 'Who added them: api_key, user, scim_directory, sso_connection, system, …' },
  { name: 'created_by', description: 'The actor as the ledger displays it.' },
  { name: 'provisioning_path', description: 'admin (an administrator or the admin API), scim (the identity provider’s directory), sso_jit (first sign-in through SSO), invitation (an accepted invitation) or signup (self sign-up).' },
  { name: 'first_grant_at', description: 'When their first role was granted after joining, within the window; null when none was.' },
  { name: 'first_grant_role', description: 'The key of that role.' },
  { name: 'first_grant_privileged', description: 'Whether that role is privileged; null without a grant.' },
  { name: 'authorization', description: 'How the first grant was authorized: request_approved, approval_reference, directory (an identity provider group via SCIM or SSO) or none; null without a grant.' },
  { name: 'approval_reference', description: 'The access request id, or the external approval reference, behind the grant; null otherwise.' },
  { name: 'approved_at', description: 'When the access request was approved (its last required approval), or null.' },
  { name: 'approved_by', description: 'Ids of the users who approved it, space separated, or null.' },
  { name: 'approval_to_grant_seconds', description: 'Seconds from the approval to the grant, or null.' },
  { name: 'approved_before_access', description: 'true when the request had every approval before the grant took effect; false when a request’s approval came late or the grant had no authorization; null without a grant, or when the approval lives outside the ledger (approval reference, directory group).' },
  { name: 'lacks_approval', description: 'true when an auditor would flag the first grant: approval after access, no authorization, or a privileged role granted by a directory.' },
];

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const userOf = (e: LedgerEvent): string | null => str(e.data.userId) ?? e.targets.find((t) => t.type === 'user')?.id ?? null;

/** A new member's row from their membership event, the account's creation, the path event, and the first grant with its request events. */
export const buildNewUserRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const membership = cited.find((e) => e.action === 'identity.membership.created');
  if (!membership) throw new RangeError('a new user row cites its identity.membership.created event');
  const userId = userOf(membership);
  const created = cited.find((e) => e.action === 'identity.user.created' && userOf(e) === userId);
  const path = cited.find((e) => e.action in PATH_ACTIONS);
  const grant = cited.find((e) => e.action === 'access.assignment.granted');
  const ev = grant ? approvalEvidenceOf(cited, grant) : null;
  const label = ev ? authorizationLabel(ev) : null;
  return {
    user_id: userId,
    email: str(membership.data.email),
    created_at: membership.time,
    new_account: created !== undefined,
    created_by_type: membership.actor.type,
    created_by: membership.actor.display,
    provisioning_path: path ? PATH_ACTIONS[path.action] : (PATH_BY_ACTOR[membership.actor.type] ?? 'admin'),
    first_grant_at: grant?.time ?? null,
    first_grant_role: grant ? str(grant.data.roleKey) : null,
    first_grant_privileged: grant ? grant.data.privileged === true : null,
    authorization: label,
    approval_reference: ev ? (ev.requestId ?? ev.approvalRef) : null,
    approved_at: ev?.approvedAt ?? null,
    approved_by: ev && ev.approvals.length > 0 ? ev.approvals.map((a) => a.approverId).join(' ') : null,
    approval_to_grant_seconds: ev ? secondsBetween(ev.approvedAt, ev.grantedAt) : null,
    approved_before_access: ev ? (label === 'request_approved' ? ev.approvedBeforeGrant === true : label === 'none' ? false : null) : null,
    lacks_approval: ev ? grantLacksApproval(ev) : false,
  };
};

export const CC6_2_BUILDERS: Record<string, RowBuilder> = { 'cc6.2/new-users': buildNewUserRow };

interface Joiner {
  events: LedgerEvent[];
  requestId: string;
  hasPath: boolean;
  granted: boolean;
}

/** Collects CC6.2 in one pass over the ledger. */
export const collectCc62: CollectorFactory = (ctx: EvidenceContext) => {
  const { params } = ctx;
  const requests = new RequestEventLog();
  const joiners = new Map<string, Joiner>();
  const done: Joiner[] = [];
  // The account creation that immediately precedes its membership in the same command.
  let lastCreated: LedgerEvent | null = null;
  return {
    actions: [...new Set([...GRANT_APPROVAL_ACTIONS, 'identity.user.created', 'identity.membership.created', ...Object.keys(PATH_ACTIONS)])],
    add(e: LedgerEvent) {
      if (e.action === 'identity.user.created') {
        lastCreated = e;
        return;
      }
      if (e.org !== params.orgId) return;
      if (e.action.startsWith('access.request.')) return requests.add(e);
      const userId = userOf(e);
      if (e.action === 'identity.membership.created') {
        if (e.time < params.from || !userId) return;
        const previous = joiners.get(userId);
        if (previous) done.push(previous);
        const sameCommand = lastCreated && userOf(lastCreated) === userId && lastCreated.context.requestId === e.context.requestId;
        joiners.set(userId, { events: [...(sameCommand ? [lastCreated!] : []), e], requestId: e.context.requestId, hasPath: false, granted: false });
        return;
      }
      if (e.action in PATH_ACTIONS) {
        const j = userId ? joiners.get(userId) : undefined;
        if (j && !j.hasPath && !j.granted && j.requestId === e.context.requestId) {
          j.events.push(e);
          j.hasPath = true;
        }
        return;
      }
      if (e.action === 'access.assignment.granted') {
        const principal = e.data.principalType === 'user' ? str(e.data.principalId) : null;
        const j = principal ? joiners.get(principal) : undefined;
        if (j && !j.granted) {
          j.events.push(...requests.eventsFor(e), e);
          j.granted = true;
        }
        requests.release(e);
      }
    },
    async finish(): Promise<CriterionSection> {
      const rows: CitedRow[] = [...done, ...joiners.values()]
        .map((j) => [...j.events].sort((a, b) => a.seq - b.seq))
        .sort((a, b) => a[0].seq - b[0].seq)
        .map((cited) => ({ row: buildNewUserRow(cited, params), cites: cited.map((x) => x.id) }));
      const granted = rows.filter((r) => r.row.first_grant_at !== null);
      const flagged = rows.filter((r) => r.row.lacks_approval === true);
      const byPath = (p: string) => rows.filter((r) => r.row.provisioning_path === p).length;
      return {
        id: 'CC6.2',
        title: 'New users registered and authorized before access',
        summary:
          'Prior to issuing system credentials and granting access, the entity registers and authorizes new users. Every person who became a member in the window is listed with how they were provisioned and whether their first role was authorized before it took effect.',
        status: flagged.length > 0 ? 'attention' : 'pass',
        headline:
          flagged.length > 0
            ? `${flagged.length} of ${rows.length} new members got their first role without an approval preceding it.`
            : rows.length === 0
              ? 'No one became a member in the window.'
              : `${counted(rows.length, 'person', 'people')} became members in the window; ${granted.length === 0 ? 'none was granted a role' : `every first role grant (${granted.length}) was authorized before access`}.`,
        facts: [
          { label: 'New members', value: rows.length },
          { label: 'Provisioned by an administrator', value: byPath('admin') },
          { label: 'Provisioned by SCIM', value: byPath('scim') },
          { label: 'Provisioned at SSO sign-in', value: byPath('sso_jit') },
          { label: 'Joined by invitation', value: byPath('invitation') },
          { label: 'Signed up', value: byPath('signup') },
          { label: 'Granted a role in the window', value: granted.length },
          { label: 'First grants lacking approval', value: flagged.length, attention: flagged.length > 0 },
        ],
        tables: [
          {
            name: 'new-users',
            title: 'New members and their first access',
            description:
              'Every identity.membership.created event of the organization in the window (a person who left and joined again appears once per joining). Each row cites the membership event, the account’s identity.user.created when it was made in the same command, the event that names the provisioning path (scim.user.linked, sso.identity.linked, authn.invitation.accepted, authn.signup.registered), and the first access.assignment.granted to the person after joining with the events of the access request behind it. Sample rows and check that approved_at precedes first_grant_at.',
            columns: COLUMNS,
            rows,
            recompute: 'cc6.2/new-users',
            sampleKey: 'user_id',
          },
        ],
        charts: [],
        attachments: [],
      };
    },
  };
};
