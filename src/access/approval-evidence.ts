import type { LedgerEvent } from '../audit/event.ts';

/** How a grant was authorized: an approved access request, an external approval reference, or nothing. */
export type GrantAuthorization = 'request' | 'approval_reference' | 'none';

export interface ApprovalRecord {
  approverId: string;
  at: string;
  eventId: string;
  seq: number;
}

/** The evidence for one `access.assignment.granted` event. */
export interface GrantApprovalEvidence {
  grantEventId: string;
  grantSeq: number;
  /** When the grant took effect (the grant event's time). */
  grantedAt: string;
  orgId: string | null;
  assignmentId: string | null;
  roleId: string;
  roleKey: string;
  privileged: boolean;
  principal: { type: string; id: string };
  grantedBy: { type: string; id: string };
  authorization: GrantAuthorization;
  requestId: string | null;
  approvalRef: string | null;
  /** Who asked for the access (the request's `requestedBy`), when a request authorized it. */
  requestedBy: { type: string; id: string } | null;
  approvalsRequired: number | null;
  approvals: ApprovalRecord[];
  /** The time of the request's `access.request.approved` event, or null. */
  approvedAt: string | null;
  /**
   * For a request: whether it had its required approvals, each recorded in the
   * ledger before the grant (lower seq, time not after it). For an approval
   * reference: null (the approval lives outside the ledger). Unauthorized: false.
   */
  approvedBeforeGrant: boolean | null;
  /** Whether any approver was the principal or the requester (separation of duties broken). */
  selfApproved: boolean;
}

interface RequestFacts {
  requestedBy: { type: string; id: string } | null;
  approvalsRequired: number | null;
  approvals: ApprovalRecord[];
  approved: { at: string; seq: number } | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * For every `access.assignment.granted` event whose time is in [from, to):
 * how it was authorized, who approved and when, and whether the (last)
 * approval came before the grant took effect. Pure: computed from ledger
 * events alone (as `GET /api/v1/audit/events` returns them), never from the
 * mutable tables. Requires `events` to hold every `access.request.*` event of
 * the requests behind those grants — a request filed before `from` needs its
 * events from before `from` too; pass the ledger from its start, or from far
 * enough back. Events may come in any order; seq orders them.
 */
export function computeApprovalEvidence(events: readonly LedgerEvent[], window: { from: string; to: string }): GrantApprovalEvidence[] {
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  const requests = new Map<string, RequestFacts>();
  const factsOf = (id: string): RequestFacts => {
    let f = requests.get(id);
    if (!f) requests.set(id, (f = { requestedBy: null, approvalsRequired: null, approvals: [], approved: null }));
    return f;
  };
  const out: GrantApprovalEvidence[] = [];
  for (const e of ordered) {
    const requestId = str(e.data.requestId);
    if (e.action === 'access.request.created' && requestId) {
      const f = factsOf(requestId);
      const by = e.data.requestedBy as { type?: unknown; id?: unknown } | undefined;
      if (by && typeof by.type === 'string' && typeof by.id === 'string') f.requestedBy = { type: by.type, id: by.id };
      if (typeof e.data.approvalsRequired === 'number') f.approvalsRequired = e.data.approvalsRequired;
    } else if (e.action === 'access.request.approval_recorded' && requestId) {
      const f = factsOf(requestId);
      const approverId = str(e.data.approverId);
      if (approverId && !f.approvals.some((a) => a.approverId === approverId)) f.approvals.push({ approverId, at: e.time, eventId: e.id, seq: e.seq });
      if (typeof e.data.approvalsRequired === 'number') f.approvalsRequired = e.data.approvalsRequired;
    } else if (e.action === 'access.request.approved' && requestId) {
      factsOf(requestId).approved = { at: e.time, seq: e.seq };
    } else if (e.action === 'access.assignment.granted' && e.time >= window.from && e.time < window.to) {
      out.push(evidenceFor(e, requestId ? (requests.get(requestId) ?? null) : null));
    }
  }
  return out;
}

function evidenceFor(grant: LedgerEvent, request: RequestFacts | null): GrantApprovalEvidence {
  const d = grant.data;
  const requestId = str(d.requestId);
  const approvalRef = str(d.approvalRef);
  const principal = { type: str(d.principalType) ?? 'user', id: str(d.principalId) ?? '' };
  const authorization: GrantAuthorization = requestId ? 'request' : approvalRef ? 'approval_reference' : 'none';
  const approvals = request ? request.approvals.filter((a) => a.seq < grant.seq) : [];
  const required = request?.approvalsRequired ?? null;
  const isSelf = (id: string) => (principal.type === 'user' && principal.id === id) || (request?.requestedBy?.type === 'user' && request.requestedBy.id === id);
  let approvedBeforeGrant: boolean | null = false;
  if (authorization === 'approval_reference') approvedBeforeGrant = null;
  else if (authorization === 'request') {
    approvedBeforeGrant =
      request !== null &&
      request.approved !== null &&
      request.approved.seq < grant.seq &&
      request.approved.at <= grant.time &&
      required !== null &&
      approvals.length >= required &&
      approvals.every((a) => a.at <= grant.time);
  }
  return {
    grantEventId: grant.id,
    grantSeq: grant.seq,
    grantedAt: grant.time,
    orgId: grant.org,
    assignmentId: grant.targets.find((t) => t.type === 'role_assignment')?.id ?? null,
    roleId: str(d.roleId) ?? '',
    roleKey: str(d.roleKey) ?? '',
    privileged: d.privileged === true,
    principal,
    grantedBy: { type: grant.actor.type, id: grant.actor.id },
    authorization,
    requestId,
    approvalRef,
    requestedBy: request?.requestedBy ?? null,
    approvalsRequired: authorization === 'request' ? required : null,
    approvals,
    approvedAt: request?.approved && request.approved.seq < grant.seq ? request.approved.at : null,
    approvedBeforeGrant,
    selfApproved: approvals.some((a) => isSelf(a.approverId)),
  };
}
