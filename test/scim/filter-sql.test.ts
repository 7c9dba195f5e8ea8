import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, sql } from 'kysely';
import { parseFilter } from '../../src/scim/filter-parser.ts';
import { groupFilterSql, userFilterSql } from '../../src/scim/filter-sql.ts';
import { ScimError } from '../../src/scim/errors.ts';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { thrown } from '../support/thrown.ts';
import { ENTERPRISE, seedDirectory } from './directory-fixture.ts';

describe.each(DIALECTS)('SCIM filters as SQL on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    await seedDirectory(database.db);
  });
  afterAll(async () => database?.drop());

  const usersQuery = (filter: string) => database.db.selectFrom('scim_users').select('id').where('directory_id', '=', 'd1').where(userFilterSql(parseFilter(filter, 'User'), { directoryId: 'd1', dialect })).orderBy('id');
  const users = async (filter: string) => (await usersQuery(filter).execute()).map((r) => r.id);
  const groups = async (filter: string) =>
    (await database.db.selectFrom('scim_groups').select('id').where('directory_id', '=', 'd1').where(groupFilterSql(parseFilter(filter, 'Group'), { directoryId: 'd1', dialect })).orderBy('id').execute()).map((r) => r.id);

  it('compares case-insensitive strings with eq, ne, co, sw, ew and the ordering operators', async () => {
    expect(await users('userName eq "bjensen"')).toEqual(['u1']);
    expect(await users('USERNAME eq "BJENSEN"')).toEqual(['u1']);
    expect(await users('userName ne "bjensen"')).toEqual(['u2', 'u3', 'u4']);
    expect(await users('displayName co "JENSEN"')).toEqual(['u1']);
    expect(await users('userName sw "J"')).toEqual(['u2']);
    // The prefix range on lower(userName): any case, the whole name, one character past it, wildcards taken literally.
    expect(await users('userName sw "BJENSEN"')).toEqual(['u1']);
    expect(await users('userName sw "bjensenn"')).toEqual([]);
    expect(await users('userName sw "bk"')).toEqual([]);
    expect(await users('userName sw "50%"')).toEqual(['u3']);
    expect(await users('userName sw "50_o"')).toEqual([]);
    expect(await users('userName sw "Ä"')).toEqual([]);
    expect(await users('displayName ew "WONG"')).toEqual(['u4']);
    expect(await users('userName gt "k"')).toEqual(['u4']);
    expect(await users('userName ge "kwong"')).toEqual(['u4']);
    expect(await users('userName lt "bjensen"')).toEqual(['u3']);
    expect(await users('userName le "bjensen"')).toEqual(['u1', 'u3']);
    expect(await users('name.familyName eq "smith"')).toEqual(['u2']);
  });

  it('escapes LIKE wildcards and the escape character in co, sw and ew', async () => {
    expect(await users('userName co "50%_"')).toEqual(['u3']);
    expect(await users('displayName co "50%_"')).toEqual([]); // "50abc" would match an unescaped 50%_
    expect(await users('displayName sw "5_a"')).toEqual([]);
    expect(await users('displayName sw "50"')).toEqual(['u3']);
    expect(await users('userName ew "%_off"')).toEqual(['u3']);
    expect(await users('nickName co "k\\\\s"')).toEqual(['u4']); // the JSON string "k\\s" is k\s
    expect(await users('nickName co "k_s"')).toEqual([]);
    expect(await users('nickName co "\\\\"')).toEqual(['u4']);
    expect(await groups('displayName ew "_100%"')).toEqual(['g3']);
    expect(await groups('displayName co "%"')).toEqual(['g3']);
    expect(await groups('displayName co "_"')).toEqual(['g3']);
  });

  it('compares case-exact attributes (id, externalId) as written', async () => {
    expect(await users('externalId eq "ext-a"')).toEqual(['u3']);
    expect(await users('externalId eq "EXT-A"')).toEqual([]);
    expect(await users('externalId sw "Ext"')).toEqual(['u1']);
    expect(await users('externalId co "xt-A"')).toEqual(['u1']);
    expect(await users('externalId ew "-a"')).toEqual(['u3']);
    expect(await users('externalId ew "Ext-A-longer"')).toEqual([]);
    expect(await users('id eq "u1"')).toEqual(['u1']);
    expect(await users('id eq "U1"')).toEqual([]);
    expect(await groups('externalId eq "AD-1"')).toEqual(['g2']);
  });

  it('treats missing values as not equal: pr, eq null, ne and not include or exclude them as SCIM says', async () => {
    expect(await users('title pr')).toEqual(['u1', 'u4']); // u2's title is empty, u3 has none
    expect(await users('title eq null')).toEqual(['u2', 'u3']);
    expect(await users('title ne null')).toEqual(['u1', 'u4']);
    expect(await users('title ne "tour guide"')).toEqual(['u2', 'u3', 'u4']);
    expect(await users('not (title eq "Tour Guide")')).toEqual(['u2', 'u3', 'u4']);
    expect(await users('not (title co "tour")')).toEqual(['u2', 'u3']);
    expect(await users('not (not (title co "tour"))')).toEqual(['u1', 'u4']);
    expect(await users('displayName pr and not (displayName sw "b")')).toEqual(['u3', 'u4']);
    expect(await users('name pr')).toEqual(['u1', 'u2']);
    expect(await users(`${ENTERPRISE}:manager pr`)).toEqual(['u1']);
    expect(await users('meta pr')).toEqual(['u1', 'u2', 'u3', 'u4']);
  });

  it('filters booleans, dates, the enterprise extension and complex sub-attributes', async () => {
    expect(await users('active eq true')).toEqual(['u1', 'u3', 'u4']);
    expect(await users('active eq false')).toEqual(['u2']);
    expect(await users('active ne true')).toEqual(['u2']);
    expect(await users('meta.created gt "2024-02-01T00:00:00Z"')).toEqual(['u3', 'u4']);
    expect(await users('meta.created ge "2024-02-01T00:00:00Z"')).toEqual(['u2', 'u3', 'u4']);
    expect(await users('meta.created lt "2024-02-01T00:00:00Z"')).toEqual(['u1']);
    expect(await users('meta.created le "2024-02-01T00:00:00.000Z"')).toEqual(['u1', 'u2']);
    expect(await users('meta.created eq "2024-03-01T01:00:00+01:00"')).toEqual(['u3']);
    expect(await users('meta.Created gt 2024-01-31T19:00:00-05:00')).toEqual(['u3', 'u4']);
    expect(await users('meta.lastModified gt "2024-05-01T00:00:00Z"')).toEqual(['u1']);
    expect(await users(`${ENTERPRISE}:department eq "sales"`)).toEqual(['u1']);
    expect(await users(`${ENTERPRISE}:manager.value eq "U2"`)).toEqual(['u1']);
    expect(await users(`${ENTERPRISE}:employeeNumber eq 00701`)).toEqual(['u1']);
    expect(await users('name[givenName eq "barbara" and familyName sw "J"]')).toEqual(['u1']);
    expect(await groups('meta.created ge "2024-02-01T00:00:00Z"')).toEqual(['g2', 'g3']);
  });

  it('filters multi-valued attributes with EXISTS, a value path keeping its conditions on one item', async () => {
    expect(await users('emails co "example.com"')).toEqual(['u1']);
    expect(await users('emails.value eq "BJENSEN@example.com"')).toEqual(['u1']);
    // u1 and u2 have a work address and an address containing "home", but not the same item.
    expect(await users('emails[type eq "work" and value co "home"]')).toEqual(['u4']);
    expect(await users('emails.type eq "work" and emails.value co "home"')).toEqual(['u1', 'u2', 'u4']);
    expect(await users('emails[type eq "work" and primary eq true]')).toEqual(['u1', 'u4']);
    expect(await users('emails[not (type eq "work")]')).toEqual(['u1', 'u2', 'u4']);
    expect(await users('emails[type eq "other"] or phoneNumbers pr')).toEqual(['u4']);
    expect(await users('emails pr')).toEqual(['u1', 'u2', 'u4']);
    expect(await users('not (emails pr)')).toEqual(['u3']);
    expect(await users('emails.value ne "bjensen@example.com"')).toEqual(['u2', 'u3', 'u4']);
    expect(await users('emails.type eq null')).toEqual(['u3']);
    expect(await users('addresses[locality eq "paris" and streetAddress sw "1 main"]')).toEqual(['u4']);
    expect(await users('addresses.value pr')).toEqual([]);
    expect(await users('userType eq "Employee" and (emails.value co "example.com" or emails.value co "example.org")')).toEqual(['u1']);
    expect(await users('name.FamilyName eq Jensen and (emails.Value co example.com or emails.Value co example.org)')).toEqual(['u1']);
  });

  it('filters users by group and groups by member', async () => {
    expect(await users('groups.value eq "g1"')).toEqual(['u1', 'u2']);
    expect(await users('groups eq "g2"')).toEqual(['u4']);
    expect(await users('groups.display eq "admins"')).toEqual(['u4']);
    expect(await users('groups[display sw "sales" and type eq "direct"]')).toEqual(['u1', 'u2']);
    expect(await users('groups pr')).toEqual(['u1', 'u2', 'u4']);
    expect(await users('not (groups pr)')).toEqual(['u3']);
    expect(await groups('displayName eq "sales team"')).toEqual(['g1']);
    expect(await groups('members.value eq "u4"')).toEqual(['g2']);
    expect(await groups('members eq "u1"')).toEqual(['g1']);
    expect(await groups('members[value eq "u2"]')).toEqual(['g1']);
    expect(await groups('members pr')).toEqual(['g1', 'g2']);
    expect(await groups('not (members pr)')).toEqual(['g3']);
    expect(await groups('displayName sw "a" or members.value eq "u1"')).toEqual(['g1', 'g2']);
  });

  it('refuses attributes that have no column with invalidFilter', () => {
    for (const [text, kind] of [['meta.location eq "x"', 'User'], ['meta.version eq "x"', 'User'], ['groups.$ref eq "x"', 'User'], ['members.display eq "x"', 'Group']] as const) {
      const err = thrown(() => (kind === 'User' ? userFilterSql : groupFilterSql)(parseFilter(text, kind), { directoryId: 'd1', dialect }));
      expect(err).toBeInstanceOf(ScimError);
      expect((err as ScimError).scimType).toBe('invalidFilter');
    }
  });

  it('uses the lower() indexes for userName eq and sw, and emails.value eq', async () => {
    const plan = async (filter: string) => {
      const compiled = usersQuery(filter).compile();
      if (dialect === 'sqlite') {
        return (database.sqlite!.prepare(`explain query plan ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail).join('\n');
      }
      // The tables are tiny, so PostgreSQL would rather scan; with scans priced out it takes an index only if the expression matches one.
      return database.db.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const { rows } = await trx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]));
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    };
    expect(await plan('userName eq "bjensen"')).toMatch(/scim_users_user_name_unique/);
    expect(await plan('emails.value eq "bjensen@example.com"')).toMatch(/scim_user_values_value_idx/);
    expect(await plan('emails[type eq "work" and value eq "bjensen@example.com"]')).toMatch(/scim_user_values_value_idx/);
    // A prefix is a range: on PostgreSQL in code-point order, on the index built for it.
    if (dialect === 'postgres') expect(await plan('userName sw "bj"')).toMatch(/scim_users_user_name_prefix_idx/);
    if (dialect === 'sqlite') {
      expect(await plan('userName eq "bjensen"')).toMatch(/SEARCH scim_users USING INDEX scim_users_user_name_unique \(directory_id=\? AND <expr>=\?\)/);
      // The item set is one uncorrelated probe of the values index, then users by id (not one probe per user).
      const emails = await plan('emails.value eq "bjensen@example.com"');
      expect(emails).toMatch(/SEARCH v USING INDEX scim_user_values_value_idx \(directory_id=\? AND attribute=\? AND <expr>=\?\)/);
      expect(emails).toMatch(/SEARCH scim_users USING COVERING INDEX scim_users_directory_id_idx \(directory_id=\? AND id=\?\)/);
      // A prefix is a range on the lower(userName) index.
      expect(await plan('userName sw "bj"')).toMatch(/SEARCH scim_users USING INDEX scim_users_user_name_unique \(directory_id=\? AND <expr>>\? AND <expr><\?\)/);
    }
  });
});
