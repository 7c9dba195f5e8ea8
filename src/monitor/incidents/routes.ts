import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../../runtime.ts';
import { commandContext, requireAnyScope, requireScope } from '../../http/auth-guard.ts';
import { errors, Paged } from '../../http/schemas.ts';
import type { IncidentPatch, IncidentStatus, OpenIncidentInput } from './service.ts';
import * as s from './schemas.ts';

type IdP = { id: string };

/** The incident-response record under /api/v1/incidents (read with admin:read or audit:read, change with admin:write). */
export function incidentRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireAnyScope(rt.apiKeys, ['admin:read', 'audit:read']);
    const write = requireScope(rt.apiKeys, 'admin:write');
    const i = rt.incidents;
    const tags = ['Incidents'];

    app.post('/incidents', {
      onRequest: write,
      schema: { tags, summary: 'Open an incident (linking the alerts it comes from)', body: s.OpenIncidentBody, response: { 201: s.IncidentSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await i.openIncident(commandContext(req), req.body as OpenIncidentInput)),
    });
    app.get('/incidents', {
      onRequest: read,
      schema: { tags, summary: 'Incidents, newest first, by status and organization', querystring: s.IncidentQuery, response: { 200: Paged(s.IncidentSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const q = req.query as { status?: IncidentStatus; org?: string; limit: number; cursor?: string };
        return i.listIncidents({ status: q.status, org: q.org }, { limit: q.limit, cursor: q.cursor });
      },
    });
    app.get('/incidents/:id', {
      onRequest: read,
      schema: { tags, summary: 'One incident: its alerts, linked ledger events, notes and the timeline of all of them in time order', params: s.IncidentParams, response: { 200: s.IncidentDetailSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => i.getIncident((req.params as IdP).id),
    });
    app.patch('/incidents/:id', {
      onRequest: write,
      schema: { tags, summary: 'Change the owner, severity or status (open, investigating, contained)', params: s.IncidentParams, body: s.PatchIncidentBody, response: { 200: s.IncidentSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req) => i.updateIncident(commandContext(req), (req.params as IdP).id, req.body as IncidentPatch),
    });
    app.post('/incidents/:id/events', {
      onRequest: write,
      schema: { tags, summary: 'Link ledger events to the incident', params: s.IncidentParams, body: s.LinkEventsBody, response: { 200: s.IncidentSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req) => i.linkEvents(commandContext(req), (req.params as IdP).id, (req.body as { eventIds: string[] }).eventIds),
    });
    app.post('/incidents/:id/alerts', {
      onRequest: write,
      schema: { tags, summary: 'Link alerts to the incident', params: s.IncidentParams, body: s.LinkAlertsBody, response: { 200: s.IncidentSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req) => i.linkAlerts(commandContext(req), (req.params as IdP).id, (req.body as { alertIds: string[] }).alertIds),
    });
    app.post('/incidents/:id/notes', {
      onRequest: write,
      schema: { tags, summary: 'Add a note to the timeline', params: s.IncidentParams, body: s.NoteBody, response: { 201: s.NoteSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req, reply) => reply.status(201).send(await i.addNote(commandContext(req), (req.params as IdP).id, (req.body as { text: string }).text)),
    });
    app.post('/incidents/:id/resolve', {
      onRequest: write,
      schema: { tags, summary: 'Resolve the incident with its resolution and root cause', params: s.IncidentParams, body: s.ResolveBody, response: { 200: s.IncidentSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => i.resolveIncident(commandContext(req), (req.params as IdP).id, req.body as { resolution: string; rootCause: string }),
    });
  };
}
