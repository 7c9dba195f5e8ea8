import type { Db } from '../../../platform/database.ts';
import type { Condition, FindingRule } from '../condition.ts';
import { eventIdsByTarget } from './evidence.ts';

/** Scopes that let a key change the deployment or mint more keys. */
const POWERFUL_SCOPES = ['admin:write', 'api_keys:manage'];

/**
 * `api_key_without_expiry` (high, deployment-level: no organization): an admin
 * API key, not revoked, holding `admin:write` or `api_keys:manage`, issued
 * without an expiry. It clears when the key is revoked. Cites the key's creation.
 */
export function apiKeyWithoutExpiryRule(deps: { db: Db }): FindingRule {
  const { db } = deps;
  return {
    name: 'api_key_without_expiry',
    scope: 'deployment',
    types: ['api_key_without_expiry'],
    async list() {
      const keys = await db.selectFrom('api_keys').select(['id', 'name', 'prefix', 'scopes', 'created_at']).where('revoked_at', 'is', null).where('expires_at', 'is', null).orderBy('id').execute();
      const powerful = keys.map((k) => ({ ...k, held: (JSON.parse(k.scopes) as string[]).filter((s) => POWERFUL_SCOPES.includes(s)) })).filter((k) => k.held.length > 0);
      if (powerful.length === 0) return [];
      const created = await eventIdsByTarget(db, 'api_key', powerful.map((k) => k.id), ['platform.api_key.created']);
      return powerful.map((k): Condition => ({
        type: 'api_key_without_expiry',
        severity: 'high',
        orgId: null,
        subject: { type: 'api_key', id: k.id, display: `${k.name} (${k.prefix})` },
        since: k.created_at,
        summary: `admin API key "${k.name}" (${k.prefix}) holds ${k.held.join(' and ')} and never expires: issue a replacement with an expiry and revoke it`,
        eventIds: created.get(k.id) ?? [],
      }));
    },
  };
}
