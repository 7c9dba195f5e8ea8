import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../../runtime.ts';
import { requireAnyScope } from '../../http/auth-guard.ts';
import { errors, Paged } from '../../http/schemas.ts';
import { FindingSchema } from '../../monitor/findings/schemas.ts';
import * as s from './schemas.ts';
import type { ComplianceDataset } from './views.ts';
import { summarizeCompliance, type SummaryRequest } from './summary.ts';

type Page = { limit: number; cursor?: string };

/**
 * The read-only compliance API for GRC platforms under /api/v1/compliance. A key with
 * `compliance:read` reads it and nothing else; `admin:read` reads it too, since it already
 * reads the same facts through the admin API. The summary (the console's Overview) is open to
 * `audit:read` as well, since it shows what an evidence export would. Every response is computed
 * at request time; reads are not recorded in the ledger, only the lists are counted in /metrics.
 */
export function complianceRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const read = requireAnyScope(rt.apiKeys, ['compliance:read', 'admin:read']);
    const tags = ['Compliance (GRC platforms)'];
    const counted = (dataset: ComplianceDataset) => rt.metrics.complianceReads.inc(1, { dataset });

    app.get('/compliance/users', {
      onRequest: read,
      schema: { tags, summary: 'The organization’s members as user accounts: permission level, roles, status, MFA, auth method, sign-in and deactivation times', querystring: s.UsersQuery, response: { 200: Paged(s.ComplianceUserSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const q = req.query as { org: string } & Page;
        const page = await rt.compliance.listUsers(q.org, { limit: q.limit, cursor: q.cursor });
        counted('users');
        return page;
      },
    });

    app.get('/compliance/role-assignments', {
      onRequest: read,
      schema: { tags, summary: 'Role assignments, current and ended: principal, role, privileged, granted at and by, approval, expiry', querystring: s.RoleAssignmentsQuery, response: { 200: Paged(s.ComplianceRoleAssignmentSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const q = req.query as { org: string; active?: boolean } & Page;
        const page = await rt.compliance.listRoleAssignments(q.org, { active: q.active }, { limit: q.limit, cursor: q.cursor });
        counted('role-assignments');
        return page;
      },
    });

    app.get('/compliance/access-reviews', {
      onRequest: read,
      schema: { tags, summary: 'Access review campaigns with their item counts and sign-off times', querystring: s.AccessReviewsQuery, response: { 200: Paged(s.ComplianceAccessReviewSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const q = req.query as { org: string } & Page;
        const page = await rt.compliance.listAccessReviews(q.org, { limit: q.limit, cursor: q.cursor });
        counted('access-reviews');
        return page;
      },
    });

    app.get('/compliance/deprovisioning', {
      onRequest: read,
      schema: { tags, summary: 'Leavers terminated in the window: terminated and access-removed times, latency and SLA verdict', querystring: s.DeprovisioningQuery, response: { 200: Paged(s.ComplianceDeprovisioningSchema), ...errors(400, 401, 403, 404, 422) } },
      handler: async (req) => {
        const q = req.query as { org: string; from?: string; to?: string } & Page;
        const page = await rt.compliance.listDeprovisioning(q.org, { from: q.from, to: q.to }, { limit: q.limit, cursor: q.cursor });
        counted('deprovisioning');
        return page;
      },
    });

    // The console's Overview reads it too, with an administrator's or an auditor's key.
    const summaryRead = requireAnyScope(rt.apiKeys, ['compliance:read', 'admin:read', 'audit:read']);
    app.get('/compliance/summary', {
      onRequest: summaryRead,
      schema: {
        tags,
        summary: 'One organization at a glance: each criterion’s verdict for the window (as its evidence package computes it), open findings, MFA coverage, leavers and their removal latency, overdue and upcoming access reviews',
        querystring: s.SummaryQuery,
        response: { 200: s.ComplianceSummarySchema, ...errors(400, 401, 403, 404, 422) },
      },
      handler: async (req) => summarizeCompliance(rt, req.query as SummaryRequest),
    });

    app.get('/compliance/findings', {
      onRequest: read,
      schema: { tags, summary: 'Control-drift findings, newest first: every open one and those resolved or closed recently', querystring: s.FindingsQuery, response: { 200: Paged(FindingSchema), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const q = req.query as { org: string; since?: string } & Page;
        const page = await rt.compliance.listFindings(q.org, { since: q.since }, { limit: q.limit, cursor: q.cursor });
        counted('findings');
        return page;
      },
    });
  };
}
