import type { Dialect } from '../platform/database.ts';
import type { CommandRunner, CommandScope, Trx } from '../audit/command-runner.ts';
import type { ScimDirectoryRow, ScimGroupRow } from '../platform/schema-directory.ts';
import type { DirectoryService } from './directories.ts';
import type { GroupAccess } from './group-access.ts';
import { ScimError, badRequest } from './errors.ts';
import { groupResource, parseGroupResource, type GroupRecord } from './group-record.ts';
import { applyPatch } from './patch.ts';
import { parseFilter } from './filter-parser.ts';
import { groupFilterSql } from './filter-sql.ts';
import { LIST_RESPONSE } from './schemas.ts';
import { checkIfMatch, recordRead, runScim, type ScimCaller } from './request-scope.ts';
import type { ListQuery } from './list-query.ts';
import { pageOffset } from './paging.ts';
import { groupSortExpression, readSortOrder, sortModifier } from './sort.ts';

type Resource = Record<string, unknown>;

/**
 * The Groups endpoint of a directory. Members are Users of the same
 * directory; a member value that names no such User is left out (and listed
 * in the ledger event), as identity providers send groups before or without
 * every member. Membership changes are ledger events and re-evaluate the
 * members' group-granted roles.
 */
export function createGroupProvisioning(deps: { runner: CommandRunner; dialect: Dialect; newId: () => string; directories: DirectoryService; groupAccess: GroupAccess }) {
  const { runner, dialect, newId, directories, groupAccess } = deps;

  async function loadRow(trx: Trx, dir: ScimDirectoryRow, id: string): Promise<ScimGroupRow> {
    const row = await trx.selectFrom('scim_groups').selectAll().where('directory_id', '=', dir.id).where('id', '=', id).executeTakeFirst();
    if (!row) throw new ScimError(404, null, `no Group "${id}" in this directory`);
    return row;
  }

  /**
   * The groups as SCIM resources. A member's `display` is what the directory sent, else the User's
   * displayName or userName; `storedDisplayOnly` leaves out the fallback (the base a PATCH applies to,
   * so that writing the result back stores only what the directory said).
   */
  async function resourcesOf(trx: Trx, rows: ScimGroupRow[], baseUrl: string, withMembers: boolean, storedDisplayOnly = false): Promise<Resource[]> {
    if (rows.length === 0) return [];
    const members = withMembers
      ? await trx
          .selectFrom('scim_group_members as m')
          .innerJoin('scim_users as u', 'u.id', 'm.scim_user_id')
          .select(['m.group_id', 'm.display', 'u.id', 'u.display_name', 'u.user_name'])
          .where('m.group_id', 'in', rows.map((r) => r.id))
          .orderBy('m.group_id')
          .orderBy('u.id')
          .execute()
      : [];
    const by = new Map<string, { value: string; display: string | null }[]>();
    for (const m of members) by.set(m.group_id, [...(by.get(m.group_id) ?? []), { value: m.id, display: storedDisplayOnly ? m.display : (m.display ?? m.display_name ?? m.user_name) }]);
    return rows.map((r) => groupResource(r, by.get(r.id) ?? [], baseUrl));
  }

  /** The group's members: directory User id → the display the directory sent. */
  async function currentMembers(trx: Trx, groupId: string): Promise<Map<string, string | null>> {
    const rows = await trx.selectFrom('scim_group_members').select(['scim_user_id', 'display']).where('group_id', '=', groupId).execute();
    return new Map(rows.map((r) => [r.scim_user_id, r.display]));
  }

  /** The member values that are Users of this directory, and those that are not. */
  async function resolveMembers(trx: Trx, dir: ScimDirectoryRow, record: GroupRecord): Promise<{ known: Set<string>; unknown: string[] }> {
    // parseGroupResource bounds the list (MAX_GROUP_MEMBERS).
    const wanted = [...new Set(record.members.map((m) => m.value))];
    const known = new Set<string>();
    for (let i = 0; i < wanted.length; i += 500) {
      const rows = await trx.selectFrom('scim_users').select('id').where('directory_id', '=', dir.id).where('id', 'in', wanted.slice(i, i + 500)).execute();
      for (const r of rows) known.add(r.id);
    }
    return { known, unknown: wanted.filter((v) => !known.has(v)) };
  }

  async function write(scope: CommandScope, caller: ScimCaller, id: string, record: GroupRecord, before: ScimGroupRow | null): Promise<ScimGroupRow> {
    const dir = caller.directory;
    const time = scope.now.toISOString();
    const { known, unknown } = await resolveMembers(scope.trx, dir, record);
    const row: ScimGroupRow = { id, directory_id: dir.id, org_id: dir.org_id, display_name: record.displayName, external_id: record.externalId, version: (before?.version ?? 0) + 1, created_at: before?.created_at ?? time, updated_at: time };
    const had = before ? await currentMembers(scope.trx, id) : new Map<string, string | null>();
    const displays = new Map(record.members.map((m) => [m.value, m.display]));
    if (before) await scope.trx.updateTable('scim_groups').set(row).where('id', '=', id).execute();
    else await scope.trx.insertInto('scim_groups').values(row).execute();
    const added = [...known].filter((m) => !had.has(m));
    const removed = [...had.keys()].filter((m) => !known.has(m));
    for (let i = 0; i < added.length; i += 500) {
      await scope.trx.insertInto('scim_group_members').values(added.slice(i, i + 500).map((m) => ({ group_id: id, scim_user_id: m, directory_id: dir.id, display: displays.get(m) ?? null, created_at: time }))).execute();
    }
    for (const [m, display] of had) {
      const wanted = displays.get(m);
      if (known.has(m) && wanted !== undefined && wanted !== display) await scope.trx.updateTable('scim_group_members').set({ display: wanted }).where('group_id', '=', id).where('scim_user_id', '=', m).execute();
    }
    for (let i = 0; i < removed.length; i += 500) {
      await scope.trx.deleteFrom('scim_group_members').where('group_id', '=', id).where('scim_user_id', 'in', removed.slice(i, i + 500)).execute();
    }
    const targets = [{ type: 'scim_directory', id: dir.id, display: dir.name }, { type: 'scim_group', id, display: row.display_name }];
    scope.record({
      action: before ? 'scim.group.updated' : 'scim.group.created',
      org: dir.org_id,
      targets,
      data: { directoryId: dir.id, displayName: row.display_name, externalId: row.external_id, version: row.version, ...(before && before.display_name !== row.display_name ? { renamedFrom: before.display_name } : {}) },
    });
    if (added.length > 0 || removed.length > 0 || unknown.length > 0) {
      scope.record({ action: 'scim.group.members_changed', org: dir.org_id, targets, data: { directoryId: dir.id, added, removed, ignoredUnknown: unknown.slice(0, 100), memberCount: known.size } });
    }
    await groupAccess.syncInScope(scope, dir, [...added, ...removed]);
    return row;
  }

  return {
    async create(caller: ScimCaller, body: unknown): Promise<Resource> {
      const record = parseGroupResource(body);
      return runScim(runner, directories, caller, async (scope) => {
        const row = await write(scope, caller, newId(), record, null);
        return (await resourcesOf(scope.trx, [row], caller.baseUrl, true))[0];
      });
    },

    async get(caller: ScimCaller, id: string, withMembers: boolean): Promise<Resource> {
      return runScim(runner, directories, caller, async (scope) => {
        const row = await loadRow(scope.trx, caller.directory, id);
        recordRead(scope, caller, { resourceType: 'Group', id, returned: 1 });
        return (await resourcesOf(scope.trx, [row], caller.baseUrl, withMembers))[0];
      });
    },

    async list(caller: ScimCaller, query: ListQuery, withMembers: boolean): Promise<Resource> {
      const filter = query.filter ? parseFilter(query.filter, 'Group') : null;
      const sort = query.sortBy ? groupSortExpression(query.sortBy) : null;
      const direction = readSortOrder(query.sortOrder);
      return runScim(runner, directories, caller, async (scope) => {
        let base = scope.trx.selectFrom('scim_groups').where('scim_groups.directory_id', '=', caller.directory.id);
        if (filter) base = base.where(groupFilterSql(filter, { directoryId: caller.directory.id, dialect }));
        const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
        const offset = pageOffset(query);
        const limit = query.count;
        let rows: ScimGroupRow[] = [];
        if (limit > 0) {
          let q = base.selectAll('scim_groups');
          if (sort) q = q.orderBy(sort, sortModifier(direction));
          rows = await q.orderBy('scim_groups.id', direction).offset(offset).limit(limit).execute();
        }
        recordRead(scope, caller, { resourceType: 'Group', filter: query.filter ?? null, startIndex: offset + 1, count: limit, returned: rows.length, totalResults: total });
        return { schemas: [LIST_RESPONSE], totalResults: total, startIndex: offset + 1, itemsPerPage: rows.length, Resources: await resourcesOf(scope.trx, rows, caller.baseUrl, withMembers) };
      });
    },

    async replace(caller: ScimCaller, id: string, body: unknown, ifMatch: string | undefined): Promise<Resource> {
      const record = parseGroupResource(body);
      const given = body && typeof body === 'object' ? (body as Record<string, unknown>).id : undefined;
      if (given !== undefined && given !== id) throw badRequest('mutability', `id is read-only: the body names "${String(given)}" but the resource is "${id}"`);
      return runScim(runner, directories, caller, async (scope) => {
        const before = await loadRow(scope.trx, caller.directory, id);
        checkIfMatch(ifMatch, before.version);
        const row = await write(scope, caller, id, record, before);
        return (await resourcesOf(scope.trx, [row], caller.baseUrl, true))[0];
      });
    },

    async patch(caller: ScimCaller, id: string, body: unknown, ifMatch: string | undefined): Promise<Resource> {
      return runScim(runner, directories, caller, async (scope) => {
        const before = await loadRow(scope.trx, caller.directory, id);
        checkIfMatch(ifMatch, before.version);
        const [resource] = await resourcesOf(scope.trx, [before], caller.baseUrl, true, true);
        const record = parseGroupResource(applyPatch('Group', resource, body));
        const row = await write(scope, caller, id, record, before);
        return (await resourcesOf(scope.trx, [row], caller.baseUrl, true))[0];
      });
    },

    async remove(caller: ScimCaller, id: string, ifMatch: string | undefined): Promise<void> {
      await runScim(runner, directories, caller, async (scope) => {
        const dir = caller.directory;
        const row = await loadRow(scope.trx, dir, id);
        checkIfMatch(ifMatch, row.version);
        const members = [...(await currentMembers(scope.trx, id)).keys()];
        const mappings = await scope.trx.selectFrom('scim_group_role_mappings').select(['id', 'role_id']).where('group_id', '=', id).execute();
        await scope.trx.deleteFrom('scim_group_members').where('group_id', '=', id).execute();
        await scope.trx.deleteFrom('scim_group_role_mappings').where('group_id', '=', id).execute();
        await scope.trx.deleteFrom('scim_groups').where('id', '=', id).execute();
        scope.record({
          action: 'scim.group.deleted',
          org: dir.org_id,
          targets: [{ type: 'scim_directory', id: dir.id, display: dir.name }, { type: 'scim_group', id, display: row.display_name }],
          data: { directoryId: dir.id, displayName: row.display_name, externalId: row.external_id, removedMembers: members, removedMappings: mappings.map((m) => ({ mappingId: m.id, roleId: m.role_id })) },
        });
        await groupAccess.syncInScope(scope, dir, members);
      });
    },
  };
}
