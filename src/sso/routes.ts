import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams, PageQuery, Paged } from '../http/schemas.ts';
import type { ConnectionInput, ConnectionPatch } from './connections.ts';
import * as s from './schemas.ts';

type Page = { limit: number; cursor?: string };
type OrgP = { org: string };
type IdP = { org: string; id: string };

/**
 * Enterprise SSO administration under /api/v1/organizations/:org: connections
 * (with their IdP certificates, "test connection" results and group rules),
 * routed domains, and setup links for the customer's own administrator.
 */
export function ssoAdminRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const { connections, domains, groupMappings, setupLinks, signIn, testLinks } = rt.sso;
    const conns = '/organizations/:org/sso-connections';
    const tags = ['Enterprise SSO'];

    app.post(conns, {
      onRequest: write,
      schema: { tags, summary: 'Create a SAML or OIDC connection to the organization’s identity provider', params: OrgParams, body: s.CreateConnectionBody, response: { 201: s.ConnectionSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await connections.create(commandContext(req), (req.params as OrgP).org, req.body as ConnectionInput)),
    });
    app.get(conns, {
      onRequest: read,
      schema: { tags, summary: 'List SSO connections', params: OrgParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.ConnectionSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => connections.list((req.params as OrgP).org, req.query as Page),
    });
    app.get(`${conns}/:id`, {
      onRequest: read,
      schema: { tags, summary: 'Read an SSO connection (with the URLs to give the IdP)', params: s.ConnectionParams, response: { 200: s.ConnectionSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as IdP;
        return connections.get(p.org, p.id);
      },
    });
    app.patch(`${conns}/:id`, {
      onRequest: write,
      schema: { tags, summary: 'Change a connection: rename, disable, re-import metadata, new client credentials', params: s.ConnectionParams, body: s.UpdateConnectionBody, response: { 200: s.ConnectionSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req) => {
        const p = req.params as IdP;
        return connections.update(commandContext(req), p.org, p.id, req.body as ConnectionPatch);
      },
    });
    app.delete(`${conns}/:id`, {
      onRequest: write,
      schema: { tags, summary: 'Delete a connection with its group rules and linked IdP subjects (accounts stay)', params: s.ConnectionParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as IdP;
        await connections.delete(commandContext(req), p.org, p.id);
        return reply.status(204).send();
      },
    });

    app.post(`${conns}/:id/certificates`, {
      onRequest: write,
      schema: { tags, summary: 'Trust one more IdP signing certificate (rollover)', params: s.ConnectionParams, body: s.AddCertificateBody, response: { 200: s.ConnectionSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req) => {
        const p = req.params as IdP;
        return connections.addCertificate(commandContext(req), p.org, p.id, (req.body as { certificate: string }).certificate);
      },
    });
    app.delete(`${conns}/:id/certificates/:fingerprint`, {
      onRequest: write,
      schema: { tags, summary: 'Stop trusting an IdP signing certificate (the last one cannot go)', params: s.CertificateParams, response: { 200: s.ConnectionSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => {
        const p = req.params as IdP & { fingerprint: string };
        return connections.removeCertificate(commandContext(req), p.org, p.id, p.fingerprint);
      },
    });
    app.post(`${conns}/:id/tests`, {
      onRequest: write,
      schema: { tags, summary: 'Start a "test connection" sign-in: a one-time link (10 minutes) that runs the real sign-in at the IdP without opening a session', params: s.ConnectionParams, response: { 201: s.StartedTestSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as IdP;
        return reply.status(201).send(await testLinks.issue(commandContext(req), p.org, p.id));
      },
    });
    app.get(`${conns}/:id/tests`, {
      onRequest: read,
      schema: { tags, summary: 'The last "test connection" results, newest first', params: s.ConnectionParams, response: { 200: Type.Object({ items: Type.Array(s.ConnectionTestSchema) }), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as IdP;
        // Read through the organization first: another organization's connection is not found.
        const conn = await connections.get(p.org, p.id);
        return { items: await signIn.listTests(conn.id) };
      },
    });

    app.post(`${conns}/:id/group-mappings`, {
      onRequest: write,
      schema: { tags, summary: 'Map an IdP group to a role (granted at sign-in; a privileged role is requested for approval)', params: s.ConnectionParams, body: s.CreateGroupMappingBody, response: { 201: s.GroupMappingSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as IdP;
        return reply.status(201).send(await groupMappings.add(commandContext(req), p.org, p.id, req.body as { group: string; role: string }));
      },
    });
    app.get(`${conns}/:id/group-mappings`, {
      onRequest: read,
      schema: { tags, summary: 'List the group-to-role rules of a connection', params: s.ConnectionParams, response: { 200: Type.Object({ items: Type.Array(s.GroupMappingSchema) }), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as IdP;
        return { items: await groupMappings.list(p.org, p.id) };
      },
    });
    app.delete(`${conns}/:id/group-mappings/:mappingId`, {
      onRequest: write,
      schema: { tags, summary: 'Remove a group rule (roles it granted stay until the next sign-in without the group)', params: s.GroupMappingParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as IdP & { mappingId: string };
        await groupMappings.remove(commandContext(req), p.org, p.id, p.mappingId);
        return reply.status(204).send();
      },
    });

    const doms = '/organizations/:org/sso-domains';
    app.post(doms, {
      onRequest: write,
      schema: { tags, summary: 'Claim an email domain (routes nobody until verified); the response names the TXT record to publish', params: OrgParams, body: s.CreateDomainBody, response: { 201: s.DomainSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await domains.add(commandContext(req), (req.params as OrgP).org, (req.body as { domain: string }).domain)),
    });
    app.get(doms, {
      onRequest: read,
      schema: { tags, summary: 'List the organization’s domains and their verification', params: OrgParams, response: { 200: Type.Object({ items: Type.Array(s.DomainSchema) }), ...errors(400, 401, 403, 404) } },
      handler: async (req) => ({ items: await domains.list((req.params as OrgP).org) }),
    });
    app.post(`${doms}/:id/verify`, {
      onRequest: write,
      schema: { tags, summary: 'Verify a domain by its DNS TXT record (details.found lists what DNS returned when it fails)', params: s.DomainParams, response: { 200: s.DomainSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req) => {
        const p = req.params as IdP;
        return domains.verifyByDns(commandContext(req), p.org, p.id);
      },
    });
    app.post(`${doms}/:id/attest`, {
      onRequest: write,
      schema: { tags, summary: 'Verify a domain on your word (the statement and who gave it are kept in the ledger)', params: s.DomainParams, body: s.AttestDomainBody, response: { 200: s.DomainSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => {
        const p = req.params as IdP;
        return domains.attest(commandContext(req), p.org, p.id, (req.body as { statement: string }).statement.trim());
      },
    });
    app.delete(`${doms}/:id`, {
      onRequest: write,
      schema: { tags, summary: 'Stop routing a domain to the organization', params: s.DomainParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as IdP;
        await domains.remove(commandContext(req), p.org, p.id);
        return reply.status(204).send();
      },
    });

    const links = '/organizations/:org/sso-setup-links';
    app.post(links, {
      onRequest: write,
      schema: { tags, summary: 'Issue a setup link for the organization’s own IT administrator (the URL is shown once)', params: OrgParams, body: s.CreateSetupLinkBody, response: { 201: s.IssuedSetupLinkSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => reply.status(201).send(await setupLinks.create(commandContext(req), (req.params as OrgP).org, (req.body ?? {}) as { email?: string; expiresInDays?: number })),
    });
    app.get(links, {
      onRequest: read,
      schema: { tags, summary: 'List setup links and their state (never the link itself)', params: OrgParams, response: { 200: Type.Object({ items: Type.Array(s.SetupLinkSchema) }), ...errors(400, 401, 403, 404) } },
      handler: async (req) => ({ items: await setupLinks.list((req.params as OrgP).org) }),
    });
    app.post(`${links}/:id/revoke`, {
      onRequest: write,
      schema: { tags, summary: 'Revoke a setup link now', params: s.SetupLinkParams, response: { 200: s.SetupLinkSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => {
        const p = req.params as IdP;
        return setupLinks.revoke(commandContext(req), p.org, p.id);
      },
    });
  };
}
