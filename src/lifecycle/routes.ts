import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { commandContext, requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams, PageQuery, Paged } from '../http/schemas.ts';
import * as s from './schemas.ts';
import type { LeaverWindow } from './service.ts';

type Page = { limit: number; cursor?: string };
type MemberP = { org: string; id: string };

/** Whether the client asked for the CSV form (?format=csv, or Accept: text/csv without ?format=json). */
function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept ?? '');
}

/** Deprovisioning, reactivation, the leavers report, SLA findings and HR sources under /api/v1/organizations/:org. */
export function lifecycleRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const lc = rt.lifecycle;
    const tags = ['Lifecycle'];

    app.post('/organizations/:org/users/:id/deprovision', {
      onRequest: write,
      schema: {
        tags,
        summary: 'Deprovision a member now: sessions, tokens and grants revoked, every role assignment ended, pending requests cancelled, a leaver record with the SLA verdict',
        params: s.MemberParams,
        body: s.DeprovisionBody,
        response: { 200: s.RemovalSchema, ...errors(400, 401, 403, 404, 413, 415, 422) },
      },
      handler: async (req) => {
        const p = req.params as MemberP;
        return lc.deprovision(commandContext(req), p.org, p.id, req.body as { terminatedAt?: string; reason: string });
      },
    });
    app.post('/organizations/:org/users/:id/reactivate', {
      onRequest: write,
      schema: { tags, summary: 'Make a deprovisioned member active again (role assignments are not restored)', params: s.MemberParams, body: s.ReactivateBody, response: { 200: s.ReactivationSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => {
        const p = req.params as MemberP;
        return lc.reactivate(commandContext(req), p.org, p.id, req.body as { reason: string });
      },
    });

    app.get('/organizations/:org/leavers', {
      onRequest: read,
      schema: {
        tags,
        summary: 'The leavers report: everyone deprovisioned with a termination in the window, both timestamps and the SLA verdict (JSON pages, or CSV)',
        params: OrgParams,
        querystring: s.LeaverQuery,
        response: { 200: { description: 'the leavers', content: { 'application/json': { schema: Paged(s.LeaverSchema) }, 'text/csv': { schema: Type.String() } } }, ...errors(400, 401, 403, 404) },
      },
      handler: async (req, reply) => {
        const { org } = req.params as { org: string };
        const { from, to, format, limit, cursor } = req.query as LeaverWindow & Page & { format?: string };
        const accept = req.headers.accept;
        if (wantsCsv(format, typeof accept === 'string' ? accept : undefined)) {
          const csv = await lc.leaversCsv(org, { from, to });
          return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="leavers.csv"').send(csv);
        }
        return reply.type('application/json; charset=utf-8').send(await lc.listLeavers(org, { from, to }, { limit, cursor }));
      },
    });
    app.get('/organizations/:org/lifecycle/findings', {
      onRequest: read,
      schema: { tags, summary: 'Open deprovisioning SLA findings: removals that came late, and due terminations not yet carried out past the SLA', params: OrgParams, querystring: Type.Object({}, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(s.FindingSchema) }), ...errors(400, 401, 403, 404) } },
      handler: async (req) => ({ items: await lc.listFindings((req.params as { org: string }).org) }),
    });

    const hrTags = ['HR sources'];
    app.post('/organizations/:org/hr-sources', {
      onRequest: write,
      schema: { tags: hrTags, summary: 'Register an HR system that posts signed events; its signing secret is shown once', params: OrgParams, body: s.CreateHrSourceBody, response: { 201: s.CreatedHrSourceSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => reply.status(201).send(await lc.createHrSource(commandContext(req), (req.params as { org: string }).org, req.body as { name: string })),
    });
    app.get('/organizations/:org/hr-sources', {
      onRequest: read,
      schema: { tags: hrTags, summary: 'List HR sources (deleted ones included; never a secret)', params: OrgParams, querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Paged(s.HrSourceSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => lc.listHrSources((req.params as { org: string }).org, req.query as Page),
    });
    app.post('/organizations/:org/hr-sources/:id/rotate-secret', {
      onRequest: write,
      // The overlap is optional, so an empty request (no body at all) means "rotate with the default overlap".
      preValidation: async (req) => {
        if (req.body === undefined) req.body = {};
      },
      schema: { tags: hrTags, summary: 'Replace the signing secret (shown once); the old one keeps working for the overlap (default 24 h)', params: s.HrSourceParams, body: s.RotateSecretBody, response: { 200: s.RotatedSecretSchema, ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req) => {
        const p = req.params as MemberP;
        return lc.rotateHrSourceSecret(commandContext(req), p.org, p.id, req.body as { overlapSeconds?: number });
      },
    });
    app.delete('/organizations/:org/hr-sources/:id', {
      onRequest: write,
      schema: { tags: hrTags, summary: 'Delete an HR source: its events are refused from now on', params: s.HrSourceParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) } },
      handler: async (req, reply) => {
        const p = req.params as MemberP;
        await lc.deleteHrSource(commandContext(req), p.org, p.id);
        return reply.status(204).send();
      },
    });
  };
}
