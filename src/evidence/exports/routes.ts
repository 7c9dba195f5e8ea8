import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../../runtime.ts';
import { commandContext, requireAnyScope } from '../../http/auth-guard.ts';
import { errors, Paged } from '../../http/schemas.ts';
import type { ExportRequestInput } from './service.ts';
import * as s from './schemas.ts';

type IdP = { id: string };

/**
 * SOC 2 evidence exports under /api/v1/evidence/exports: asking for one,
 * following its progress, downloading the package. Evidence is read access
 * to an organization's whole history: any of compliance:read, audit:read or
 * admin:read may export it.
 */
export function evidenceExportRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireAnyScope(rt.apiKeys, ['compliance:read', 'audit:read', 'admin:read']);
    const x = rt.evidenceExports;
    const tags = ['Evidence'];

    app.post('/evidence/exports', {
      onRequest: read,
      schema: { tags, summary: 'Ask for an evidence package of an organization over a window (runs as a job; follow it with GET)', body: s.ExportBody, response: { 202: s.ExportSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(202).send(await x.request(commandContext(req), req.body as ExportRequestInput)),
    });
    app.get('/evidence/exports', {
      onRequest: read,
      schema: { tags, summary: 'Evidence exports, newest first', querystring: s.ExportQuery, response: { 200: Paged(s.ExportSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const q = req.query as { org?: string; limit: number; cursor?: string };
        return x.list({ org: q.org }, { limit: q.limit, cursor: q.cursor });
      },
    });
    app.get('/evidence/exports/:id', {
      onRequest: read,
      schema: { tags, summary: 'One export: status, progress, and when done the package’s SHA-256 and each criterion’s result', params: s.ExportParams, response: { 200: s.ExportSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => x.get((req.params as IdP).id),
    });
    app.get('/evidence/exports/:id/package', {
      onRequest: read,
      schema: {
        tags,
        summary: 'Download the finished package (a zip; verify it with `keyledger evidence verify`)',
        params: s.ExportParams,
        response: { 200: { description: 'the evidence package', content: { 'application/zip': { schema: Type.String({ format: 'binary' }) } } }, ...errors(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) => {
        const pkg = await x.download(commandContext(req), (req.params as IdP).id);
        return reply.type('application/zip').header('content-disposition', `attachment; filename="${pkg.filename}"`).header('x-keyledger-package-sha256', pkg.sha256).send(pkg.content);
      },
    });
  };
}
