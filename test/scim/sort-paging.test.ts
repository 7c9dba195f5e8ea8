import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimError } from '../../src/scim/errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageOffset, readPaging } from '../../src/scim/paging.ts';
import { groupSortExpression, readSortOrder, sortModifier, userSortExpression, type SortDirection } from '../../src/scim/sort.ts';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { thrown } from '../support/thrown.ts';
import { ENTERPRISE, seedDirectory } from './directory-fixture.ts';

const scimTypeOf = (fn: () => unknown) => {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(ScimError);
  return (err as ScimError).scimType;
};

describe.each(DIALECTS)('SCIM sorting on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    await seedDirectory(database.db);
  });
  afterAll(async () => database?.drop());

  const users = async (sortBy: string, order: SortDirection = 'asc') =>
    (
      await database.db
        .selectFrom('scim_users')
        .select('id')
        .where('directory_id', '=', 'd1')
        .orderBy(userSortExpression(sortBy), sortModifier(order))
        .orderBy('scim_users.id', order)
        .execute()
    ).map((r) => r.id);

  it('sorts by singular attributes, case-insensitively unless case-exact, missing values last', async () => {
    expect(await users('userName')).toEqual(['u3', 'u1', 'u2', 'u4']); // 50%_off, Bjensen, jsmith, kwong
    expect(await users('userName', 'desc')).toEqual(['u4', 'u2', 'u1', 'u3']);
    expect(await users('displayName')).toEqual(['u3', 'u1', 'u4', 'u2']); // u2 has none
    expect(await users('displayName', 'desc')).toEqual(['u4', 'u1', 'u3', 'u2']);
    expect(await users('externalId')).toEqual(['u1', 'u3', 'u2', 'u4']); // "Ext-A" before "ext-a" as stored; ties by id
    expect(await users('meta.created', 'desc')).toEqual(['u4', 'u3', 'u2', 'u1']);
    expect(await users('name.familyName')).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(await users('active')).toEqual(['u2', 'u1', 'u3', 'u4']);
    expect(await users(`${ENTERPRISE}:department`)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(await users('USERNAME')).toEqual(['u3', 'u1', 'u2', 'u4']);
  });

  it('sorts a multi-valued attribute by its primary item, else its first', async () => {
    // u1 primary bjensen@example.com, u2 first john@work.example, u4 primary k@home.example; u3 has none.
    expect(await users('emails')).toEqual(['u1', 'u2', 'u4', 'u3']);
    expect(await users('emails.value', 'desc')).toEqual(['u4', 'u2', 'u1', 'u3']);
    expect(await users('emails.type')).toEqual(['u1', 'u2', 'u4', 'u3']);
  });

  it('sorts groups', async () => {
    const groups = async (sortBy: string, order: SortDirection) =>
      (await database.db.selectFrom('scim_groups').select('id').orderBy(groupSortExpression(sortBy), sortModifier(order)).orderBy('id', order).execute()).map((r) => r.id);
    expect(await groups('displayName', 'asc')).toEqual(['g2', 'g3', 'g1']);
    expect(await groups('meta.created', 'desc')).toEqual(['g3', 'g2', 'g1']);
  });

  it('refuses unknown or unsortable attributes with invalidValue', () => {
    for (const sortBy of ['nosuch', 'name', 'password', 'meta.location', 'groups.display']) expect(scimTypeOf(() => userSortExpression(sortBy))).toBe('invalidValue');
    expect(scimTypeOf(() => groupSortExpression('members'))).toBe('invalidValue');
    expect(scimTypeOf(() => groupSortExpression('userName'))).toBe('invalidValue');
  });
});

describe('readSortOrder', () => {
  it('reads ascending and descending in any case, ascending by default', () => {
    expect(readSortOrder(undefined)).toBe('asc');
    expect(readSortOrder('Ascending')).toBe('asc');
    expect(readSortOrder('DESCENDING')).toBe('desc');
    for (const bad of ['asc', 'down', 5]) expect(scimTypeOf(() => readSortOrder(bad))).toBe('invalidValue');
  });
});

describe('readPaging', () => {
  it('defaults to the first page of 100, and caps a page at 1000', () => {
    expect(readPaging({})).toEqual({ startIndex: 1, count: DEFAULT_PAGE_SIZE });
    expect(DEFAULT_PAGE_SIZE).toBe(100);
    expect(MAX_PAGE_SIZE).toBe(1000);
  });

  it('clamps startIndex below 1, negative count and count above the maximum', () => {
    expect(readPaging({ startIndex: '0', count: '-5' })).toEqual({ startIndex: 1, count: 0 });
    expect(readPaging({ startIndex: -3, count: 0 })).toEqual({ startIndex: 1, count: 0 });
    expect(readPaging({ startIndex: '11', count: '10' })).toEqual({ startIndex: 11, count: 10 });
    expect(readPaging({ count: '5000' })).toEqual({ startIndex: 1, count: 1000 });
    expect(readPaging({ startIndex: '99999999999999999999' }).startIndex).toBe(Number.MAX_SAFE_INTEGER);
    expect(pageOffset(readPaging({ startIndex: '11' }))).toBe(10);
  });

  it('refuses values that are not integers with invalidValue', () => {
    for (const bad of ['1.5', 'ten', '', '1e3', 2.5, true, [], '0x10']) {
      expect(scimTypeOf(() => readPaging({ count: bad }))).toBe('invalidValue');
      expect(scimTypeOf(() => readPaging({ startIndex: bad }))).toBe('invalidValue');
    }
  });
});
