import type { AccessFinding } from '../../access/findings.ts';

/**
 * A control-drift condition as a rule sees it now: the `AccessFinding` shape,
 * with `orgId` null for deployment-level conditions (admin API keys), and
 * `historical` for a fact that cannot clear by itself (a deprovisioning that
 * missed its SLA): once a person resolves it, it never reopens.
 */
export type Condition = Omit<AccessFinding, 'orgId'> & { orgId: string | null; historical?: boolean };

/** Where a rule looks: each organization, or the deployment as a whole. */
export type RuleScope = 'organization' | 'deployment';

/**
 * A rule: the types it reports and how to list its conditions now. `list`
 * gets an organization id (scope `organization`) or null (scope `deployment`).
 * A rule that throws leaves the findings of its types as they are: a failing
 * rule must not read as "every condition cleared".
 */
export interface FindingRule {
  name: string;
  scope: RuleScope;
  types: readonly string[];
  list(orgId: string | null): Promise<Condition[]>;
}

/** The key of one live finding: organization (or `-`), type, subject. */
export function findingKey(c: { orgId: string | null; type: string; subject: { type: string; id: string } }): string {
  return `${c.orgId ?? '-'}|${c.type}|${c.subject.type}:${c.subject.id}`;
}
