import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { requireUserSession, sessionCommandContext, signedInOf } from '../http/session-guard.ts';
import { errors } from '../http/schemas.ts';
import { AssignmentSchema } from './schemas.ts';
import { SESSION_SECURITY } from './me-routes.ts';
import * as s from './elevation-schemas.ts';
import { AccessRequestDetailSchema } from './request-routes.ts';

/**
 * Self-service just-in-time elevation under /api/v1/me: the signed-in user's
 * eligibilities, activating one (with a fresh phishing-resistant step-up), and
 * ending an activation early.
 */
export function elevationRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const signedIn = requireUserSession(rt);
    const tags = ['Self-service'];
    app.get('/me/eligibilities', {
      onRequest: signedIn,
      schema: { tags, summary: 'The roles the signed-in user may activate, and the activations running now', security: SESSION_SECURITY, response: { 200: Type.Object({ items: Type.Array(s.MyEligibilitySchema) }), ...errors(401) } },
      handler: async (req) => ({ items: await rt.elevation.listMine(signedInOf(req).user.id) }),
    });
    app.post('/me/elevations', {
      onRequest: signedIn,
      schema: {
        tags,
        summary: 'Activate an eligible role for a while (needs a fresh passkey proof)',
        security: SESSION_SECURITY,
        body: s.ActivateBody,
        response: { 201: AssignmentSchema, ...errors(400, 401, 403, 404, 409, 413, 422) },
      },
      handler: async (req, reply) => reply.status(201).send(await rt.elevation.activate(sessionCommandContext(req), signedInOf(req).session, req.body as { eligibilityId: string; justification: string; durationMinutes: number })),
    });
    app.post('/me/elevation-requests', {
      onRequest: signedIn,
      schema: {
        tags,
        summary: 'Ask for an activation of a role that needs approval (needs a fresh passkey proof; it starts when the last approver agrees)',
        security: SESSION_SECURITY,
        body: s.ActivateBody,
        response: { 201: AccessRequestDetailSchema, ...errors(400, 401, 403, 404, 409, 413, 422) },
      },
      handler: async (req, reply) => reply.status(201).send(await rt.elevationRequests.requestActivation(sessionCommandContext(req), signedInOf(req).session, req.body as { eligibilityId: string; justification: string; durationMinutes: number })),
    });
    app.post('/me/elevations/:id/deactivate', {
      onRequest: signedIn,
      schema: { tags, summary: 'End an activation of the signed-in user now', security: SESSION_SECURITY, params: s.ActivationParams, body: s.EndBody, response: { 200: AssignmentSchema, ...errors(400, 401, 403, 404, 409, 413) } },
      handler: async (req) => rt.elevation.deactivate(sessionCommandContext(req), signedInOf(req).user.id, (req.params as { id: string }).id, (req.body as { reason?: string | null }).reason ?? null),
    });
  };
}
