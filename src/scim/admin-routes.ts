import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams, PageQuery, Paged } from '../http/schemas.ts';
import * as s from './admin-schemas.ts';

type Page = { limit: number; cursor?: string };
type DirP = { org: string; id: string };

/** SCIM directories, their tokens and group-to-role mappings under /api/v1/organizations/:org/scim-directories. */
export function scimAdminRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const dirs = rt.scim.directories;
    const tags = ['SCIM directories'];
    const base = '/organizations/:org/scim-directories';

    app.post(base, {
      onRequest: write,
      schema: { tags, summary: 'Create a SCIM directory (then create a token for the identity provider)', params: OrgParams, body: s.CreateDirectoryBody, response: { 201: s.DirectorySchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => reply.status(201).send(await dirs.createDirectory(commandContext(req), (req.params as { org: string }).org, req.body as { name: string })),
    });
    app.get(base, {
      onRequest: read,
      schema: { tags, summary: 'List SCIM directories', params: OrgParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.DirectorySchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => dirs.listDirectories((req.params as { org: string }).org, req.query as Page),
    });
    app.get(`${base}/:id`, {
      onRequest: read,
      schema: { tags, summary: 'Read a SCIM directory', params: s.DirectoryParams, response: { 200: s.DirectorySchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as DirP;
        return dirs.getDirectory(p.org, p.id);
      },
    });
    app.patch(`${base}/:id`, {
      onRequest: write,
      schema: { tags, summary: 'Disable or re-enable a SCIM directory (a disabled directory refuses every token)', params: s.DirectoryParams, body: s.UpdateDirectoryBody, response: { 200: s.DirectorySchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => {
        const p = req.params as DirP;
        return dirs.setDirectoryStatus(commandContext(req), p.org, p.id, (req.body as { status: 'active' | 'disabled' }).status);
      },
    });

    app.post(`${base}/:id/tokens`, {
      onRequest: write,
      schema: { tags, summary: 'Create a directory bearer token (shown once)', params: s.DirectoryParams, response: { 201: s.IssuedTokenSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as DirP;
        return reply.status(201).send(await dirs.createToken(commandContext(req), p.org, p.id));
      },
    });
    app.post(`${base}/:id/tokens/rotate`, {
      onRequest: write,
      schema: { tags, summary: 'Rotate: a new token, and the current ones end after an overlap', params: s.DirectoryParams, body: s.RotateTokenBody, response: { 201: s.IssuedTokenSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as DirP;
        return reply.status(201).send(await dirs.rotateToken(commandContext(req), p.org, p.id, (req.body as { overlapSeconds?: number } | undefined)?.overlapSeconds));
      },
    });
    app.get(`${base}/:id/tokens`, {
      onRequest: read,
      schema: { tags, summary: 'List a directory’s tokens with their state and last use', params: s.DirectoryParams, response: { 200: Type.Object({ items: Type.Array(s.TokenSchema) }), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as DirP;
        return { items: await dirs.listTokens(p.org, p.id) };
      },
    });
    app.delete(`${base}/:id/tokens/:tokenId`, {
      onRequest: write,
      schema: { tags, summary: 'Revoke a directory token now', params: s.TokenParams, response: { 200: s.TokenSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => {
        const p = req.params as DirP & { tokenId: string };
        return dirs.revokeToken(commandContext(req), p.org, p.id, p.tokenId);
      },
    });

    app.post(`${base}/:id/group-mappings`, {
      onRequest: write,
      schema: { tags, summary: 'Map a directory group to a role (members get it; privileged roles become pending requests)', params: s.DirectoryParams, body: s.CreateMappingBody, response: { 201: s.MappingSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as DirP;
        return reply.status(201).send(await rt.scim.groupAccess.createMapping(commandContext(req), p.org, p.id, req.body as { group: string; role: string }));
      },
    });
    app.get(`${base}/:id/group-mappings`, {
      onRequest: read,
      schema: { tags, summary: 'List group-to-role mappings', params: s.DirectoryParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.MappingSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as DirP;
        return rt.scim.groupAccess.listMappings(p.org, p.id, req.query as Page);
      },
    });
    app.delete(`${base}/:id/group-mappings/:mappingId`, {
      onRequest: write,
      schema: { tags, summary: 'Remove a mapping (the roles it granted end)', params: s.MappingParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as DirP & { mappingId: string };
        await rt.scim.groupAccess.deleteMapping(commandContext(req), p.org, p.id, p.mappingId);
        return reply.status(204).send();
      },
    });
  };
}
