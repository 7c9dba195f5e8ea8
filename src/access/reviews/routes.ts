import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../../runtime.ts';
import { commandContext, requireScope } from '../../http/auth-guard.ts';
import { errors, OrgParams, Paged } from '../../http/schemas.ts';
import * as s from './schemas.ts';
import type { AdHocInput } from './campaigns.ts';

type Page = { limit: number; cursor?: string };
type CampaignP = { org: string; id: string };

/** Whether the client asked for CSV (?format=csv, or Accept: text/csv without ?format=json). */
function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept ?? '');
}

/** Access review campaigns of an organization under /api/v1/organizations/:org/access-reviews. */
export function accessReviewRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    const write = requireScope(rt.apiKeys, 'admin:write');
    const reviews = rt.accessReviews;
    const tags = ['Access reviews'];

    app.post('/organizations/:org/access-reviews', {
      onRequest: write,
      schema: { tags, summary: 'Open an ad hoc access review of every active role assignment', params: OrgParams, body: s.CreateCampaignBody, response: { 201: s.CampaignSchema, ...errors(400, 401, 403, 404, 413, 415, 422) } },
      handler: async (req, reply) => reply.status(201).send(await reviews.createCampaign(commandContext(req), (req.params as { org: string }).org, req.body as AdHocInput)),
    });
    app.get('/organizations/:org/access-reviews', {
      onRequest: read,
      schema: { tags, summary: 'List access review campaigns, optionally by status or kind', params: OrgParams, querystring: s.CampaignListQuery, response: { 200: Paged(s.CampaignSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const { status, kind, limit, cursor } = req.query as Page & { status?: 'open'; kind?: 'scheduled' };
        return reviews.listCampaigns((req.params as { org: string }).org, { status, kind }, { limit, cursor });
      },
    });
    app.get('/organizations/:org/access-reviews/:id', {
      onRequest: read,
      schema: { tags, summary: 'Read an access review campaign with its counts', params: s.CampaignParams, response: { 200: s.CampaignSchema, ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as CampaignP;
        return reviews.getCampaign(p.org, p.id);
      },
    });
    app.get('/organizations/:org/access-reviews/:id/items', {
      onRequest: read,
      schema: { tags, summary: 'List a campaign’s items, privileged first, by reviewer or decision', params: s.CampaignParams, querystring: s.ItemListQuery, response: { 200: Paged(s.ItemSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const p = req.params as CampaignP;
        const { reviewerId, decision, limit, cursor } = req.query as Page & { reviewerId?: string; decision?: 'keep' };
        return reviews.listItems(p.org, p.id, { reviewerId, decision }, { limit, cursor });
      },
    });
    app.get('/organizations/:org/access-reviews/:id/report', {
      onRequest: read,
      schema: {
        tags,
        summary: 'The campaign report: every item, its reviewer, decision, decider, time and applied time (JSON, or CSV)',
        params: s.CampaignParams,
        querystring: s.ReportQuery,
        response: { 200: { description: 'the report', content: { 'application/json': { schema: s.ReportSchema }, 'text/csv': { schema: Type.String() } } }, ...errors(400, 401, 403, 404) },
      },
      handler: async (req, reply) => {
        const p = req.params as CampaignP;
        const accept = req.headers.accept;
        if (wantsCsv((req.query as { format?: string }).format, typeof accept === 'string' ? accept : undefined)) {
          const csv = await reviews.reportCsv(p.org, p.id);
          return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="access-review-${p.id}.csv"`).send(csv);
        }
        return reply.type('application/json; charset=utf-8').send(await reviews.report(p.org, p.id));
      },
    });
    app.post('/organizations/:org/access-reviews/:id/close', {
      onRequest: write,
      schema: { tags, summary: 'Close a campaign now (undecided items stay undecided and are reported)', params: s.CampaignParams, response: { 200: s.CampaignSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      handler: async (req) => {
        const p = req.params as CampaignP;
        return reviews.closeCampaign(commandContext(req), p.org, p.id);
      },
    });
  };
}
