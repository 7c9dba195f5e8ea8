import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, PageQuery, Paged } from '../http/schemas.ts';
import type { CreateDestinationInput, UpdateDestinationInput } from './destinations.ts';
import * as s from './schemas.ts';

type IdP = { id: string };

/** SIEM destinations under /api/v1/siem-destinations (deployment-wide: admin:write to change, admin:read to read). */
export function streamRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const d = rt.streamDestinations;
    const tags = ['SIEM streaming'];
    const base = '/siem-destinations';
    const id = (req: { params: unknown }) => (req.params as IdP).id;

    app.post(base, {
      onRequest: write,
      schema: { tags, summary: 'Create a SIEM destination (webhook, Splunk HEC, syslog over TLS, JSONL files); a webhook signing secret is shown once', body: s.CreateDestinationBody, response: { 201: s.DestinationWithSecretSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await d.create(commandContext(req), req.body as CreateDestinationInput)),
    });
    app.get(base, {
      onRequest: read,
      schema: { tags, summary: 'List SIEM destinations with their health (never a secret)', querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.DestinationSchema), ...errors(400, 401, 403) } },
      handler: async (req) => d.list(req.query as { limit: number; cursor?: string }),
    });
    app.get(`${base}/:id`, {
      onRequest: read,
      schema: { tags, summary: 'One SIEM destination with its health (never its secret)', params: s.DestinationParams, response: { 200: s.DestinationSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => d.get(id(req)),
    });
    app.patch(`${base}/:id`, {
      onRequest: write,
      schema: { tags, summary: "Change a SIEM destination's name, settings (merged) or filter", params: s.DestinationParams, body: s.UpdateDestinationBody, response: { 200: s.DestinationSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req) => d.update(commandContext(req), id(req), req.body as UpdateDestinationInput),
    });
    app.delete(`${base}/:id`, {
      onRequest: write,
      schema: { tags, summary: 'Delete a SIEM destination: nothing more is sent to it', params: s.DestinationParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        await d.remove(commandContext(req), id(req));
        return reply.status(204).send();
      },
    });
    app.post(`${base}/:id/pause`, {
      onRequest: write,
      schema: { tags, summary: 'Pause delivery; the cursor stays', params: s.DestinationParams, response: { 200: s.DestinationSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => d.setStatus(commandContext(req), id(req), 'paused'),
    });
    app.post(`${base}/:id/resume`, {
      onRequest: write,
      schema: { tags, summary: 'Resume delivery from the cursor', params: s.DestinationParams, response: { 200: s.DestinationSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => d.setStatus(commandContext(req), id(req), 'active'),
    });
    app.post(`${base}/:id/rewind`, {
      onRequest: write,
      schema: { tags, summary: 'Backfill: deliver the ledger again from fromSeq', params: s.DestinationParams, body: s.RewindBody, response: { 200: s.DestinationSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req) => d.rewind(commandContext(req), id(req), (req.body as { fromSeq: number }).fromSeq),
    });
    app.post(`${base}/:id/rotate-secret`, {
      onRequest: write,
      schema: { tags, summary: 'Replace a webhook destination signing secret (shown once)', params: s.DestinationParams, response: { 200: s.DestinationWithSecretSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => d.rotateSecret(commandContext(req), id(req)),
    });
    app.get(`${base}/:id/health`, {
      onRequest: read,
      schema: { tags, summary: 'How far the destination is behind and how its deliveries go', params: s.DestinationParams, response: { 200: s.HealthSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => d.health(id(req)),
    });
  };
}
