import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { requireScope } from '../http/auth-guard.ts';
import { errors, OrgParams, Timestamp, Uuid } from '../http/schemas.ts';
import type { AccessFinding } from './findings.ts';

export const AccessFindingSchema = Type.Object({
  type: Type.String({ description: 'grant_without_approval, standing_privileged_assignment, review_campaign_overdue, review_items_undecided, review_missing' }),
  severity: Type.String({ enum: ['low', 'medium', 'high'] }),
  orgId: Uuid,
  subject: Type.Object({ type: Type.String(), id: Type.String(), display: Type.Optional(Type.String()) }),
  since: Timestamp,
  summary: Type.String(),
  eventIds: Type.Array(Type.String(), { description: 'the ledger events the finding is computed from' }),
});

/** Every source of governance findings, each answering for one organization (by id or slug). */
export type FindingSource = (orgRef: string) => Promise<AccessFinding[]>;

const SEVERITY_ORDER = { high: 0, medium: 1, low: 2 } as const;

/**
 * `GET /organizations/{org}/access-findings`: what an auditor would flag in the
 * organization's access governance now — grants no approval authorized,
 * standing privileged assignments, overdue or missing access reviews — most
 * severe first, each citing the ledger events behind it.
 */
export function accessFindingRoutes(rt: Runtime, sources: () => FindingSource[]): FastifyPluginAsync {
  return async (app) => {
    const read = requireScope(rt.apiKeys, 'admin:read');
    app.get('/organizations/:org/access-findings', {
      onRequest: read,
      schema: { tags: ['Access governance'], summary: 'Open access governance findings, most severe first', params: OrgParams, response: { 200: Type.Object({ items: Type.Array(AccessFindingSchema) }), ...errors(400, 401, 403, 404) } },
      handler: async (req) => {
        const org = await rt.identity.requireOrg((req.params as { org: string }).org);
        const all = (await Promise.all(sources().map((source) => source(org.id)))).flat();
        all.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.since.localeCompare(b.since) || a.subject.id.localeCompare(b.subject.id));
        return { items: all };
      },
    });
  };
}
