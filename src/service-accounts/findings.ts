import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { ServiceAccountCredentialRow, ServiceAccountRow } from '../platform/schema.ts';
import type { IdentityService } from '../identity/service.ts';
import { credentialState, effectiveExpiry, readCredentialPolicy, unusedSince, type CredentialPolicy } from './credential-policy.ts';

export type FindingKind = 'credential_too_old' | 'credential_unused' | 'owner_missing';

/** A control gap on a service account, computed when read. */
export interface Finding {
  kind: FindingKind;
  serviceAccountId: string;
  credentialId?: string;
  /** Since when the gap exists (RFC 3339). */
  since: string;
  detail: string;
}

type AccountFacts = Pick<ServiceAccountRow, 'id' | 'name' | 'status' | 'owner_user_id' | 'owner_missing_since' | 'created_at'>;
type CredentialFacts = Pick<ServiceAccountCredentialRow, 'id' | 'service_account_id' | 'kind' | 'created_at' | 'expires_at' | 'revoked_at' | 'replaced_by_id' | 'last_used_at'>;

/**
 * The findings of an organization's accounts at `now` (pure; deleted accounts have none):
 * - owner_missing: no owner (since the owner left or was deactivated);
 * - credential_too_old: not revoked, yet past its expiry or older than the current
 *   maximum age; a credential replaced by rotation is left out (ending is its plan);
 * - credential_unused (active accounts only): a working credential last used, or never
 *   used since created, more than the unused-days setting ago.
 * Having no credential at all is not a finding.
 */
export function computeFindings(accounts: AccountFacts[], credentials: CredentialFacts[], policy: CredentialPolicy, now: Date): Finding[] {
  const findings: Finding[] = [];
  const byAccount = new Map<string, CredentialFacts[]>();
  for (const c of credentials) byAccount.set(c.service_account_id, [...(byAccount.get(c.service_account_id) ?? []), c]);
  for (const account of accounts) {
    if (account.status === 'deleted') continue;
    if (!account.owner_user_id) {
      findings.push({ kind: 'owner_missing', serviceAccountId: account.id, since: account.owner_missing_since ?? account.created_at, detail: `service account "${account.name}" has no owner; assign one (PATCH ownerUserId)` });
    }
    for (const c of byAccount.get(account.id) ?? []) {
      if (c.revoked_at) continue;
      const state = credentialState(c, policy, now);
      if (state === 'expired') {
        if (c.replaced_by_id) continue;
        findings.push({
          kind: 'credential_too_old',
          serviceAccountId: account.id,
          credentialId: c.id,
          since: effectiveExpiry(c, policy).toISOString(),
          detail: `${c.kind} created ${c.created_at} passed its expiry or the ${policy.maxAgeDays}-day maximum age and is not revoked; rotate or revoke it`,
        });
        continue;
      }
      const unused = unusedSince(c, policy);
      if (account.status === 'active' && unused.getTime() <= now.getTime()) {
        findings.push({
          kind: 'credential_unused',
          serviceAccountId: account.id,
          credentialId: c.id,
          since: unused.toISOString(),
          detail: c.last_used_at ? `${c.kind} last used ${c.last_used_at}, more than ${policy.unusedDays} days ago` : `${c.kind} never used in the ${policy.unusedDays} days since it was created ${c.created_at}`,
        });
      }
    }
  }
  return findings;
}

/** The findings of one organization's service accounts, read now. Throws `organization.not_found`. */
export async function listFindings(deps: { db: Db; clock: Clock; identity: IdentityService }, orgRef: string): Promise<Finding[]> {
  const org = await deps.identity.requireOrg(orgRef);
  const policy = readCredentialPolicy(org.settings);
  const [accounts, credentials] = await Promise.all([
    deps.db.selectFrom('service_accounts').select(['id', 'name', 'status', 'owner_user_id', 'owner_missing_since', 'created_at']).where('org_id', '=', org.id).where('status', '!=', 'deleted').orderBy('id').execute(),
    deps.db
      .selectFrom('service_account_credentials')
      .select(['id', 'service_account_id', 'kind', 'created_at', 'expires_at', 'revoked_at', 'replaced_by_id', 'last_used_at'])
      .where('org_id', '=', org.id)
      .where('revoked_at', 'is', null)
      .orderBy('id')
      .execute(),
  ]);
  return computeFindings(accounts, credentials, policy, deps.clock.now());
}
