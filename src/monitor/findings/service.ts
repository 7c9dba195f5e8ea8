import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { CommandRunner } from '../../audit/command-runner.ts';
import type { LedgerQueries } from '../../audit/ledger-queries.ts';
import type { AccessFinding } from '../../access/findings.ts';
import type { Finding as ServiceAccountFinding } from '../../service-accounts/findings.ts';
import type { LifecycleFinding } from '../../lifecycle/leavers-report.ts';
import type { FindingRule } from './condition.ts';
import { createFindingsEvaluator } from './evaluate.ts';
import { createChangeWatcher } from './on-change.ts';
import { createFindingTransitions } from './transitions.ts';
import { createFindingQueries } from './queries.ts';
import { memberWithoutRequiredMfaRule } from './rules/member-without-required-mfa.ts';
import { privilegedWithoutPhishingResistantMfaRule } from './rules/privileged-without-phishing-resistant-mfa.ts';
import { staleAccountRule } from './rules/stale-account.ts';
import { serviceAccountFindingsRule } from './rules/service-account-findings.ts';
import { accessGovernanceRules } from './rules/access-governance.ts';
import { deprovisioningSlaBreachRule } from './rules/deprovisioning-sla-breach.ts';
import { apiKeyWithoutExpiryRule } from './rules/api-key-without-expiry.ts';

/** The findings other capabilities already compute, each for one organization id. */
export interface FindingSources {
  elevation: (orgId: string) => Promise<AccessFinding[]>;
  approvals: (orgId: string) => Promise<AccessFinding[]>;
  reviews: (orgId: string) => Promise<AccessFinding[]>;
  serviceAccounts: (orgId: string) => Promise<ServiceAccountFinding[]>;
  lifecycle: (orgId: string) => Promise<LifecycleFinding[]>;
}

/** Every control-drift rule, in the order they are evaluated. */
export function allFindingRules(deps: { db: Db; clock: Clock; sources: FindingSources }): FindingRule[] {
  const { db, clock, sources } = deps;
  return [
    memberWithoutRequiredMfaRule({ db, clock }),
    privilegedWithoutPhishingResistantMfaRule({ db, clock }),
    staleAccountRule({ db, clock }),
    serviceAccountFindingsRule({ db, listFindings: sources.serviceAccounts }),
    ...accessGovernanceRules(sources),
    deprovisioningSlaBreachRule({ db, listFindings: sources.lifecycle }),
    apiKeyWithoutExpiryRule({ db }),
  ];
}

/**
 * Control-drift findings with a tracked lifecycle: `evaluate` (the full
 * sweep, a scheduler job), `evaluateChanged` (the organizations new ledger
 * events touched, a scheduler job), reads, and a person's acknowledge/resolve.
 */
export function createFindingsMonitor(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string; logger: Logger; ledger: LedgerQueries; sources: FindingSources; rules?: FindingRule[] }) {
  const rules = deps.rules ?? allFindingRules(deps);
  const evaluator = createFindingsEvaluator({ ...deps, rules });
  return {
    ...evaluator,
    ...createChangeWatcher({ db: deps.db, clock: deps.clock, evaluator }),
    ...createFindingTransitions({ runner: deps.runner }),
    ...createFindingQueries({ db: deps.db, ledger: deps.ledger }),
  };
}

export type FindingsMonitor = ReturnType<typeof createFindingsMonitor>;
