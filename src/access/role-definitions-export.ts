import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { LedgerEvent } from '../audit/event.ts';
import type { LedgerQueries } from '../audit/ledger-queries.ts';
import type { IdentityService } from '../identity/service.ts';
import * as repo from './repository.ts';
import { toRole } from './views.ts';
import { historyByRole, type RoleDefinitionsDocument } from './role-definitions.ts';

const PAGE = 1000;

/**
 * The organization's documented role definitions: every role as defined now,
 * its owner, how many hold it, and its change history read from the ledger
 * (`access.role.*` events), plus the history of roles deleted since.
 */
export async function exportRoleDefinitions(deps: { db: Db; clock: Clock; identity: IdentityService; ledger: LedgerQueries }, orgRef: string): Promise<RoleDefinitionsDocument> {
  const { db, clock, identity, ledger } = deps;
  const org = await identity.requireOrg(orgRef);
  const events: LedgerEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.listEvents({ orgId: org.id, actionPrefix: 'access.role.' }, { limit: PAGE, cursor });
    events.push(...page.events);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const history = historyByRole(events);
  const now = clock.now().toISOString();
  const rows = await db.selectFrom('roles').selectAll().where('org_id', '=', org.id).orderBy('key').execute();
  const roles = [];
  for (const row of rows) {
    const role = toRole(row);
    const owner = role.ownerId ? await db.selectFrom('users').select(['id', 'email']).where('id', '=', role.ownerId).executeTakeFirst() : undefined;
    const holders = (await repo.findActiveAssignments(db, now, { roleId: role.id })).length;
    roles.push({ role, owner: owner ?? null, holders, history: history.get(role.id) ?? [] });
  }
  const live = new Set(rows.map((r) => r.id));
  const deletedRoles = [...history.entries()]
    .filter(([id]) => !live.has(id))
    .map(([roleId, changes]) => ({ roleId, key: String(changes.find((c) => typeof c.data.key === 'string')?.data.key ?? roleId), history: changes }));
  const last = events[events.length - 1];
  return { org: { id: org.id, slug: org.slug, name: org.name }, generatedAt: now, ledgerSeq: last ? last.seq : null, roles, deletedRoles };
}
