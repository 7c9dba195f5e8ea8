import type { Db, Dialect } from '../platform/database.ts';
import type { CommandRunner, CommandScope, Trx } from '../audit/command-runner.ts';
import type { ScimDirectoryRow, ScimUserRow, ScimUserValueRow } from '../platform/schema-directory.ts';
import type { DirectoryService } from './directories.ts';
import type { AccountLink } from './account-link.ts';
import type { GroupAccess } from './group-access.ts';
import { ScimError, badRequest } from './errors.ts';
import { parseUserResource, userRecordToRows, userResource, type UserRecord } from './user-record.ts';
import { applyPatch } from './patch.ts';
import { parseFilter } from './filter-parser.ts';
import { userFilterSql } from './filter-sql.ts';
import { LIST_RESPONSE } from './schemas.ts';
import { checkIfMatch, recordRead, runScim, type ScimCaller } from './request-scope.ts';
import type { ListQuery } from './list-query.ts';
import { pageOffset } from './paging.ts';
import { userSortExpression, readSortOrder, sortModifier } from './sort.ts';

type Resource = Record<string, unknown>;

export interface UserProvisioningDeps {
  db: Db;
  dialect: Dialect;
  runner: CommandRunner;
  newId: () => string;
  directories: DirectoryService;
  accounts: AccountLink;
  groupAccess: GroupAccess;
}

/** The Users endpoint of a directory: create, read, list and search, replace, patch and delete (RFC 7644 §3). */
export function createUserProvisioning(deps: UserProvisioningDeps) {
  const { runner, newId, directories, accounts, groupAccess, dialect } = deps;

  async function loadRow(trx: Trx, dir: ScimDirectoryRow, id: string): Promise<ScimUserRow> {
    const row = await trx.selectFrom('scim_users').selectAll().where('directory_id', '=', dir.id).where('id', '=', id).executeTakeFirst();
    if (!row) throw new ScimError(404, null, `no User "${id}" in this directory`);
    return row;
  }

  /** The full SCIM representations of some records, with their multi-valued attributes and groups (three queries in all). */
  async function resourcesOf(trx: Trx, rows: ScimUserRow[], baseUrl: string): Promise<Resource[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const values = await trx.selectFrom('scim_user_values').selectAll().where('scim_user_id', 'in', ids).orderBy('scim_user_id').orderBy('attribute').orderBy('ordinal').execute();
    const groups = await trx
      .selectFrom('scim_group_members as m')
      .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
      .select(['m.scim_user_id', 'g.id', 'g.display_name'])
      .where('m.scim_user_id', 'in', ids)
      .orderBy('g.id')
      .execute();
    const valuesBy = new Map<string, ScimUserValueRow[]>();
    for (const v of values) valuesBy.set(v.scim_user_id, [...(valuesBy.get(v.scim_user_id) ?? []), v]);
    const groupsBy = new Map<string, { id: string; display: string }[]>();
    for (const g of groups) groupsBy.set(g.scim_user_id, [...(groupsBy.get(g.scim_user_id) ?? []), { id: g.id, display: g.display_name }]);
    return rows.map((r) => userResource(r, valuesBy.get(r.id) ?? [], groupsBy.get(r.id) ?? [], baseUrl));
  }

  async function checkUserNameFree(trx: Trx, dir: ScimDirectoryRow, userName: string, except: string | null): Promise<void> {
    let q = trx.selectFrom('scim_users').select('id').where('directory_id', '=', dir.id).where((eb) => eb(eb.fn('lower', ['user_name']), '=', userName.toLowerCase()));
    if (except) q = q.where('id', '!=', except);
    const taken = await q.executeTakeFirst();
    if (taken) throw new ScimError(409, 'uniqueness', `userName "${userName}" is already in use in this directory`);
  }

  async function managerDisplay(trx: Trx, dir: ScimDirectoryRow, value: string | null): Promise<string | null> {
    if (!value) return null;
    const m = await trx.selectFrom('scim_users').select(['display_name', 'user_name']).where('directory_id', '=', dir.id).where('id', '=', value).executeTakeFirst();
    return m ? (m.display_name ?? m.user_name) : null;
  }

  /** Writes a record (new or replacing `before`), then brings its account and group access in line. */
  async function write(scope: CommandScope, caller: ScimCaller, id: string, record: UserRecord, before: ScimUserRow | null): Promise<ScimUserRow> {
    const dir = caller.directory;
    await checkUserNameFree(scope.trx, dir, record.userName, before?.id ?? null);
    const { columns, values } = userRecordToRows(record, { id, directoryId: dir.id, orgId: dir.org_id });
    const time = scope.now.toISOString();
    const row: ScimUserRow = {
      ...columns,
      id,
      directory_id: dir.id,
      org_id: dir.org_id,
      user_id: before?.user_id ?? null,
      manager_display_name: await managerDisplay(scope.trx, dir, columns.manager_value),
      version: (before?.version ?? 0) + 1,
      created_at: before?.created_at ?? time,
      updated_at: time,
    };
    if (before) {
      await scope.trx.updateTable('scim_users').set(row).where('id', '=', id).execute();
      await scope.trx.deleteFrom('scim_user_values').where('scim_user_id', '=', id).execute();
    } else {
      await scope.trx.insertInto('scim_users').values(row).execute();
    }
    if (values.length > 0) await scope.trx.insertInto('scim_user_values').values(values).execute();
    const changed = before ? changedColumns(before, row) : null;
    scope.record({
      action: before ? 'scim.user.updated' : 'scim.user.created',
      org: dir.org_id,
      targets: [{ type: 'scim_directory', id: dir.id, display: dir.name }, { type: 'scim_user', id, display: row.user_name }, ...(row.user_id ? [{ type: 'user', id: row.user_id }] : [])],
      data: { directoryId: dir.id, userName: row.user_name, externalId: row.external_id, active: row.active === 1, ...(changed ? { changed } : {}), version: row.version },
    });
    const outcome = await accounts.reconcile(scope, dir, row, record, before ? before.active === 1 : null);
    const linked = { ...row, user_id: outcome.userId };
    await groupAccess.syncInScope(scope, dir, [id]);
    return linked;
  }

  async function readOne(scope: CommandScope, caller: ScimCaller, id: string): Promise<{ row: ScimUserRow; resource: Resource }> {
    const row = await loadRow(scope.trx, caller.directory, id);
    const [resource] = await resourcesOf(scope.trx, [row], caller.baseUrl);
    return { row, resource };
  }

  return {
    resourcesOf,

    async create(caller: ScimCaller, body: unknown): Promise<Resource> {
      const record = parseUserResource(body);
      return runScim(runner, directories, caller, async (scope) => {
        const row = await write(scope, caller, newId(), record, null);
        return (await resourcesOf(scope.trx, [row], caller.baseUrl))[0];
      });
    },

    async get(caller: ScimCaller, id: string): Promise<Resource> {
      return runScim(runner, directories, caller, async (scope) => {
        const { resource } = await readOne(scope, caller, id);
        recordRead(scope, caller, { resourceType: 'User', id, returned: 1 });
        return resource;
      });
    },

    async list(caller: ScimCaller, query: ListQuery): Promise<Resource> {
      const filter = query.filter ? parseFilter(query.filter, 'User') : null;
      const sort = query.sortBy ? userSortExpression(query.sortBy) : null;
      const direction = readSortOrder(query.sortOrder);
      return runScim(runner, directories, caller, async (scope) => {
        const dir = caller.directory;
        let base = scope.trx.selectFrom('scim_users').where('scim_users.directory_id', '=', dir.id);
        if (filter) base = base.where(userFilterSql(filter, { directoryId: dir.id, dialect }));
        const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
        const offset = pageOffset(query);
        const limit = query.count;
        let rows: ScimUserRow[] = [];
        if (limit > 0) {
          let q = base.selectAll('scim_users');
          if (sort) q = q.orderBy(sort, sortModifier(direction));
          rows = await q.orderBy('scim_users.id', direction).offset(offset).limit(limit).execute();
        }
        const resources = await resourcesOf(scope.trx, rows, caller.baseUrl);
        recordRead(scope, caller, { resourceType: 'User', filter: query.filter ?? null, startIndex: offset + 1, count: limit, returned: rows.length, totalResults: total });
        return { schemas: [LIST_RESPONSE], totalResults: total, startIndex: offset + 1, itemsPerPage: rows.length, Resources: resources };
      });
    },

    async replace(caller: ScimCaller, id: string, body: unknown, ifMatch: string | undefined): Promise<Resource> {
      const record = parseUserResource(body);
      checkBodyId(body, id);
      // A replacement that leaves `active` out keeps it: read as the default (true), it would reactivate a leaver.
      const keepsActive = !Object.keys(body as Record<string, unknown>).some((k) => k.toLowerCase() === 'active');
      return runScim(runner, directories, caller, async (scope) => {
        const before = await loadRow(scope.trx, caller.directory, id);
        checkIfMatch(ifMatch, before.version);
        if (keepsActive) record.active = before.active === 1;
        const row = await write(scope, caller, id, record, before);
        return (await resourcesOf(scope.trx, [row], caller.baseUrl))[0];
      });
    },

    async patch(caller: ScimCaller, id: string, body: unknown, ifMatch: string | undefined): Promise<Resource> {
      return runScim(runner, directories, caller, async (scope) => {
        const { row: before, resource } = await readOne(scope, caller, id);
        checkIfMatch(ifMatch, before.version);
        const record = parseUserResource(applyPatch('User', resource, body));
        const row = await write(scope, caller, id, record, before);
        return (await resourcesOf(scope.trx, [row], caller.baseUrl))[0];
      });
    },

    async remove(caller: ScimCaller, id: string, ifMatch: string | undefined): Promise<void> {
      await runScim(runner, directories, caller, async (scope) => {
        const dir = caller.directory;
        const row = await loadRow(scope.trx, dir, id);
        checkIfMatch(ifMatch, row.version);
        await accounts.removed(scope, dir, row);
        const groups = await scope.trx.selectFrom('scim_group_members').select('group_id').where('scim_user_id', '=', id).execute();
        await scope.trx.deleteFrom('scim_group_members').where('scim_user_id', '=', id).execute();
        for (const g of groups) await scope.trx.updateTable('scim_groups').set((eb) => ({ version: eb('version', '+', 1), updated_at: scope.now.toISOString() })).where('id', '=', g.group_id).execute();
        await scope.trx.deleteFrom('scim_user_values').where('scim_user_id', '=', id).execute();
        await scope.trx.updateTable('scim_users').set({ manager_value: null, manager_display_name: null }).where('directory_id', '=', dir.id).where('manager_value', '=', id).execute();
        await scope.trx.deleteFrom('scim_users').where('id', '=', id).execute();
        scope.record({
          action: 'scim.user.deleted',
          org: dir.org_id,
          targets: [{ type: 'scim_directory', id: dir.id, display: dir.name }, { type: 'scim_user', id, display: row.user_name }, ...(row.user_id ? [{ type: 'user', id: row.user_id }] : [])],
          data: { directoryId: dir.id, userName: row.user_name, externalId: row.external_id, userId: row.user_id, groups: groups.map((g) => g.group_id) },
        });
      });
    },
  };
}

/** A PUT body may repeat the resource's id, but not name another one (RFC 7643 §3.1: `id` is read-only). */
function checkBodyId(body: unknown, id: string): void {
  const given = body && typeof body === 'object' ? (body as Record<string, unknown>).id : undefined;
  if (given !== undefined && given !== id) throw badRequest('mutability', `id is read-only: the body names "${String(given)}" but the resource is "${id}"`);
}

const IGNORED = new Set(['version', 'updated_at', 'created_at', 'user_id', 'manager_display_name']);

/** The columns a write changed, for the ledger event (names only: the values are in the directory). */
function changedColumns(before: ScimUserRow, after: ScimUserRow): string[] {
  return (Object.keys(after) as (keyof ScimUserRow)[]).filter((k) => !IGNORED.has(k) && before[k] !== after[k]);
}
