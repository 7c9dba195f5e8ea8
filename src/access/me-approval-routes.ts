import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { requireUserSession, sessionCommandContext, signedInOf } from '../http/session-guard.ts';
import { errors, Nullable, PageQuery, Paged, Uuid } from '../http/schemas.ts';
import { SESSION_SECURITY } from './me-routes.ts';
import { AccessRequestDetailSchema, DurationMinutes, RequestReason, RequestRole } from './request-routes.ts';

const OwnRequestBody = Type.Object(
  { org: Type.String({ minLength: 1, maxLength: 64, description: 'organization id or slug' }), role: RequestRole, reason: RequestReason, durationMinutes: DurationMinutes },
  { additionalProperties: false },
);
const ApprovalParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const ApproveBody = Type.Object({ comment: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))) }, { additionalProperties: false });
const DenyBody = Type.Object({ comment: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S', description: 'why, for the requester and the record (not blank)' }) }, { additionalProperties: false });

/**
 * The self-service half of access requests, authorized by the session cookie:
 * a user asks for a role for themselves and follows their requests; an
 * approver sees what awaits their decision and approves or denies it. The
 * approver is always the signed-in user, never a parameter.
 */
export function meApprovalRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const signedIn = requireUserSession(rt);
    const tags = ['Self-service'];
    app.post('/me/access-requests', {
      onRequest: signedIn,
      schema: { tags, summary: 'Ask for a role for yourself', security: SESSION_SECURITY, body: OwnRequestBody, response: { 201: AccessRequestDetailSchema, ...errors(400, 401, 403, 404, 409, 413, 422) } },
      handler: async (req, reply) => {
        const { user } = signedInOf(req);
        return reply.status(201).send(await rt.approvals.fileOwnRequest(sessionCommandContext(req), user.id, req.body as { org: string; role: string; reason: string; durationMinutes?: number | null }));
      },
    });
    app.get('/me/access-requests', {
      onRequest: signedIn,
      schema: { tags, summary: 'Your access requests (asked by you or for you), newest first', security: SESSION_SECURITY, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(AccessRequestDetailSchema), ...errors(400, 401) } },
      handler: async (req) => rt.approvals.listOwnRequests(signedInOf(req).user.id, req.query as { limit: number; cursor?: string }),
    });
    app.get('/me/approvals', {
      onRequest: signedIn,
      schema: { tags, summary: 'Pending access requests awaiting your decision', security: SESSION_SECURITY, response: { 200: Type.Object({ items: Type.Array(AccessRequestDetailSchema) }), ...errors(401) } },
      handler: async (req) => rt.approvals.listPendingApprovals(signedInOf(req).user.id),
    });
    app.post('/me/approvals/:id/approve', {
      onRequest: signedIn,
      schema: { tags, summary: 'Approve an access request; the last required approval grants it', security: SESSION_SECURITY, params: ApprovalParams, body: ApproveBody, response: { 200: AccessRequestDetailSchema, ...errors(400, 401, 403, 404, 409, 413, 422) } },
      handler: async (req) => {
        const { user } = signedInOf(req);
        return rt.approvals.approve(sessionCommandContext(req), user.id, (req.params as { id: string }).id, (req.body as { comment?: string | null }).comment ?? null);
      },
    });
    app.post('/me/approvals/:id/deny', {
      onRequest: signedIn,
      schema: { tags, summary: 'Deny an access request (a comment is required)', security: SESSION_SECURITY, params: ApprovalParams, body: DenyBody, response: { 200: AccessRequestDetailSchema, ...errors(400, 401, 403, 404, 409, 413) } },
      handler: async (req) => {
        const { user } = signedInOf(req);
        return rt.approvals.deny(sessionCommandContext(req), user.id, (req.params as { id: string }).id, (req.body as { comment: string }).comment);
      },
    });
  };
}
