import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { requireScope } from '../http/auth-guard.ts';
import { errors, Timestamp, Uuid } from '../http/schemas.ts';

const OutboxMessage = Type.Object({ id: Uuid, kind: Type.String(), to: Type.String(), subject: Type.String(), text: Type.String(), createdAt: Timestamp });

/** The dev outbox: mail kept instead of sent while no SMTP server is configured. */
export function mailRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    app.get('/mail/outbox', {
      onRequest: requireScope(rt.apiKeys, 'admin:read'),
      schema: {
        tags: ['Mail'],
        summary: 'Mail kept in the dev outbox (no SMTP configured), newest first; holds one-time links',
        querystring: Type.Object({ to: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ transport: Type.String({ enum: ['smtp', 'outbox'] }), items: Type.Array(OutboxMessage) }), ...errors(400, 401, 403) },
      },
      handler: async (request) => {
        const q = request.query as { to?: string; limit: number };
        return { transport: rt.mailer.transport, items: await rt.mailer.listOutbox({ to: q.to, limit: q.limit }) };
      },
    });
  };
}
