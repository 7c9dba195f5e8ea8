import type { Db } from '../../../platform/database.ts';
import type { Finding } from '../../../service-accounts/findings.ts';
import type { Condition, FindingRule } from '../condition.ts';
import { eventIdsByTarget } from './evidence.ts';

/**
 * The service account findings (src/service-accounts/findings.ts) as tracked conditions:
 * - `service_account_credential_stale`: a credential past its expiry or the
 *   organization's maximum age and not revoked (high), or unused for the
 *   unused-days setting (medium); subject the credential. Clears when it is
 *   rotated, revoked, or used.
 * - `service_account_owner_missing` (medium): an account without an owner;
 *   clears when one is assigned.
 * Thresholds are the organization's `serviceAccountCredentialMaxAgeDays` and
 * `serviceAccountCredentialUnusedDays`. Cites the credential's creation or the owner's removal.
 */
export function serviceAccountFindingsRule(deps: { db: Db; listFindings: (orgId: string) => Promise<Finding[]> }): FindingRule {
  const { db } = deps;
  return {
    name: 'service_account_findings',
    scope: 'organization',
    types: ['service_account_credential_stale', 'service_account_owner_missing'],
    async list(orgId) {
      if (orgId === null) return [];
      const findings = await deps.listFindings(orgId);
      const credentialIds = findings.flatMap((f) => (f.credentialId ? [f.credentialId] : []));
      const accountIds = findings.filter((f) => f.kind === 'owner_missing').map((f) => f.serviceAccountId);
      const [created, ownerless] = await Promise.all([
        eventIdsByTarget(db, 'service_account_credential', credentialIds, ['identity.service_account.credential_created', 'identity.service_account.credential_rotated']),
        eventIdsByTarget(db, 'service_account', accountIds, ['identity.service_account.owner_removed']),
      ]);
      return findings.map((f): Condition => {
        if (f.kind === 'owner_missing') {
          return { type: 'service_account_owner_missing', severity: 'medium', orgId, subject: { type: 'service_account', id: f.serviceAccountId }, since: f.since, summary: f.detail, eventIds: (ownerless.get(f.serviceAccountId) ?? []).slice(-1) };
        }
        return {
          type: 'service_account_credential_stale',
          severity: f.kind === 'credential_too_old' ? 'high' : 'medium',
          orgId,
          subject: { type: 'service_account_credential', id: f.credentialId!, display: f.serviceAccountId },
          since: f.since,
          summary: f.detail,
          eventIds: created.get(f.credentialId!) ?? [],
        };
      });
    },
  };
}
