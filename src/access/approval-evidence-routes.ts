import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import type { LedgerEvent } from '../audit/event.ts';
import { requireScope } from '../http/auth-guard.ts';
import { errors, Nullable, OrgParams, Timestamp } from '../http/schemas.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { csvField } from '../lifecycle/leavers-report.ts';
import { computeApprovalEvidence, type GrantApprovalEvidence } from './approval-evidence.ts';

const PAGE = 1000;
const Ref = Type.Object({ type: Type.String(), id: Type.String() });
const EvidenceSchema = Type.Object({
  grantEventId: Type.String(),
  grantSeq: Type.Integer(),
  grantedAt: Timestamp,
  orgId: Nullable(Type.String()),
  assignmentId: Nullable(Type.String()),
  roleId: Type.String(),
  roleKey: Type.String(),
  privileged: Type.Boolean(),
  principal: Ref,
  grantedBy: Ref,
  authorization: Type.String({ enum: ['request', 'approval_reference', 'none'] }),
  requestId: Nullable(Type.String()),
  approvalRef: Nullable(Type.String()),
  requestedBy: Nullable(Ref),
  approvalsRequired: Nullable(Type.Integer()),
  approvals: Type.Array(Type.Object({ approverId: Type.String(), at: Timestamp, eventId: Type.String(), seq: Type.Integer() })),
  approvedAt: Nullable(Timestamp),
  approvedBeforeGrant: Nullable(Type.Boolean()),
  selfApproved: Type.Boolean(),
});
const Query = Type.Object({ from: Timestamp, to: Timestamp, format: Type.Optional(Type.String({ enum: ['json', 'csv'] })) }, { additionalProperties: false });

export const APPROVAL_EVIDENCE_CSV_COLUMNS = ['granted_at', 'role_key', 'privileged', 'principal_type', 'principal_id', 'authorization', 'request_id', 'approval_ref', 'approvals_required', 'approvers', 'approved_at', 'approved_before_grant', 'self_approved', 'grant_event_id'] as const;

/** One line per grant (CRLF, formula-safe). Pure. */
export function approvalEvidenceCsv(rows: GrantApprovalEvidence[]): string {
  const lines = [APPROVAL_EVIDENCE_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const approvers = r.approvals.map((a) => `${a.approverId}@${a.at}`).join(' ');
    lines.push([r.grantedAt, r.roleKey, String(r.privileged), r.principal.type, r.principal.id, r.authorization, r.requestId, r.approvalRef, r.approvalsRequired, approvers, r.approvedAt, r.approvedBeforeGrant === null ? null : String(r.approvedBeforeGrant), String(r.selfApproved), r.grantEventId].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * `GET /organizations/{org}/access-approval-evidence?from&to`: for every grant
 * in the window, how it was authorized, who approved it and when, and whether
 * the approval came before the grant took effect — computed from the ledger's
 * events alone (the organization's `access.*` events from the ledger's start
 * to the window's end), never from the mutable tables.
 */
export function approvalEvidenceRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'audit:read');
    app.get('/organizations/:org/access-approval-evidence', {
      onRequest: read,
      schema: {
        tags: ['Access governance'],
        summary: 'Was each grant of a window approved before it took effect, and by whom: computed from ledger events only (JSON or CSV)',
        params: OrgParams,
        querystring: Query,
        response: {
          200: { description: 'one row per grant', content: { 'application/json': { schema: Type.Object({ from: Timestamp, to: Timestamp, items: Type.Array(EvidenceSchema) }) }, 'text/csv': { schema: Type.String() } } },
          ...errors(400, 401, 403, 404),
        },
      },
      handler: async (req, reply) => {
        const { from, to, format } = req.query as { from: string; to: string; format?: 'json' | 'csv' };
        if (Date.parse(from) >= Date.parse(to)) throw new KeyledgerError('request.invalid', `from (${from}) must be before to (${to})`);
        const org = await rt.identity.requireOrg((req.params as { org: string }).org);
        const until = new Date(to).toISOString();
        const events: LedgerEvent[] = [];
        let cursor: string | undefined;
        do {
          const page = await rt.ledger.listEvents({ orgId: org.id, actionPrefix: 'access.', until }, { limit: PAGE, cursor });
          events.push(...page.events);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        const items = computeApprovalEvidence(events, { from: new Date(from).toISOString(), to: until });
        if (format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="approval-evidence-${org.slug}.csv"`).send(approvalEvidenceCsv(items));
        return { from, to, items };
      },
    });
  };
}
