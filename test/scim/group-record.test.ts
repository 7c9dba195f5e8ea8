import { describe, expect, it } from 'vitest';
import { ENTRA_GROUP_SCHEMA, groupResource, parseGroupResource } from '../../src/scim/group-record.ts';
import { CORE_GROUP, CORE_USER } from '../../src/scim/schemas.ts';
import { bodyOf, collectionRequests } from '../support/scim-fixtures.ts';
import { BASE_URL, scimErrorOf, scimTypeOf, storedGroup } from '../support/scim-records.ts';

const groupBodies = collectionRequests().filter((r) => (r.method === 'POST' || r.method === 'PUT') && /^\/Groups\b/.test(r.path));
const vars = { id3: 'user_3', id4: 'user_4', groupid3: 'group_3', '1stgroupid': 'group_1' };

describe('Group bodies of the Microsoft SCIM reference collection', () => {
  it('holds the POST and PUT Group bodies this suite relies on', () => {
    expect(groupBodies.map((r) => r.name)).toEqual(['Create empty group', 'Create filled group 2', 'Create group 3', 'Put replace group3', 'Post group', 'group put']);
  });

  for (const req of groupBodies) {
    it(`reads "${req.name}" (${req.method}) and reads back the same values`, () => {
      const body = bodyOf(req, vars) as Record<string, unknown>;
      const record = parseGroupResource(body);
      expect(record.displayName).toBe(body.displayName);
      const resource = groupResource(storedGroup(record), record.members.map((m) => ({ value: m.value, display: m.display })), BASE_URL);
      expect(parseGroupResource(resource)).toEqual(record);
    });
  }

  it("keeps the members' ids and the display the directory gave them", () => {
    const put = groupBodies.find((r) => r.name === 'Put replace group3')!;
    expect(parseGroupResource(bodyOf(put, vars))).toEqual({ displayName: 'putName', externalId: null, members: [{ value: 'user_3', display: 'VP' }, { value: 'user_4', display: 'SenorVP' }] });
  });
});

describe('parseGroupResource', () => {
  it('reads the group create requests of Okta and Entra', () => {
    // developer.okta.com SCIM 2.0 reference, Create Groups.
    expect(parseGroupResource({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] })).toEqual({ displayName: 'Test SCIMv2', externalId: null, members: [] });
    // learn.microsoft.com "Develop and plan provisioning for a SCIM endpoint", Create Group: lists a Microsoft schema too.
    const entra = parseGroupResource({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expect(entra).toEqual({ displayName: 'displayName', externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', members: [] });
  });

  it('collapses a member listed twice and matches names in any case', () => {
    const record = parseGroupResource({ Schemas: [CORE_GROUP], DisplayName: 'Ops', Members: [{ Value: 'user_1' }, { value: 'user_2', type: 'User' }, { value: 'user_1', display: 'again' }] });
    expect(record.members).toEqual([{ value: 'user_1', display: null }, { value: 'user_2', display: null }]);
  });

  const refused: [string, unknown, string][] = [
    ['a body that is not an object', 'Ops', 'invalidSyntax'],
    ['no schemas', { displayName: 'Ops' }, 'invalidValue'],
    ['the User schema', { schemas: [CORE_USER], displayName: 'Ops' }, 'invalidValue'],
    ['an unknown schema next to the Group one', { schemas: [CORE_GROUP, 'urn:example:group'], displayName: 'Ops' }, 'invalidValue'],
    ['no displayName', { schemas: [CORE_GROUP] }, 'invalidValue'],
    ['an empty displayName', { schemas: [CORE_GROUP], displayName: '' }, 'invalidValue'],
    ['members that is an object', { schemas: [CORE_GROUP], displayName: 'Ops', members: { value: 'user_1' } }, 'invalidValue'],
    ['a member without a value', { schemas: [CORE_GROUP], displayName: 'Ops', members: [{ display: 'Babs' }] }, 'invalidValue'],
    ['a member that is a bare string', { schemas: [CORE_GROUP], displayName: 'Ops', members: ['user_1'] }, 'invalidValue'],
    ['a nested group', { schemas: [CORE_GROUP], displayName: 'Ops', members: [{ value: 'group_2', type: 'Group' }] }, 'invalidValue'],
    ['a displayName over 1024 characters', { schemas: [CORE_GROUP], displayName: 'x'.repeat(1025) }, 'invalidValue'],
  ];
  for (const [what, body, scimType] of refused) {
    it(`refuses ${what} with ${scimType}`, () => {
      expect(scimTypeOf(() => parseGroupResource(body))).toBe(scimType);
    });
  }

  it('names the member it refuses', () => {
    expect(scimErrorOf(() => parseGroupResource({ schemas: [CORE_GROUP], displayName: 'Ops', members: [{ value: 'a' }, { display: 'b' }] })).message).toBe(
      'Attribute "members[1].value" (the member\'s id) is required, got nothing',
    );
  });

  it('exports the Microsoft schema it tolerates', () => {
    expect(ENTRA_GROUP_SCHEMA).toBe('http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group');
  });
});

describe('groupResource', () => {
  it('gives members with references and known display names, and meta with the version', () => {
    const row = storedGroup({ displayName: 'Engineering', externalId: 'ext-9', members: [] }, { version: 4 });
    expect(groupResource(row, [{ value: 'user_1', display: 'Barbara Jensen' }, { value: 'user_2', display: null }], BASE_URL)).toEqual({
      schemas: [CORE_GROUP],
      id: 'group_1',
      externalId: 'ext-9',
      displayName: 'Engineering',
      members: [
        { value: 'user_1', $ref: `${BASE_URL}/Users/user_1`, display: 'Barbara Jensen', type: 'User' },
        { value: 'user_2', $ref: `${BASE_URL}/Users/user_2`, type: 'User' },
      ],
      meta: { resourceType: 'Group', created: '2026-11-29T10:00:00.000Z', lastModified: '2026-11-29T11:00:00.000Z', location: `${BASE_URL}/Groups/group_1`, version: 'W/"4"' },
    });
  });

  it('shows an empty group with an empty member list', () => {
    const row = storedGroup({ displayName: 'Empty', externalId: null, members: [] });
    const resource = groupResource(row, [], BASE_URL);
    expect(resource.members).toEqual([]);
    expect(resource).not.toHaveProperty('externalId');
  });
});
