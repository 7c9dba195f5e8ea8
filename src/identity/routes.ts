import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams, PageQuery, Paged, Uuid } from '../http/schemas.ts';
import * as s from './schemas.ts';
import type { UserPatch } from './service.ts';

type Page = { limit: number; cursor?: string };

/** Organizations, users and memberships under /api/v1 (service accounts: src/service-accounts/routes.ts). */
export function identityRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const id = rt.identity;

    app.post('/organizations', {
      onRequest: write,
      schema: { tags: ['Organizations'], summary: 'Create an organization', body: s.CreateOrganizationBody, response: { 201: s.OrganizationSchema, ...errors(400, 401, 403, 409, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await id.createOrganization(commandContext(req), req.body as never)),
    });
    app.get('/organizations', {
      onRequest: read,
      schema: { tags: ['Organizations'], summary: 'List organizations', querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.OrganizationSchema), ...errors(400, 401, 403) } },
      handler: async (req) => id.listOrganizations(req.query as Page),
    });
    app.get('/organizations/:org', {
      onRequest: read,
      schema: { tags: ['Organizations'], summary: 'Read an organization by id or slug', params: OrgParams, response: { 200: s.OrganizationSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => id.requireOrg((req.params as { org: string }).org),
    });
    app.patch('/organizations/:org', {
      onRequest: write,
      schema: { tags: ['Organizations'], summary: 'Rename an organization or change its settings', params: OrgParams, body: s.UpdateOrganizationBody, response: { 200: s.OrganizationSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req) => id.updateOrganization(commandContext(req), (req.params as { org: string }).org, req.body as never),
    });

    app.post('/users', {
      onRequest: write,
      schema: { tags: ['Users'], summary: 'Create a user, optionally as a member of an organization', body: s.CreateUserBody, response: { 201: s.UserSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req, reply) => {
        const { org, ...input } = req.body as { org?: string; email: string };
        return reply.status(201).send(await id.createUser(commandContext(req), input, { orgRef: org }));
      },
    });
    app.get('/users', {
      onRequest: read,
      schema: { tags: ['Users'], summary: 'List users, filtered by organization, status, email, department or manager, or searched by part of the email or name (q)', querystring: s.UserListQuery, response: { 200: Paged(s.UserSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const { limit, cursor, org, ...filter } = req.query as Page & { org?: string };
        return id.listUsers({ ...filter, orgRef: org }, { limit, cursor });
      },
    });
    app.get('/users/:id', {
      onRequest: read,
      schema: { tags: ['Users'], summary: 'Read a user', params: Type.Object({ id: Uuid }), response: { 200: s.UserSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => id.requireUser((req.params as { id: string }).id),
    });
    app.get('/users/:id/memberships', {
      onRequest: read,
      schema: { tags: ['Memberships'], summary: 'List the organizations a user is a member of', params: Type.Object({ id: Uuid }), querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.UserMembershipSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => id.listMembershipsOfUser((req.params as { id: string }).id, req.query as Page),
    });
    app.patch('/users/:id', {
      onRequest: write,
      schema: { tags: ['Users'], summary: 'Change a user’s profile, manager, employee attributes or status', params: Type.Object({ id: Uuid }), body: s.UpdateUserBody, response: { 200: s.UserSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req) => {
        const userId = (req.params as { id: string }).id;
        const { status, statusReason, ...patch } = req.body as UserPatch & { status?: 'active' | 'suspended' | 'deprovisioned'; statusReason?: string };
        const ctx = commandContext(req);
        let user = Object.keys(patch).length > 0 ? await id.updateUser(ctx, userId, patch) : await id.requireUser(userId);
        if (status && status !== user.status) user = await id.setUserStatus(ctx, userId, status, statusReason ?? null);
        return user;
      },
    });

    app.get('/organizations/:org/members', {
      onRequest: read,
      schema: { tags: ['Memberships'], summary: 'List the members of an organization', params: OrgParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.UserSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => id.listMembers((req.params as { org: string }).org, req.query as Page),
    });
    app.post('/organizations/:org/members', {
      onRequest: write,
      schema: { tags: ['Memberships'], summary: 'Add a user to an organization', params: OrgParams, body: s.AddMemberBody, response: { 201: s.MembershipSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req, reply) => reply.status(201).send(await id.addMember(commandContext(req), (req.params as { org: string }).org, (req.body as { userId: string }).userId)),
    });
    app.delete('/organizations/:org/members/:userId', {
      onRequest: write,
      schema: { tags: ['Memberships'], summary: 'Remove a user from an organization, ending their role assignments there', params: Type.Object({ org: Type.String({ maxLength: 64 }), userId: Uuid }), response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as { org: string; userId: string };
        await id.removeMember(commandContext(req), p.org, p.userId);
        return reply.status(204).send();
      },
    });
  };
}
