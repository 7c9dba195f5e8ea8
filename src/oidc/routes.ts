import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, Timestamp, Uuid } from '../http/schemas.ts';

const SigningKey = Type.Object({
  kid: Type.String(),
  alg: Type.String(),
  state: Type.String({ enum: ['published', 'signing', 'retired'] }),
  createdAt: Timestamp,
  activatesAt: Timestamp,
  retiresAt: Timestamp,
  removesAt: Timestamp,
});
const UserParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const RevokeBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
const AccessRevoked = Type.Object({ sessionsRevoked: Type.Integer({ minimum: 0 }), tokensRevoked: Type.Integer({ minimum: 0 }) });

/** The provider's signing keys, and revoking all of a user's access, under /api/v1. */
export function oidcAdminRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    app.get('/oidc/signing-keys', {
      onRequest: read,
      schema: { tags: ['OpenID Connect'], summary: 'List the provider’s token-signing keys (published, signing, retired) with their schedule', response: { 200: Type.Object({ items: Type.Array(SigningKey) }), ...errors(401, 403) } },
      handler: async () => ({ items: await rt.oidc.listSigningKeys() }),
    });
    app.post('/oidc/signing-keys/rotate', {
      onRequest: write,
      schema: { tags: ['OpenID Connect'], summary: 'Rotate the signing key now (a suspected exposure): a new key signs at once, the old one stays published until its tokens expire', response: { 201: SigningKey, ...errors(400, 401, 403, 413, 415) } },
      handler: async (req, reply) => reply.status(201).send(await rt.oidc.rotateSigningKeyNow(commandContext(req))),
    });
    app.post('/users/:id/revoke-access', {
      onRequest: write,
      schema: { tags: ['Sessions'], summary: 'Revoke everything a user holds: browser sessions, and every grant, code, access and refresh token issued to applications', params: UserParams, body: RevokeBody, response: { 200: AccessRevoked, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => {
        const userId = (req.params as { id: string }).id;
        await rt.identity.requireUser(userId);
        return rt.revocation.revokeUser(commandContext(req), userId, (req.body as { reason: string }).reason);
      },
    });
  };
}
