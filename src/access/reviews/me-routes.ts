import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../../runtime.ts';
import { requireUserSession, sessionCommandContext, signedInOf } from '../../http/session-guard.ts';
import { errors } from '../../http/schemas.ts';
import { SESSION_SECURITY } from '../me-routes.ts';
import * as s from './schemas.ts';
import type { DecisionInput } from './decisions.ts';

/**
 * The reviewer's side of access reviews under /api/v1/me/access-reviews, authorized by
 * the session cookie: the signed-in user sees and decides only the items given to them.
 */
export function meAccessReviewRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const signedIn = requireUserSession(rt);
    const reviews = rt.accessReviews;
    const tags = ['Self-service'];

    app.get('/me/access-reviews', {
      onRequest: signedIn,
      schema: { tags, summary: 'My undecided review items in open campaigns, privileged first', security: SESSION_SECURITY, response: { 200: Type.Object({ items: Type.Array(s.MyItemSchema) }), ...errors(401) } },
      handler: async (req) => ({ items: await reviews.myOpenItems(signedInOf(req).user.id) }),
    });
    app.post('/me/access-reviews/decisions', {
      onRequest: signedIn,
      schema: { tags, summary: 'Decide review items, all or nothing (a revoke needs a comment)', security: SESSION_SECURITY, body: s.DecisionsBody, response: { 200: Type.Object({ items: Type.Array(s.ItemSchema) }), ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req) => ({ items: await reviews.decide(sessionCommandContext(req), signedInOf(req).user.id, (req.body as { decisions: DecisionInput[] }).decisions) }),
    });
    app.post('/me/access-reviews/items/:id/delegate', {
      onRequest: signedIn,
      schema: { tags, summary: 'Hand one of my review items to another member', security: SESSION_SECURITY, params: s.IdParams, body: s.DelegateBody, response: { 200: s.ItemSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req) => reviews.delegate(sessionCommandContext(req), signedInOf(req).user.id, (req.params as { id: string }).id, req.body as { to: string; comment: string }),
    });
    app.post('/me/access-reviews/:id/sign-off', {
      onRequest: signedIn,
      // Nothing to send but the act itself; an empty JSON object is the body.
      schema: { tags, summary: 'Sign a campaign off: as a reviewer (all my items decided), or as its owner after every reviewer (closes it)', security: SESSION_SECURITY, params: s.IdParams, body: Type.Object({}, { additionalProperties: false }), response: { 200: s.SignOffSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => reviews.signOff(sessionCommandContext(req), signedInOf(req).user.id, (req.params as { id: string }).id),
    });
  };
}
