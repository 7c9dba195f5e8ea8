import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams, PageQuery, Paged } from '../http/schemas.ts';
import * as s from './schemas.ts';
import type { GrantInput } from './service.ts';
import { roleDefinitionsCsv, roleDefinitionsMarkdown } from './role-definitions.ts';

type Page = { limit: number; cursor?: string };

/** Roles and role assignments of an organization under /api/v1/organizations/:org. */
export function accessRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const access = rt.access;
    const roleTags = ['Roles'];
    const assignmentTags = ['Role assignments'];

    app.post('/organizations/:org/roles', {
      onRequest: write,
      schema: { tags: roleTags, summary: 'Define a role', params: OrgParams, body: s.CreateRoleBody, response: { 201: s.RoleSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await access.createRole(commandContext(req), (req.params as { org: string }).org, req.body as never)),
    });
    app.get('/organizations/:org/roles', {
      onRequest: read,
      schema: { tags: roleTags, summary: 'List role definitions', params: OrgParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.RoleSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => access.listRoles((req.params as { org: string }).org, req.query as Page),
    });
    app.get('/organizations/:org/roles/:role', {
      onRequest: read,
      schema: { tags: roleTags, summary: 'Read a role by id or key', params: s.RoleParams, response: { 200: s.RoleSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as { org: string; role: string };
        return access.getRole(p.org, p.role);
      },
    });
    app.patch('/organizations/:org/roles/:role', {
      onRequest: write,
      schema: { tags: roleTags, summary: 'Change a role definition', params: s.RoleParams, body: s.UpdateRoleBody, response: { 200: s.RoleSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req) => {
        const p = req.params as { org: string; role: string };
        return access.updateRole(commandContext(req), p.org, p.role, req.body as never);
      },
    });
    app.delete('/organizations/:org/roles/:role', {
      onRequest: write,
      schema: { tags: roleTags, summary: 'Delete a role that was never assigned', params: s.RoleParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as { org: string; role: string };
        await access.deleteRole(commandContext(req), p.org, p.role);
        return reply.status(204).send();
      },
    });

    app.get('/organizations/:org/role-definitions', {
      onRequest: read,
      schema: {
        tags: roleTags,
        summary: 'Export the documented role definitions with their change history from the ledger (JSON, CSV or Markdown)',
        params: OrgParams,
        querystring: s.RoleDefinitionsQuery,
        response: {
          200: { description: 'the role definitions', content: { 'application/json': { schema: s.RoleDefinitionsSchema }, 'text/csv': { schema: Type.String() }, 'text/markdown': { schema: Type.String() } } },
          ...errors(400, 401, 403, 404),
        },
      },
      handler: async (req, reply) => {
        const { format = 'json' } = req.query as { format?: 'json' | 'csv' | 'markdown' };
        const doc = await access.roleDefinitions((req.params as { org: string }).org);
        const name = `role-definitions-${doc.org.slug}`;
        if (format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(roleDefinitionsCsv(doc));
        if (format === 'markdown') return reply.type('text/markdown; charset=utf-8').header('content-disposition', `attachment; filename="${name}.md"`).send(roleDefinitionsMarkdown(doc));
        return doc;
      },
    });

    app.post('/organizations/:org/role-assignments', {
      onRequest: write,
      schema: { tags: assignmentTags, summary: 'Grant a role to a user or service account', params: OrgParams, body: s.GrantBody, response: { 201: s.AssignmentSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await access.grant(commandContext(req), (req.params as { org: string }).org, req.body as GrantInput)),
    });
    app.get('/organizations/:org/role-assignments', {
      onRequest: read,
      schema: { tags: assignmentTags, summary: 'List role assignments, filtered by role, principal or activity', params: OrgParams, querystring: s.AssignmentListQuery, response: { 200: Paged(s.AssignmentSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const { limit, cursor, ...filter } = req.query as Page & { role?: string; principalId?: string; active?: boolean };
        return access.listAssignments((req.params as { org: string }).org, filter, { limit, cursor });
      },
    });
    app.get('/organizations/:org/role-assignments/:id', {
      onRequest: read,
      schema: { tags: assignmentTags, summary: 'Read a role assignment', params: s.AssignmentParams, response: { 200: s.AssignmentSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as { org: string; id: string };
        return access.getAssignment(p.org, p.id);
      },
    });
    app.post('/organizations/:org/role-assignments/:id/revoke', {
      onRequest: write,
      // The reason is optional, so an empty request (no body at all) means "revoke, no reason given".
      preValidation: async (req) => {
        if (req.body === undefined) req.body = {};
      },
      schema: { tags: assignmentTags, summary: 'End a role assignment now', params: s.AssignmentParams, body: s.RevokeBody, response: { 200: s.AssignmentSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => {
        const p = req.params as { org: string; id: string };
        return access.revoke(commandContext(req), p.org, p.id, (req.body as { reason?: string | null } | undefined)?.reason ?? null);
      },
    });
  };
}
