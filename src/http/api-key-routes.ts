import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from './auth-guard.ts';
import { errors, Nullable, PageQuery, Paged, Timestamp, Uuid } from './schemas.ts';
import { ALL_SCOPES } from './scopes.ts';

export const ApiKeySchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  createdBy: Type.Object({ type: Type.String(), id: Type.String() }),
  createdAt: Timestamp,
  expiresAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
});

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Type.String({ enum: ALL_SCOPES }), { minItems: 1, maxItems: ALL_SCOPES.length, uniqueItems: true }),
    expiresAt: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/** Admin API keys: issue (shown once), list, read, revoke. */
export function apiKeyRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const manage = requireScope(rt.apiKeys, 'api_keys:manage');
    const tags = ['API keys'];

    app.post('/api-keys', {
      onRequest: manage,
      schema: { tags, summary: 'Issue an API key; the key is in this response only', body: CreateBody, response: { 201: Type.Object({ key: Type.String(), apiKey: ApiKeySchema }), ...errors(400, 401, 403, 413, 415, 422) } },
      handler: async (request, reply) => {
        const body = request.body as { name: string; scopes: string[]; expiresAt?: string | null };
        const created = await rt.apiKeys.create(commandContext(request), body, request.principal!.scopes);
        return reply.status(201).send(created);
      },
    });

    app.get('/api-keys', {
      onRequest: manage,
      schema: { tags, summary: 'List API keys (never the keys themselves)', querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(ApiKeySchema), ...errors(400, 401, 403) } },
      handler: async (request) => {
        const q = request.query as { limit: number; cursor?: string };
        return rt.apiKeys.list({ limit: q.limit, cursor: q.cursor });
      },
    });

    app.get('/api-keys/:id', {
      onRequest: manage,
      schema: { tags, summary: 'Read an API key', params: IdParams, response: { 200: ApiKeySchema, ...errors(400, 401, 403, 404) } },
      handler: async (request) => rt.apiKeys.get((request.params as { id: string }).id),
    });

    app.post('/api-keys/:id/revoke', {
      onRequest: manage,
      schema: { tags, summary: 'Revoke an API key; it is refused from its next request on', params: IdParams, response: { 200: ApiKeySchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (request) => rt.apiKeys.revoke(commandContext(request), (request.params as { id: string }).id),
    });
  };
}
