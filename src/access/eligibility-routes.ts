import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams, Paged } from '../http/schemas.ts';
import * as s from './elevation-schemas.ts';
import type { EligibilityInput } from './eligibilities.ts';

type Page = { limit: number; cursor?: string };

/** Role eligibilities of an organization (who may activate which role just in time) under /api/v1/organizations/:org/role-eligibilities. */
export function eligibilityRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const tags = ['Role eligibilities'];
    app.post('/organizations/:org/role-eligibilities', {
      onRequest: write,
      schema: { tags, summary: 'Make a user eligible to activate a role just in time', params: OrgParams, body: s.GrantEligibilityBody, response: { 201: s.EligibilitySchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await rt.eligibilities.grant(commandContext(req), (req.params as { org: string }).org, req.body as EligibilityInput)),
    });
    app.get('/organizations/:org/role-eligibilities', {
      onRequest: read,
      schema: { tags, summary: 'List role eligibilities, filtered by role, user or activity', params: OrgParams, querystring: s.EligibilityListQuery, response: { 200: Paged(s.EligibilitySchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const { limit, cursor, ...filter } = req.query as Page & { role?: string; principalId?: string; active?: boolean };
        return rt.eligibilities.list((req.params as { org: string }).org, filter, { limit, cursor });
      },
    });
    app.get('/organizations/:org/role-eligibilities/:id', {
      onRequest: read,
      schema: { tags, summary: 'Read a role eligibility', params: s.EligibilityParams, response: { 200: s.EligibilitySchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as { org: string; id: string };
        return rt.eligibilities.get(p.org, p.id);
      },
    });
    app.post('/organizations/:org/role-eligibilities/:id/revoke', {
      onRequest: write,
      // The reason is optional, so an empty request (no body at all) means "revoke, no reason given".
      preValidation: async (req) => {
        if (req.body === undefined) req.body = {};
      },
      schema: { tags, summary: 'End a role eligibility now (and any activation running from it)', params: s.EligibilityParams, body: s.EndBody, response: { 200: s.EligibilitySchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => {
        const p = req.params as { org: string; id: string };
        return rt.eligibilities.revoke(commandContext(req), p.org, p.id, (req.body as { reason?: string | null }).reason ?? null);
      },
    });
  };
}
