import type { LedgerEvent } from '../../audit/event.ts';
import { computeApprovalEvidence, type GrantApprovalEvidence } from '../../access/approval-evidence.ts';
import { DIRECTORY_GRANTERS } from '../../access/approval-findings.ts';
import type { Row } from '../model.ts';

/**
 * The approval behind an `access.assignment.granted` event, for criteria that
 * show grants: the request events a grant cites are kept per request while the
 * ledger streams by, and the evidence itself is `computeApprovalEvidence` run
 * on the grant and those events alone — so the exporter and the offline
 * verifier compute it with the same code.
 */

const REQUEST_ACTIONS = ['access.request.created', 'access.request.approval_recorded', 'access.request.approved'] as const;
const REQUEST_ENDS = ['access.request.denied', 'access.request.expired', 'access.request.cancelled'] as const;

/** Every action a collector must ask for to follow grant approvals. */
export const GRANT_APPROVAL_ACTIONS: readonly string[] = [...REQUEST_ACTIONS, ...REQUEST_ENDS, 'access.assignment.granted'];

/** How a grant was authorized, as the evidence tables name it. */
export type GrantAuthorizationLabel = 'request_approved' | 'approval_reference' | 'directory' | 'none';

/**
 * Keeps the events of each open access request (created, approvals, approved),
 * and forgets a request once it is decided against or has produced its grant,
 * so memory follows the number of open requests, not the ledger's length.
 */
export class RequestEventLog {
  private readonly byRequest = new Map<string, LedgerEvent[]>();

  /** Takes any event; keeps request events, drops requests that ended. */
  add(event: LedgerEvent): void {
    const requestId = typeof event.data.requestId === 'string' ? event.data.requestId : null;
    if (!requestId) return;
    if ((REQUEST_ACTIONS as readonly string[]).includes(event.action)) {
      const list = this.byRequest.get(requestId) ?? [];
      list.push(event);
      this.byRequest.set(requestId, list);
    } else if ((REQUEST_ENDS as readonly string[]).includes(event.action)) {
      this.byRequest.delete(requestId);
    }
  }

  /** The request events a grant must cite (empty for a grant without a request). */
  eventsFor(grant: LedgerEvent): LedgerEvent[] {
    const requestId = typeof grant.data.requestId === 'string' ? grant.data.requestId : null;
    return requestId ? [...(this.byRequest.get(requestId) ?? [])] : [];
  }

  /** Forgets the request behind a grant (a request yields one grant). */
  release(grant: LedgerEvent): void {
    if (typeof grant.data.requestId === 'string') this.byRequest.delete(grant.data.requestId);
  }
}

/**
 * The approval evidence of `grant` computed from `cited` (the grant's request
 * events; other events are ignored). Pure.
 */
export function approvalEvidenceOf(cited: readonly LedgerEvent[], grant: LedgerEvent): GrantApprovalEvidence {
  const events = cited.filter((e) => (REQUEST_ACTIONS as readonly string[]).includes(e.action) || e.id === grant.id);
  const found = computeApprovalEvidence(events, { from: grant.time, to: '\uffff' }).find((x) => x.grantEventId === grant.id);
  if (!found) throw new RangeError(`event ${grant.id} is not an access.assignment.granted event`);
  return found;
}

/** The authorization label of a grant: an approved request, an approval reference, a directory (SCIM or SSO group), or none. */
export function authorizationLabel(ev: GrantApprovalEvidence): GrantAuthorizationLabel {
  if (ev.authorization === 'request') return 'request_approved';
  if (ev.authorization === 'approval_reference') return 'approval_reference';
  return DIRECTORY_GRANTERS.has(ev.grantedBy.type) ? 'directory' : 'none';
}

/**
 * Whether an auditor would flag the grant: a request whose approvals did not
 * all precede the grant, a grant with no authorization, or a privileged role
 * granted by a directory (non-privileged directory grants are the identity
 * provider's decision, as in the `grant_without_approval` finding).
 */
export function grantLacksApproval(ev: GrantApprovalEvidence): boolean {
  const label = authorizationLabel(ev);
  if (label === 'request_approved') return ev.approvedBeforeGrant !== true;
  if (label === 'none') return true;
  if (label === 'directory') return ev.privileged;
  return false;
}

/** The approval columns shared by tables that show grants. */
export function approvalCells(ev: GrantApprovalEvidence): Row {
  return {
    authorization: authorizationLabel(ev),
    request_id: ev.requestId,
    approval_ref: ev.approvalRef,
    approvers: ev.approvals.length > 0 ? ev.approvals.map((a) => a.approverId).join(' ') : null,
    approved_at: ev.approvedAt,
    approved_before_grant: ev.approvedBeforeGrant,
    self_approved: ev.selfApproved,
  };
}
