import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../../runtime.ts';
import { commandContext, requireScope } from '../../http/auth-guard.ts';
import { errors, OrgParams, Paged } from '../../http/schemas.ts';
import type { InvitationStatus } from './repository.ts';
import * as s from './schemas.ts';

/** Invitations, and links mailed on an administrator's request, under /api/v1. */
export function enrollmentRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const enrollment = rt.enrollment;

    app.post('/organizations/:org/invitations', {
      onRequest: write,
      schema: {
        tags: ['Invitations'],
        summary: 'Invite an email address to the organization: mails a one-time sign-up link, returned here once; replaces a pending invitation to the same address',
        params: OrgParams,
        body: s.CreateInvitationBody,
        response: { 201: s.CreatedInvitation, ...errors(400, 401, 403, 404, 409, 413, 415) },
      },
      handler: async (req, reply) => reply.status(201).send(await enrollment.inviteUser(commandContext(req), (req.params as { org: string }).org, req.body as { email: string; expiresInHours?: number })),
    });
    app.get('/organizations/:org/invitations', {
      onRequest: read,
      schema: { tags: ['Invitations'], summary: 'List the invitations of an organization, optionally in one status (never their links)', params: OrgParams, querystring: s.InvitationListQuery, response: { 200: Paged(s.InvitationSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => enrollment.listInvitations((req.params as { org: string }).org, req.query as { status?: InvitationStatus; limit: number; cursor?: string }),
    });
    app.post('/organizations/:org/invitations/:id/revoke', {
      onRequest: write,
      schema: { tags: ['Invitations'], summary: 'Revoke a pending invitation; its link stops working', params: s.InvitationParams, response: { 200: s.InvitationSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => {
        const p = req.params as { org: string; id: string };
        return enrollment.revokeInvitation(commandContext(req), p.org, p.id);
      },
    });

    app.post('/users/:id/password-reset', {
      onRequest: write,
      schema: { tags: ['Users'], summary: 'Mail the user a one-time password reset link (30 minutes; never returned here)', params: s.UserParams, response: { 202: s.LinkSentSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req, reply) => reply.status(202).send(await enrollment.requestPasswordResetForUser(commandContext(req), (req.params as { id: string }).id)),
    });
    app.post('/users/:id/email-verification', {
      onRequest: write,
      schema: { tags: ['Users'], summary: 'Mail the user a one-time email verification link (24 hours; never returned here)', params: s.UserParams, response: { 202: s.LinkSentSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req, reply) => reply.status(202).send(await enrollment.sendEmailVerification(commandContext(req), (req.params as { id: string }).id)),
    });
  };
}
