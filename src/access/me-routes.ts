import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { requireUserSession, signedInOf } from '../http/session-guard.ts';
import { errors, Nullable, Timestamp, Uuid } from '../http/schemas.ts';

/** The OpenAPI security of the self-service API: the session cookie, not an API key. */
export const SESSION_SECURITY = [{ session: [] }];

const HeldRole = Type.Object({
  orgId: Uuid,
  roleId: Uuid,
  roleKey: Type.String(),
  privileged: Type.Boolean(),
  assignmentId: Uuid,
  expiresAt: Nullable(Timestamp),
  permissions: Type.Array(Type.String()),
});
const MeSchema = Type.Object({
  user: Type.Object({ id: Uuid, email: Type.String(), name: Nullable(Type.String()) }),
  session: Type.Object({ id: Uuid, orgId: Nullable(Uuid), amr: Type.Array(Type.String()), authTime: Timestamp, stepUpAt: Nullable(Timestamp) }),
  roles: Type.Array(HeldRole),
  permissions: Type.Array(Type.String(), { description: 'union of the permissions of every role held now, across organizations' }),
});

/**
 * `GET /api/v1/me`: the signed-in user, the session, and the roles and
 * permissions the user holds at this moment — read from the assignments on
 * every request, so a role that ended (revoked, expired, an elevation that ran
 * out) is gone from the very next answer.
 */
export function meRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const signedIn = requireUserSession(rt);
    app.get('/me', {
      onRequest: signedIn,
      schema: { tags: ['Self-service'], summary: 'The signed-in user, session, and roles held now', security: SESSION_SECURITY, response: { 200: MeSchema, ...errors(401) } },
      handler: async (req) => {
        const { user, session } = signedInOf(req);
        const roles = await rt.access.heldRoles('user', user.id);
        return {
          user: { id: user.id, email: user.email, name: user.name },
          session: { id: session.id, orgId: session.orgId, amr: session.amr, authTime: session.authTime, stepUpAt: session.stepUpAt },
          roles,
          permissions: [...new Set(roles.flatMap((r) => r.permissions))].sort(),
        };
      },
    });
  };
}
