import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { requireScope } from '../http/auth-guard.ts';
import { errors, Nullable, OrgParams, PageQuery, Paged, Timestamp, Uuid } from '../http/schemas.ts';
import type { AccessRequestStatus } from './requests.ts';

const STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired'];

export const AccessRequestSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  roleId: Uuid,
  principal: Type.Object({ type: Type.String({ enum: ['user', 'service_account'] }), id: Type.String() }),
  requestedBy: Type.Object({ type: Type.String(), id: Type.String() }),
  reason: Nullable(Type.String()),
  source: Type.String(),
  sourceRef: Nullable(Type.String()),
  status: Type.String({ enum: STATUSES }),
  createdAt: Timestamp,
  decidedAt: Nullable(Timestamp),
  decisionReason: Nullable(Type.String()),
});
const ListQuery = Type.Object({ status: Type.Optional(Type.String({ enum: STATUSES })), ...PageQuery }, { additionalProperties: false });

/** Access requests of an organization under /api/v1/organizations/:org/access-requests (read only for now). */
export function accessRequestRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    app.get('/organizations/:org/access-requests', {
      onRequest: read,
      schema: { tags: ['Access requests'], summary: 'List access requests, optionally by status', params: OrgParams, querystring: ListQuery, response: { 200: Paged(AccessRequestSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const { status, limit, cursor } = req.query as { status?: AccessRequestStatus; limit: number; cursor?: string };
        return rt.accessRequests.listRequests((req.params as { org: string }).org, { status }, { limit, cursor });
      },
    });
  };
}
