import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams, PageQuery, Paged } from '../http/schemas.ts';
import * as s from './schemas.ts';

type Page = { limit: number; cursor?: string };
type WebhookP = { org: string; id: string };

/** Notification webhooks under /api/v1/organizations/:org/notification-webhooks. */
export function notifyRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const n = rt.notify;
    const tags = ['Notifications'];
    const base = '/organizations/:org/notification-webhooks';

    app.post(base, {
      onRequest: write,
      schema: { tags, summary: 'Register a webhook for governance notifications; its signing secret is shown once', params: OrgParams, body: s.CreateWebhookBody, response: { 201: s.WebhookWithSecretSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await n.createWebhook(commandContext(req), (req.params as { org: string }).org, req.body as { url: string; events: string[]; description?: string })),
    });
    app.get(base, {
      onRequest: read,
      schema: { tags, summary: 'List the active notification webhooks (never a secret)', params: OrgParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.WebhookSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => n.listWebhooks((req.params as { org: string }).org, req.query as Page),
    });
    app.get(`${base}/:id`, {
      onRequest: read,
      schema: { tags, summary: 'One notification webhook (never its secret)', params: s.WebhookParams, response: { 200: s.WebhookSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as WebhookP;
        return n.getWebhook(p.org, p.id);
      },
    });
    app.delete(`${base}/:id`, {
      onRequest: write,
      schema: { tags, summary: 'Delete a webhook: nothing more is sent to it; its undelivered notifications are marked failed', params: s.WebhookParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as WebhookP;
        await n.deleteWebhook(commandContext(req), p.org, p.id);
        return reply.status(204).send();
      },
    });
    app.post(`${base}/:id/rotate-secret`, {
      onRequest: write,
      schema: { tags, summary: 'Replace the signing secret (shown once); the old one signs nothing from now on', params: s.WebhookParams, response: { 200: s.WebhookWithSecretSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => {
        const p = req.params as WebhookP;
        return n.rotateSecret(commandContext(req), p.org, p.id);
      },
    });
    app.get(`${base}/:id/deliveries`, {
      onRequest: read,
      schema: { tags, summary: "A webhook's deliveries, newest first: status, attempts, the short error of the last failure, the next attempt", params: s.WebhookParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.DeliverySchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as WebhookP;
        return n.listDeliveries(p.org, p.id, req.query as Page);
      },
    });
  };
}
