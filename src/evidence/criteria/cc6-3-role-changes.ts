import type { LedgerEvent } from '../../audit/event.ts';
import type { CitedRow, CollectorFactory, Column, CriterionSection, EvidenceContext, Row, RowBuilder } from '../model.ts';
import { approvalCells, approvalEvidenceOf, GRANT_APPROVAL_ACTIONS, grantLacksApproval, RequestEventLog } from './grant-approval.ts';
import { counted } from './evidence-values.ts';
import { buildCampaignRow, buildDecisionRow, CAMPAIGN_COLUMNS, DECISION_COLUMNS, REVIEW_ACTIONS, ReviewTracker } from './cc6-3-access-reviews.ts';

/**
 * CC6.3 — role-based access is granted, changed and removed with
 * authorization, and reviewed: every grant, revocation and expiry of the
 * window with its approval, each role definition's history, and the access
 * review campaigns and decisions.
 */

const CHANGE_ACTIONS = ['access.assignment.granted', 'access.assignment.revoked', 'access.assignment.expired'];
const ROLE_ACTIONS = ['access.role.created', 'access.role.updated', 'access.role.deleted'];

const ROLE_CHANGE_COLUMNS: Column[] = [
  { name: 'assignment_id', description: 'The role assignment granted, revoked or expired.' },
  { name: 'time', description: 'When the change took effect.' },
  { name: 'change', description: 'granted, revoked or expired.' },
  { name: 'principal_type', description: 'user or service_account.' },
  { name: 'principal_id', description: 'Who the role was granted to or taken from.' },
  { name: 'role_id', description: 'The role.' },
  { name: 'role_key', description: 'The role’s key.' },
  { name: 'privileged', description: 'Whether the role was privileged when granted (grants only; null for revocations and expiries).' },
  { name: 'actor_type', description: 'Who made the change: api_key, user, scim_directory, sso_connection, system, …' },
  { name: 'actor', description: 'The actor as the ledger displays it.' },
  { name: 'reason', description: 'The reason recorded with the change, or null.' },
  { name: 'authorization', description: 'Grants: request_approved (an access request approved in Keyledger), approval_reference (an approval recorded elsewhere, e.g. a ticket), directory (granted from an identity provider group by SCIM or SSO), or none. Null for revocations and expiries.' },
  { name: 'request_id', description: 'The access request behind the grant, or null.' },
  { name: 'approval_ref', description: 'The external approval reference given with the grant, or null.' },
  { name: 'approvers', description: 'Ids of the users who approved the request before the grant, space separated, or null.' },
  { name: 'approved_at', description: 'When the request was approved (its last required approval), or null.' },
  { name: 'approved_before_grant', description: 'Grants through a request: true when every required approval was recorded before the grant; false otherwise or with no authorization; null for an approval reference (the approval lives outside the ledger), revocations and expiries.' },
  { name: 'self_approved', description: 'true when an approver was the person granted the role or the requester.' },
  { name: 'lacks_approval', description: 'true for a grant an auditor would flag: approvals not all before the grant, no authorization, or a privileged role granted by a directory.' },
];

const ROLE_DEFINITION_COLUMNS: Column[] = [
  { name: 'role_id', description: 'The role.' },
  { name: 'role_key', description: 'The role’s key.' },
  { name: 'time', description: 'When the definition changed.' },
  { name: 'change', description: 'created, updated or deleted.' },
  { name: 'in_window', description: 'true when the change falls inside the window (earlier changes show the definition at its start).' },
  { name: 'actor_type', description: 'Who changed it.' },
  { name: 'actor', description: 'The actor as the ledger displays it.' },
  { name: 'changed_fields', description: 'The definition fields this event changed, space separated (every field for a creation).' },
  { name: 'permissions_before', description: 'Permissions before the change, space separated; null before creation or when the creation is not in the ledger.' },
  { name: 'permissions_after', description: 'Permissions after the change; null after deletion.' },
  { name: 'privileged_before', description: 'Whether the role was privileged before the change.' },
  { name: 'privileged_after', description: 'Whether it is privileged after the change.' },
  { name: 'mfa_policy_after', description: 'MFA the role demands of its holders after the change (optional, required, phishing_resistant), or null when the organization policy applies.' },
];

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A grant, revocation or expiry from its event (and, for a grant, its request's events). */
export const buildRoleChangeRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const change = cited.find((e) => CHANGE_ACTIONS.includes(e.action));
  if (!change) throw new RangeError('a role change row cites its access.assignment.* event');
  const d = change.data;
  const granted = change.action === 'access.assignment.granted';
  const ev = granted ? approvalEvidenceOf(cited, change) : null;
  return {
    assignment_id: change.targets.find((t) => t.type === 'role_assignment')?.id ?? str(d.assignmentId),
    time: change.time,
    change: change.action.slice('access.assignment.'.length),
    principal_type: str(d.principalType),
    principal_id: str(d.principalId),
    role_id: str(d.roleId),
    role_key: str(d.roleKey),
    privileged: granted ? d.privileged === true : null,
    actor_type: change.actor.type,
    actor: change.actor.display,
    reason: str(d.reason),
    ...(ev ? approvalCells(ev) : { authorization: null, request_id: null, approval_ref: null, approvers: null, approved_at: null, approved_before_grant: null, self_approved: null }),
    lacks_approval: ev ? grantLacksApproval(ev) : null,
  };
};

interface RoleState {
  permissions: string | null;
  privileged: boolean | null;
  mfaPolicy: string | null;
}

const list = (v: unknown): string | null => (Array.isArray(v) ? v.map(String).join(' ') : null);

/** One role definition event, with the role's earlier events (ledger order) to carry its definition forward. */
export const buildRoleDefinitionRow: RowBuilder = (cited, params): Row => {
  const last = cited[cited.length - 1];
  let state: RoleState | null = null;
  let before: RoleState | null = null;
  let key: string | null = null;
  for (const e of cited) {
    before = state;
    if (e.action === 'access.role.created') {
      state = { permissions: list(e.data.permissions), privileged: e.data.privileged === true, mfaPolicy: str(e.data.mfaPolicy) };
      key = str(e.data.key);
    } else if (e.action === 'access.role.updated') {
      const after = (e.data.after ?? {}) as Record<string, unknown>;
      const base: RoleState = state ?? { permissions: null, privileged: null, mfaPolicy: null };
      state = {
        permissions: 'permissions' in after ? list(after.permissions) : base.permissions,
        privileged: 'privileged' in after ? after.privileged === true : base.privileged,
        mfaPolicy: 'mfaPolicy' in after ? str(after.mfaPolicy) : base.mfaPolicy,
      };
      if (typeof after.key === 'string') key = after.key;
    } else if (e.action === 'access.role.deleted') {
      state = null;
      key = str(e.data.key) ?? key;
    }
  }
  const changed =
    last.action === 'access.role.updated' ? Object.keys((last.data.after ?? {}) as object) : last.action === 'access.role.created' ? Object.keys(last.data) : [];
  return {
    role_id: last.targets.find((t) => t.type === 'role')?.id ?? null,
    role_key: key ?? last.targets.find((t) => t.type === 'role')?.display ?? null,
    time: last.time,
    change: last.action.slice('access.role.'.length),
    in_window: last.time >= params.from,
    actor_type: last.actor.type,
    actor: last.actor.display,
    changed_fields: changed.length > 0 ? changed.sort().join(' ') : null,
    permissions_before: before?.permissions ?? null,
    permissions_after: state?.permissions ?? null,
    privileged_before: before?.privileged ?? null,
    privileged_after: state?.privileged ?? null,
    mfa_policy_after: state?.mfaPolicy ?? null,
  };
};

export const CC6_3_BUILDERS: Record<string, RowBuilder> = {
  'cc6.3/role-changes': buildRoleChangeRow,
  'cc6.3/role-definitions': buildRoleDefinitionRow,
  'cc6.3/access-review-campaigns': buildCampaignRow,
  'cc6.3/access-review-decisions': buildDecisionRow,
};

/** Collects CC6.3 in one pass over the ledger. */
export const collectCc63: CollectorFactory = (ctx: EvidenceContext) => {
  const { params } = ctx;
  const requests = new RequestEventLog();
  const roleHistory = new Map<string, LedgerEvent[]>();
  const roleChanges: CitedRow[] = [];
  const roleDefinitions: CitedRow[] = [];
  const reviews = new ReviewTracker(params, (roleId) => roleHistory.get(roleId)?.find((e) => e.action === 'access.role.created'));
  const cite = (events: LedgerEvent[]) => events.map((e) => e.id);
  return {
    actions: [...new Set([...GRANT_APPROVAL_ACTIONS, ...CHANGE_ACTIONS, ...ROLE_ACTIONS, ...REVIEW_ACTIONS])],
    add(e: LedgerEvent) {
      if (e.org !== params.orgId) return;
      if (e.action.startsWith('access.request.')) return requests.add(e);
      if (CHANGE_ACTIONS.includes(e.action)) {
        const cited = e.action === 'access.assignment.granted' ? [...requests.eventsFor(e), e] : [e];
        if (e.action === 'access.assignment.granted') requests.release(e);
        if (e.time >= params.from) roleChanges.push({ row: buildRoleChangeRow(cited, params), cites: cite(cited) });
        return;
      }
      if (ROLE_ACTIONS.includes(e.action)) {
        const roleId = e.targets.find((t) => t.type === 'role')?.id;
        if (!roleId) return;
        const history = [...(roleHistory.get(roleId) ?? []), e];
        roleHistory.set(roleId, history);
        roleDefinitions.push({ row: buildRoleDefinitionRow(history, params), cites: cite(history) });
        return;
      }
      reviews.add(e);
    },
    async finish(): Promise<CriterionSection> {
      const campaigns = reviews.campaignRows();
      const grants = roleChanges.filter((r) => r.row.change === 'granted');
      const unapproved = grants.filter((r) => r.row.lacks_approval === true);
      const withUndecided = campaigns.filter((r) => r.row.closed_at !== null && Number(r.row.undecided) > 0);
      const overdue = campaigns.filter((r) => r.row.overdue === true);
      const attention = unapproved.length > 0 || withUndecided.length > 0 || overdue.length > 0;
      const problems = [
        unapproved.length > 0 ? `${unapproved.length} grant(s) lacked an approval before access` : null,
        withUndecided.length > 0 ? `${withUndecided.length} campaign(s) closed with undecided items` : null,
        overdue.length > 0 ? `${overdue.length} campaign(s) went overdue` : null,
      ].filter(Boolean);
      const headline = attention
        ? `Of ${grants.length} role grants and ${campaigns.length} access review campaigns in the window, ${problems.join(', ')}.`
        : `${grants.length === 0 ? 'No role was granted in the window' : `Every role grant in the window (${grants.length}) was authorized`}, and ${campaigns.length === 0 ? 'no access review campaign ran' : `${counted(campaigns.length, 'access review campaign')} ran with every item decided on time`}.`;
      return {
        id: 'CC6.3',
        title: 'Role-based access: changes authorized, access reviewed',
        summary:
          'The entity authorizes, modifies or removes access based on roles and responsibilities, with segregation of duties and least privilege, and reviews access periodically. Every grant is shown with the approval that preceded it; campaigns show that access was reviewed and decided.',
        status: attention ? 'attention' : 'pass',
        headline,
        facts: [
          { label: 'Roles granted', value: grants.length },
          { label: 'Roles revoked', value: roleChanges.filter((r) => r.row.change === 'revoked').length },
          { label: 'Roles expired', value: roleChanges.filter((r) => r.row.change === 'expired').length },
          { label: 'Grants lacking approval', value: unapproved.length, attention: unapproved.length > 0 },
          { label: 'Role definition changes in the window', value: roleDefinitions.filter((r) => r.row.in_window === true).length },
          { label: 'Access review campaigns', value: campaigns.length },
          { label: 'Campaigns closed with undecided items', value: withUndecided.length, attention: withUndecided.length > 0 },
          { label: 'Campaigns overdue', value: overdue.length, attention: overdue.length > 0 },
          { label: 'Review decisions', value: reviews.decisions.length },
        ],
        tables: [
          {
            name: 'role-changes',
            title: 'Role grants, revocations and expiries',
            description:
              'Every access.assignment.granted, access.assignment.revoked and access.assignment.expired event of the organization in the window. A grant cites its event and, when an access request authorized it, the request’s created, approval_recorded and approved events, so the approval timing can be checked against the grant. Sample grants and confirm lacks_approval is false.',
            columns: ROLE_CHANGE_COLUMNS,
            rows: roleChanges,
            recompute: 'cc6.3/role-changes',
            sampleKey: 'assignment_id',
          },
          {
            name: 'role-definitions',
            title: 'Role definition history',
            description:
              'One row per access.role.created, access.role.updated and access.role.deleted event up to the window end (earlier rows show the definitions in force at the window start). Each row cites the role’s events up to and including the one it describes, so the definition before and after is carried forward from them.',
            columns: ROLE_DEFINITION_COLUMNS,
            rows: roleDefinitions,
            recompute: 'cc6.3/role-definitions',
          },
          {
            name: 'access-review-campaigns',
            title: 'Access review campaigns',
            description:
              'Every access review campaign open at some time in the window (opened before its end, not closed before its start). Each row cites the campaign_opened event, its reviewer_signed_off, campaign_overdue and campaign_closed events; a campaign still open at the window end also cites its item_decided events, from which its counts are taken.',
            columns: CAMPAIGN_COLUMNS,
            rows: campaigns,
            recompute: 'cc6.3/access-review-campaigns',
            sampleKey: 'campaign_id',
          },
          {
            name: 'access-review-decisions',
            title: 'Access review decisions',
            description:
              'Every access.review.item_decided event in the window: who reviewed which access and what they decided. Each row cites the decision, its campaign’s opening and the role’s creation (for its key).',
            columns: DECISION_COLUMNS,
            rows: reviews.decisions,
            recompute: 'cc6.3/access-review-decisions',
            sampleKey: 'item_id',
          },
        ],
        charts: [],
        attachments: [],
      };
    },
  };
};
