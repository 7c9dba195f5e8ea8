import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../../runtime.ts';
import { commandContext, requireAnyScope, requireScope } from '../../http/auth-guard.ts';
import { errors, Paged, Uuid } from '../../http/schemas.ts';
import type { FindingStatus } from '../../platform/schema-monitor-findings.ts';
import type { FindingSeverity } from './queries.ts';
import { AcknowledgeBody, FindingQuery, FindingSchema, FindingWithTimelineSchema, ResolveBody } from './schemas.ts';
import type { ResolveInput } from './transitions.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/**
 * Control-drift findings: list and read (admin:read or audit:read), acknowledge
 * and resolve (admin:write). The rules open, reopen and close findings by
 * themselves; people only acknowledge and resolve.
 */
export function findingRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireAnyScope(rt.apiKeys, ['admin:read', 'audit:read']);
    const write = requireScope(rt.apiKeys, 'admin:write');
    const tags = ['Control-drift findings'];

    app.get('/findings', {
      onRequest: read,
      schema: { tags, summary: 'List tracked control-drift findings, newest first, by organization, status, type and severity', querystring: FindingQuery, response: { 200: Paged(FindingSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const q = req.query as { org?: string; status?: FindingStatus; type?: string; severity?: FindingSeverity; limit: number; cursor?: string };
        const orgId = q.org ? (await rt.identity.requireOrg(q.org)).id : undefined;
        return rt.findings.listFindings({ orgId, status: q.status, type: q.type, severity: q.severity }, { limit: q.limit, cursor: q.cursor });
      },
    });

    app.get('/findings/:id', {
      onRequest: read,
      schema: { tags, summary: 'Read a finding with its timeline: the ledger events of its transitions, in order', params: IdParams, response: { 200: FindingWithTimelineSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => rt.findings.getFinding((req.params as { id: string }).id),
    });

    app.post('/findings/:id/acknowledge', {
      onRequest: write,
      schema: { tags, summary: 'Acknowledge an open finding (it stays open)', params: IdParams, body: AcknowledgeBody, response: { 200: FindingSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => rt.findings.acknowledge(commandContext(req), (req.params as { id: string }).id, (req.body as { note: string }).note),
    });

    app.post('/findings/:id/resolve', {
      onRequest: write,
      schema: { tags, summary: 'Resolve a finding: fixed, risk_accepted until a date, or false_positive', params: IdParams, body: ResolveBody, response: { 200: FindingSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req) => rt.findings.resolve(commandContext(req), (req.params as { id: string }).id, req.body as ResolveInput),
    });
  };
}
