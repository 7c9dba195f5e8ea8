import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../../runtime.ts';
import { commandContext, requireScope } from '../../http/auth-guard.ts';
import { errors, PageQuery, Paged, Uuid } from '../../http/schemas.ts';
import * as s from './schemas.ts';

const UserParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/** Account lockout for administrators under /api/v1: an account's state and history, unlocking it, and the accounts locked now. */
export function lockoutRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const tags = ['Lockout'];

    app.get('/users/:id/lockout', {
      onRequest: requireScope(rt.apiKeys, 'admin:read'),
      schema: { tags, summary: 'Read whether a user is locked out, their failed sign-ins in the window and their past locks', params: UserParams, response: { 200: s.LockoutStateSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => rt.lockouts.getLockoutState((req.params as { id: string }).id),
    });

    app.post('/users/:id/unlock', {
      onRequest: requireScope(rt.apiKeys, 'admin:write'),
      // The reason is optional, so an empty request (no body at all) means "unlock, no reason given".
      preValidation: async (req) => {
        if (req.body === undefined) req.body = {};
      },
      schema: { tags, summary: 'Lift a user’s lockout now (an account that is not locked is left unchanged)', params: UserParams, body: s.UnlockBody, response: { 200: s.LockoutStateSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => rt.lockouts.unlockUser(commandContext(req), (req.params as { id: string }).id, (req.body as { reason?: string | null }).reason ?? null),
    });

    app.get('/lockouts', {
      onRequest: requireScope(rt.apiKeys, 'admin:read'),
      schema: { tags, summary: 'List the accounts locked out now, oldest lock first', querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.LockedAccountSchema), ...errors(400, 401, 403) } },
      handler: async (req) => rt.lockouts.listLockedAccounts(req.query as { limit: number; cursor?: string }),
    });
  };
}
