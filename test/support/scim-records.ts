import type { ScimGroupRow, ScimUserRow, ScimUserValueRow } from '../../src/platform/schema-directory.ts';
import { ScimError } from '../../src/scim/errors.ts';
import type { GroupRecord } from '../../src/scim/group-record.ts';
import { userRecordToRows, type UserRecord } from '../../src/scim/user-record.ts';

export const BASE_URL = 'https://id.example.test/scim/v2/dir_1';

/** The `scimType` a synchronous call refuses with (status 400 checked), or undefined when it returns. */
export function scimTypeOf(fn: () => unknown): string | null | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof ScimError)) throw err;
    if (err.status !== 400) throw new Error(`expected a 400 ScimError, got ${err.status}: ${err.message}`);
    return err.scimType;
  }
}

/** The ScimError a synchronous call throws; fails when it returns or throws something else. */
export function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScimError) return err;
    throw err;
  }
  throw new Error('expected a ScimError');
}

/** A stored user row and value rows for a record, as the service would write them. */
export function storedUser(record: UserRecord, opts: { id?: string; version?: number; managerDisplayName?: string | null } = {}): { row: ScimUserRow; values: ScimUserValueRow[] } {
  const id = opts.id ?? 'user_1';
  const { columns, values } = userRecordToRows(record, { id, directoryId: 'dir_1', orgId: 'org_1' });
  const row: ScimUserRow = {
    ...columns,
    id,
    directory_id: 'dir_1',
    org_id: 'org_1',
    user_id: null,
    manager_display_name: opts.managerDisplayName ?? null,
    version: opts.version ?? 1,
    created_at: '2026-11-29T10:00:00.000Z',
    updated_at: '2026-11-29T11:00:00.000Z',
  };
  return { row, values };
}

/** A stored group row for a record. */
export function storedGroup(record: GroupRecord, opts: { id?: string; version?: number } = {}): ScimGroupRow {
  return {
    id: opts.id ?? 'group_1',
    directory_id: 'dir_1',
    org_id: 'org_1',
    display_name: record.displayName,
    external_id: record.externalId,
    version: opts.version ?? 1,
    created_at: '2026-11-29T10:00:00.000Z',
    updated_at: '2026-11-29T11:00:00.000Z',
  };
}
