import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams, PageQuery, Paged } from '../http/schemas.ts';
import * as s from './schemas.ts';
import type { NewCredentialInput, RotationInput } from './credentials.ts';

type Page = { limit: number; cursor?: string };
type SaP = { org: string; id: string };
type CredP = SaP & { credentialId: string };

/** Service accounts, their credentials and findings under /api/v1/organizations/:org/service-accounts. */
export function serviceAccountRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const sa = rt.serviceAccounts;
    const tags = ['Service accounts'];

    app.post('/organizations/:org/service-accounts', {
      onRequest: write,
      schema: { tags, summary: 'Create a service account with its owner', params: OrgParams, body: s.CreateServiceAccountBody, response: { 201: s.ServiceAccountSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await sa.createServiceAccount(commandContext(req), (req.params as { org: string }).org, req.body as never)),
    });
    app.get('/organizations/:org/service-accounts', {
      onRequest: read,
      schema: { tags, summary: 'List service accounts (deleted ones included)', params: OrgParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.ServiceAccountSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => sa.listServiceAccounts((req.params as { org: string }).org, req.query as Page),
    });
    app.get('/organizations/:org/service-accounts/findings', {
      onRequest: read,
      schema: { tags, summary: 'Service accounts without an owner, and credentials too old or unused', params: OrgParams, querystring: Type.Object({}, { additionalProperties: false }), response: { 200: s.FindingList, ...errors(400, 401, 403, 404) } },
      handler: async (req) => ({ items: await sa.listFindings((req.params as { org: string }).org) }),
    });
    app.get('/organizations/:org/service-accounts/:id', {
      onRequest: read,
      schema: { tags, summary: 'Read a service account', params: s.SaParams, response: { 200: s.ServiceAccountSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as SaP;
        return sa.getServiceAccount(p.org, p.id);
      },
    });
    app.patch('/organizations/:org/service-accounts/:id', {
      onRequest: write,
      schema: { tags, summary: 'Rename, describe, reassign, disable or enable a service account', params: s.SaParams, body: s.UpdateServiceAccountBody, response: { 200: s.ServiceAccountSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req) => {
        const p = req.params as SaP;
        return sa.updateServiceAccount(commandContext(req), p.org, p.id, req.body as never);
      },
    });
    app.delete('/organizations/:org/service-accounts/:id', {
      onRequest: write,
      schema: { tags, summary: 'Delete a service account: revoke its credentials and end its roles (the record stays)', params: s.SaParams, response: { 200: s.ServiceAccountSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => {
        const p = req.params as SaP;
        return sa.deleteServiceAccount(commandContext(req), p.org, p.id);
      },
    });

    app.post('/organizations/:org/service-accounts/:id/credentials', {
      onRequest: write,
      schema: { tags, summary: 'Create a client secret (shown once) or register a public key', params: s.SaParams, body: s.CreateCredentialBody, response: { 201: s.IssuedCredentialSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req, reply) => {
        const p = req.params as SaP;
        return reply.status(201).send(await sa.createCredential(commandContext(req), p.org, p.id, req.body as NewCredentialInput));
      },
    });
    app.get('/organizations/:org/service-accounts/:id/credentials', {
      onRequest: read,
      schema: { tags, summary: 'List a service account’s credentials (never a secret)', params: s.SaParams, response: { 200: s.CredentialList, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as SaP;
        return { items: await sa.listCredentials(p.org, p.id) };
      },
    });
    app.delete('/organizations/:org/service-accounts/:id/credentials/:credentialId', {
      onRequest: write,
      schema: { tags, summary: 'Revoke a credential now', params: s.CredentialParams, querystring: s.RevokeCredentialQuery, response: { 200: s.CredentialSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => {
        const p = req.params as CredP;
        return sa.revokeCredential(commandContext(req), p.org, p.id, p.credentialId, (req.query as { reason?: string }).reason ?? null);
      },
    });
    app.post('/organizations/:org/service-accounts/:id/credentials/:credentialId/rotate', {
      onRequest: write,
      schema: { tags, summary: 'Replace a credential; the old one keeps working for the overlap', params: s.CredentialParams, body: s.RotateCredentialBody, response: { 201: s.RotatedCredentialSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req, reply) => {
        const p = req.params as CredP;
        return reply.status(201).send(await sa.rotateCredential(commandContext(req), p.org, p.id, p.credentialId, (req.body ?? {}) as RotationInput));
      },
    });
  };
}
