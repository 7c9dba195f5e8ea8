import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../../runtime.ts';
import { commandContext, requireScope } from '../../http/auth-guard.ts';
import { errors, OrgParams, PageQuery, Paged } from '../../http/schemas.ts';
import * as s from './schemas.ts';
import type { ApplicationInput, ApplicationPatch } from './service.ts';

type Page = { limit: number; cursor?: string };
type Params = { org: string; id: string };

/** OIDC applications (OAuth clients) of an organization under /api/v1/organizations/:org/applications. */
export function applicationRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const apps = rt.applications;
    const tags = ['Applications'];

    app.post('/organizations/:org/applications', {
      onRequest: write,
      schema: {
        tags,
        summary: 'Register an OIDC application (OAuth client); a client_secret_basic app gets its secret in this response only',
        params: OrgParams,
        body: s.CreateApplicationBody,
        response: { 201: s.CreatedApplicationSchema, ...errors(400, 401, 403, 404, 413, 415, 422) },
      },
      handler: async (req, reply) => reply.status(201).send(await apps.create(commandContext(req), (req.params as { org: string }).org, req.body as ApplicationInput)),
    });
    app.get('/organizations/:org/applications', {
      onRequest: read,
      schema: { tags, summary: 'List the OIDC applications of an organization', params: OrgParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.ApplicationSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => apps.list((req.params as { org: string }).org, req.query as Page),
    });
    app.get('/organizations/:org/applications/:id', {
      onRequest: read,
      schema: { tags, summary: 'Read an OIDC application', params: s.ApplicationParams, response: { 200: s.ApplicationSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as Params;
        return apps.get(p.org, p.id);
      },
    });
    app.patch('/organizations/:org/applications/:id', {
      onRequest: write,
      schema: {
        tags,
        summary: 'Change an OIDC application’s settings or status; disabling it revokes what was issued to it',
        params: s.ApplicationParams,
        body: s.UpdateApplicationBody,
        response: { 200: s.ApplicationSchema, ...errors(400, 401, 403, 404, 413, 415, 422) },
      },
      handler: async (req) => {
        const p = req.params as Params;
        return apps.update(commandContext(req), p.org, p.id, req.body as ApplicationPatch);
      },
    });
    app.delete('/organizations/:org/applications/:id', {
      onRequest: write,
      schema: { tags, summary: 'Delete an OIDC application, revoking what was issued to it', params: s.ApplicationParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as Params;
        await apps.delete(commandContext(req), p.org, p.id);
        return reply.status(204).send();
      },
    });
    app.post('/organizations/:org/applications/:id/secret', {
      onRequest: write,
      // Every field is optional, so an empty request (no body at all) means "rotate now, no overlap".
      preValidation: async (req) => {
        if (req.body === undefined) req.body = {};
      },
      schema: {
        tags,
        summary: 'Rotate the client secret: the new one is shown once, the old one stays valid for overlapSeconds',
        params: s.ApplicationParams,
        body: s.RotateSecretBody,
        response: { 200: s.RotatedSecretSchema, ...errors(400, 401, 403, 404, 409, 413, 415) },
      },
      handler: async (req) => {
        const p = req.params as Params;
        return apps.rotateSecret(commandContext(req), p.org, p.id, req.body as { overlapSeconds?: number });
      },
    });
  };
}
