import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../../runtime.ts';
import { commandContext, requireAnyScope, requireScope } from '../../http/auth-guard.ts';
import { errors, Paged } from '../../http/schemas.ts';
import type { AlertStatus, Disposition } from './alerts.ts';
import * as s from './schemas.ts';

/** The detection rules in force and alerts, under /api/v1 (read with admin:read or audit:read, change with admin:write). */
export function detectionRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireAnyScope(rt.apiKeys, ['admin:read', 'audit:read']);
    const write = requireScope(rt.apiKeys, 'admin:write');
    const d = rt.detections;
    const tags = ['Detections'];

    app.get('/detection-rules', {
      onRequest: read,
      schema: { tags, summary: 'The detection rules and the thresholds in force in this deployment (a rule that is off says so)', response: { 200: Type.Object({ items: Type.Array(s.RuleSchema) }), ...errors(401, 403) } },
      handler: async () => ({ items: d.listRules() }),
    });
    app.get('/alerts', {
      onRequest: read,
      schema: { tags, summary: 'Alerts, newest first, by organization, status, rule and severity', querystring: s.AlertQuery, response: { 200: Paged(s.AlertSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const q = req.query as { org?: string; status?: AlertStatus; rule?: string; severity?: string; limit: number; cursor?: string };
        return d.listAlerts({ org: q.org, status: q.status, rule: q.rule, severity: q.severity }, { limit: q.limit, cursor: q.cursor });
      },
    });
    app.get('/alerts/:id', {
      onRequest: read,
      schema: { tags, summary: 'One alert with the ledger events that triggered it', params: s.AlertParams, response: { 200: s.AlertWithEventsSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => d.getAlert((req.params as { id: string }).id),
    });
    app.post('/alerts/:id/acknowledge', {
      onRequest: write,
      schema: { tags, summary: 'Acknowledge an open alert (it keeps taking matching events)', params: s.AlertParams, body: s.AcknowledgeBody, response: { 200: s.AlertSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => d.acknowledgeAlert(commandContext(req), (req.params as { id: string }).id, (req.body ?? {}) as { note?: string }),
    });
    app.post('/alerts/:id/close', {
      onRequest: write,
      schema: { tags, summary: 'Close an alert with a disposition (true_positive, false_positive, benign)', params: s.AlertParams, body: s.CloseBody, response: { 200: s.AlertSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => d.closeAlert(commandContext(req), (req.params as { id: string }).id, req.body as { disposition: Disposition; note?: string }),
    });
  };
}
