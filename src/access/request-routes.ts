import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, Nullable, OrgParams, PageQuery, Paged, Timestamp, Uuid } from '../http/schemas.ts';
import type { AccessRequestStatus } from './requests.ts';
import { MAX_REQUEST_DURATION_MINUTES, type RequestInput } from './approvals.ts';

const STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired'];

const RequestFields = {
  id: Uuid,
  orgId: Uuid,
  roleId: Uuid,
  principal: Type.Object({ type: Type.String({ enum: ['user', 'service_account'] }), id: Type.String() }),
  requestedBy: Type.Object({ type: Type.String(), id: Type.String() }),
  reason: Nullable(Type.String()),
  source: Type.String(),
  sourceRef: Nullable(Type.String()),
  kind: Type.String({ enum: ['grant', 'eligibility', 'activation'] }),
  durationMinutes: Nullable(Type.Integer({ description: 'how long the resulting grant lasts; null: it does not expire' })),
  approvalsRequired: Type.Integer(),
  expiresAt: Nullable(Timestamp),
  status: Type.String({ enum: STATUSES }),
  createdAt: Timestamp,
  decidedAt: Nullable(Timestamp),
  decisionReason: Nullable(Type.String()),
  assignmentId: Nullable(Uuid),
  eligibilityId: Nullable(Type.String()),
};
export const AccessRequestSchema = Type.Object(RequestFields);
export const AccessRequestDetailSchema = Type.Object({
  ...RequestFields,
  approvals: Type.Integer({ description: 'approvals recorded so far' }),
  decisions: Type.Array(Type.Object({ approverId: Uuid, decision: Type.String({ enum: ['approve', 'deny'] }), comment: Nullable(Type.String()), createdAt: Timestamp })),
});

export const RequestReason = Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S', description: 'the business reason approvers read (not blank)' });
export const RequestRole = Type.String({ minLength: 1, maxLength: 64, description: 'role id or key' });
export const DurationMinutes = Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: MAX_REQUEST_DURATION_MINUTES, description: 'how long the grant lasts once approved; absent or null: it does not expire' })));

const ListQuery = Type.Object({ status: Type.Optional(Type.String({ enum: STATUSES })), ...PageQuery }, { additionalProperties: false });
const CreateBody = Type.Object(
  {
    role: RequestRole,
    principalType: Type.Union([Type.Literal('user'), Type.Literal('service_account')]),
    principalId: Uuid,
    reason: RequestReason,
    durationMinutes: DurationMinutes,
    kind: Type.Optional(Type.String({ enum: ['grant', 'eligibility'], description: 'grant (default): the role itself; eligibility: the right to activate it just in time. An activation is asked for by its user (POST /api/v1/me/elevation-requests).' })),
  },
  { additionalProperties: false },
);
const RequestParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid }, { additionalProperties: false });
const CancelBody = Type.Object({ reason: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))) }, { additionalProperties: false });

/** Access requests of an organization under /api/v1/organizations/:org/access-requests: filed on someone's behalf, read, cancelled. */
export function accessRequestRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const tags = ['Access requests'];
    app.get('/organizations/:org/access-requests', {
      onRequest: read,
      schema: { tags, summary: 'List access requests, optionally by status', params: OrgParams, querystring: ListQuery, response: { 200: Paged(AccessRequestSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const { status, limit, cursor } = req.query as { status?: AccessRequestStatus; limit: number; cursor?: string };
        return rt.accessRequests.listRequests((req.params as { org: string }).org, { status }, { limit, cursor });
      },
    });
    app.post('/organizations/:org/access-requests', {
      onRequest: write,
      schema: {
        tags,
        summary: "File an access request on someone's behalf; the role's approvers decide it",
        params: OrgParams,
        body: CreateBody,
        response: { 201: AccessRequestDetailSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) },
      },
      handler: async (req, reply) => reply.status(201).send(await rt.approvals.fileRequest(commandContext(req), (req.params as { org: string }).org, req.body as RequestInput)),
    });
    app.get('/organizations/:org/access-requests/:id', {
      onRequest: read,
      schema: { tags, summary: 'Read an access request with its decisions', params: RequestParams, response: { 200: AccessRequestDetailSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as { org: string; id: string };
        return rt.approvals.getRequest(p.org, p.id);
      },
    });
    app.post('/organizations/:org/access-requests/:id/cancel', {
      onRequest: write,
      // The reason is optional, so an empty request (no body at all) means "cancel, no reason given".
      preValidation: async (req) => {
        if (req.body === undefined) req.body = {};
      },
      schema: { tags, summary: 'Cancel a pending access request', params: RequestParams, body: CancelBody, response: { 200: AccessRequestDetailSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => {
        const p = req.params as { org: string; id: string };
        return rt.approvals.cancelRequest(commandContext(req), p.org, p.id, (req.body as { reason?: string | null }).reason ?? null);
      },
    });
  };
}
