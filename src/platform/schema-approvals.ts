import type { Selectable } from 'kysely';

/** Access approval tables (migration 0018); see `src/access/approvals.ts`. */
export interface ApprovalTables {
  access_request_decisions: AccessRequestDecisionsTable;
}

/** One approver's decision on one request; (request_id, approver_id) is unique, so nobody decides twice. */
export interface AccessRequestDecisionsTable {
  id: string;
  request_id: string;
  approver_id: string;
  decision: 'approve' | 'deny';
  comment: string | null;
  created_at: string;
}
export type AccessRequestDecisionRow = Selectable<AccessRequestDecisionsTable>;

/** What an access request asks for: a role (grant), the right to activate it later (eligibility), or one activation. */
export type AccessRequestKind = 'grant' | 'eligibility' | 'activation';

// Columns migration 0018 adds to tables declared elsewhere, merged into their interfaces here so
// that the approval work lives in one file.
declare module './schema-lifecycle.ts' {
  interface AccessRequestsTable {
    kind: AccessRequestKind;
    /** How long the resulting grant lasts, in minutes; null: it does not expire. */
    duration_minutes: number | null;
    /** Distinct approvals the request needs (the role's policy when it was filed). */
    approvals_required: number;
    /** The decision deadline: undecided by then, the request expires. */
    expires_at: string | null;
    /** The role assignment the approval created. */
    assignment_id: string | null;
    /** The eligibility the approval created (eligibility requests) or the one to activate (activation requests). */
    eligibility_id: string | null;
  }
}

declare module './schema.ts' {
  interface RoleAssignmentsTable {
    /** The access request whose approval granted this assignment, or null. */
    request_id: string | null;
  }
}
