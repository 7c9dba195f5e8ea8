import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams } from '../http/schemas.ts';
import * as s from './schemas.ts';

/** Administration of users' factors and sessions, and the authentication policies in force, under /api/v1. */
export function authnRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const factorTags = ['Authentication factors'];
    const sessionTags = ['Sessions'];
    const policyTags = ['Authentication policy'];

    app.get('/users/:id/factors', {
      onRequest: read,
      schema: { tags: factorTags, summary: 'List what a user can sign in with (never a secret)', params: s.UserParams, response: { 200: s.FactorSummarySchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => rt.authn.listFactors((req.params as { id: string }).id),
    });
    app.delete('/users/:id/factors/totp/:factorId', {
      onRequest: write,
      schema: { tags: factorTags, summary: 'Remove a user’s TOTP authenticator (active or pending)', params: s.TotpFactorParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as { id: string; factorId: string };
        await rt.authn.removeTotp(commandContext(req), p.id, p.factorId);
        return reply.status(204).send();
      },
    });
    app.post('/users/:id/factors/reset', {
      onRequest: write,
      schema: {
        tags: factorTags,
        summary: 'Reset a user’s second factors (lost device): remove every TOTP authenticator and unused recovery code and revoke every session; the password stays',
        params: s.UserParams,
        body: s.ReasonBody,
        response: { 200: s.FactorResetSchema, ...errors(400, 401, 403, 404, 413, 415) },
      },
      handler: async (req) => rt.authn.resetFactors(commandContext(req), (req.params as { id: string }).id, (req.body as { reason: string }).reason),
    });

    app.get('/users/:id/sessions', {
      onRequest: read,
      schema: { tags: sessionTags, summary: 'List a user’s live sessions, newest first (with includeEnded, their history too)', params: s.UserParams, querystring: s.SessionListQuery, response: { 200: s.SessionList, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const userId = (req.params as { id: string }).id;
        await rt.identity.requireUser(userId);
        return { items: await rt.sessions.listForUser(userId, { includeEnded: (req.query as { includeEnded?: boolean }).includeEnded ?? false }) };
      },
    });
    app.post('/users/:id/sessions/revoke', {
      onRequest: write,
      schema: { tags: sessionTags, summary: 'Revoke every live session of a user (sign out everywhere)', params: s.UserParams, body: s.ReasonBody, response: { 200: s.RevokedCount, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => {
        const userId = (req.params as { id: string }).id;
        await rt.identity.requireUser(userId);
        return { revoked: await rt.sessions.revokeAllForUser(commandContext(req), userId, (req.body as { reason: string }).reason) };
      },
    });
    app.post('/sessions/:id/revoke', {
      onRequest: write,
      // The reason is optional, so an empty request (no body at all) means "revoke, no reason given".
      preValidation: async (req) => {
        if (req.body === undefined) req.body = {};
      },
      schema: { tags: sessionTags, summary: 'Revoke one session; an ended session is returned as it is', params: s.SessionParams, body: s.OptionalReasonBody, response: { 200: s.SessionSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => {
        const sessionId = (req.params as { id: string }).id;
        await rt.sessions.revoke(commandContext(req), sessionId, (req.body as { reason?: string }).reason ?? 'revoked by an administrator');
        return rt.sessions.requireSession(sessionId);
      },
    });

    app.get('/organizations/:org/authn-policy', {
      onRequest: read,
      schema: { tags: policyTags, summary: 'The password, session and MFA policies in force in an organization, defaults filled in', params: OrgParams, response: { 200: s.AuthnPolicySchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => rt.authn.describeAuthnPolicy((req.params as { org: string }).org),
    });
    app.get('/users/:id/mfa-status', {
      onRequest: read,
      schema: {
        tags: policyTags,
        summary: 'A member’s MFA requirement in an organization (level, source, grace), the factors enrolled, and whether they meet it',
        params: s.UserParams,
        querystring: s.MfaStatusQuery,
        response: { 200: s.MfaStatusSchema, ...errors(400, 401, 403, 404) },
      },
      handler: async (req) => rt.authn.getMfaStatus((req.params as { id: string }).id, (req.query as { org: string }).org),
    });
  };
}
