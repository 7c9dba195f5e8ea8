import { describe, expect, it } from 'vitest';
import { groupResource, parseGroupResource } from '../../src/scim/group-record.ts';
import { applyPatch, MAX_PATCH_OPERATIONS } from '../../src/scim/patch.ts';
import { CORE_GROUP, CORE_USER, ENTERPRISE_USER, PATCH_OP } from '../../src/scim/schemas.ts';
import { parseUserResource, userResource, type UserRecord } from '../../src/scim/user-record.ts';
import { bodyOf, collectionRequests } from '../support/scim-fixtures.ts';
import { BASE_URL, scimErrorOf, scimTypeOf, storedGroup, storedUser } from '../support/scim-records.ts';

type Op = Record<string, unknown>;
const patchBody = (...Operations: Op[]) => ({ schemas: [PATCH_OP], Operations });

/** The stored form of a user: what the service hands to applyPatch. */
function userOf(body: Record<string, unknown>, managerDisplayName: string | null = null): Record<string, unknown> {
  const { row, values } = storedUser(parseUserResource({ schemas: [CORE_USER], ...body }), { managerDisplayName });
  return userResource(row, values, [{ id: 'group_9', display: 'Everyone' }], BASE_URL);
}

/** PATCH then read back, as the service does before storing. */
const patchUser = (resource: Record<string, unknown>, body: unknown): UserRecord => parseUserResource(applyPatch('User', resource, body));

const barbara = () =>
  userOf({
    userName: 'bjensen@example.com',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }, { value: 'babs@jensen.org', type: 'home' }],
    phoneNumbers: [{ value: '555-555-5555', type: 'work' }, { value: '555-555-4444', type: 'mobile' }],
    addresses: [{ streetAddress: '100 Universal City Plaza', locality: 'Hollywood', type: 'work' }],
    [ENTERPRISE_USER]: { department: 'Tour Operations', manager: { value: 'user_2' } },
  });

function groupOf(members: string[], id = 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b'): Record<string, unknown> {
  const record = parseGroupResource({ schemas: [CORE_GROUP], displayName: 'Test SCIMv2', members: members.map((value) => ({ value })) });
  return groupResource(storedGroup(record, { id }), record.members.map((m) => ({ value: m.value, display: `name of ${m.value}` })), BASE_URL);
}
const patchGroup = (resource: Record<string, unknown>, body: unknown) => parseGroupResource(applyPatch('Group', resource, body));
const memberIds = (resource: Record<string, unknown>, body: unknown) => patchGroup(resource, body).members.map((m) => m.value);

describe('the PatchOp message', () => {
  const refused: [string, unknown, string][] = [
    ['a body that is not an object', [], 'invalidSyntax'],
    ['no schemas', { Operations: [{ op: 'add', path: 'nickName', value: 'x' }] }, 'invalidSyntax'],
    ['the User schema instead of PatchOp', { schemas: [CORE_USER], Operations: [{ op: 'add', path: 'nickName', value: 'x' }] }, 'invalidSyntax'],
    ['no Operations', { schemas: [PATCH_OP] }, 'invalidSyntax'],
    ['empty Operations', patchBody(), 'invalidSyntax'],
    ['Operations that is an object', { schemas: [PATCH_OP], Operations: { op: 'add' } }, 'invalidSyntax'],
    [`${MAX_PATCH_OPERATIONS + 1} operations`, patchBody(...Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => ({ op: 'replace', path: 'nickName', value: 'x' }))), 'invalidSyntax'],
    ['an unknown op', patchBody({ op: 'move', path: 'nickName', value: 'x' }), 'invalidSyntax'],
    ['an op that is not a string', patchBody({ op: 1, path: 'nickName', value: 'x' }), 'invalidSyntax'],
    ['a path that is not a string', patchBody({ op: 'replace', path: ['nickName'], value: 'x' }), 'invalidSyntax'],
    ['add without a value', patchBody({ op: 'add', path: 'nickName' }), 'invalidSyntax'],
    ['replace without a path and with a string value', patchBody({ op: 'replace', value: 'x' }), 'invalidSyntax'],
    ['remove without a path', patchBody({ op: 'remove' }), 'noTarget'],
    ['remove with an empty path', patchBody({ op: 'remove', path: '' }), 'noTarget'],
    ['a path naming no attribute', patchBody({ op: 'replace', path: 'favouriteColour', value: 'teal' }), 'invalidPath'],
    ['a malformed value filter', patchBody({ op: 'replace', path: 'emails[type eq "work".value', value: 'x' }), 'invalidPath'],
    ['a value filter on a singular attribute', patchBody({ op: 'replace', path: 'name[givenName eq "Barbara"].familyName', value: 'x' }), 'invalidPath'],
  ];
  for (const [what, body, scimType] of refused) {
    it(`refuses ${what} with ${scimType}`, () => {
      expect(scimTypeOf(() => applyPatch('User', barbara(), body))).toBe(scimType);
    });
  }

  it('accepts 1000 operations, op names in any case and key names in any case', () => {
    const ops = Array.from({ length: MAX_PATCH_OPERATIONS }, (_, i) => ({ OP: ['Add', 'REPLACE', 'replace'][i % 3], Path: 'nickName', Value: `n${i}` }));
    expect(patchUser(barbara(), { Schemas: [PATCH_OP.toUpperCase()], operations: ops }).nickName).toBe('n999');
  });

  it('leaves the resource it was given untouched, also when an operation is refused', () => {
    const before = barbara();
    const copy = structuredClone(before);
    applyPatch('User', before, patchBody({ op: 'replace', path: 'emails', value: [] }));
    scimErrorOf(() => applyPatch('User', before, patchBody({ op: 'remove', path: 'name' }, { op: 'replace', path: 'id', value: 'other' })));
    expect(before).toEqual(copy);
  });
});

describe('add, replace and remove (RFC 7644 §3.5.2)', () => {
  it('sets and replaces simple and sub-attributes, and removes them', () => {
    const r = patchUser(
      barbara(),
      patchBody(
        { op: 'replace', path: 'userName', value: 'barbara@example.com' },
        { op: 'add', path: 'title', value: 'Tour Guide' },
        { op: 'replace', path: 'name.familyName', value: 'Jensen-Smith' },
        { op: 'remove', path: 'name.givenName' },
        { op: 'add', path: 'name', value: { middleName: 'Jane' } },
      ),
    );
    expect(r.userName).toBe('barbara@example.com');
    expect(r.title).toBe('Tour Guide');
    expect(r.name).toEqual({ formatted: null, familyName: 'Jensen-Smith', givenName: null, middleName: 'Jane', honorificPrefix: null, honorificSuffix: null });
    expect(patchUser(barbara(), patchBody({ op: 'remove', path: 'name' })).name.familyName).toBeNull();
    expect(patchUser(barbara(), patchBody({ op: 'replace', path: 'title', value: null })).title).toBeNull();
  });

  it('appends to a multi-valued attribute, skipping an exact duplicate', () => {
    const r = patchUser(
      barbara(),
      patchBody({ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }, { value: 'bj@other.example', type: 'other' }] }),
    );
    expect(r.emails.map((e) => e.value)).toEqual(['bjensen@example.com', 'babs@jensen.org', 'bj@other.example']);
  });

  it('makes an added or selected item primary and clears the others', () => {
    const added = patchUser(barbara(), patchBody({ op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'work', primary: true }] }));
    expect(added.emails.filter((e) => e.primary).map((e) => e.value)).toEqual(['new@example.com']);
    const selected = patchUser(barbara(), patchBody({ op: 'replace', path: 'emails[type eq "home"].primary', value: 'True' }));
    expect(selected.emails.map((e) => [e.value, e.primary])).toEqual([
      ['bjensen@example.com', false],
      ['babs@jensen.org', true],
    ]);
  });

  it('replaces a whole multi-valued attribute', () => {
    const r = patchUser(barbara(), patchBody({ op: 'replace', path: 'phoneNumbers', value: [{ value: '555-000-0000', type: 'fax' }] }));
    expect(r.phoneNumbers).toEqual([{ value: '555-000-0000', display: null, type: 'fax', primary: false }]);
  });

  it('replaces the selected items, and refuses a replace whose filter selects nothing', () => {
    const r = patchUser(barbara(), patchBody({ op: 'replace', path: 'addresses[type eq "work"]', value: { locality: 'Burbank', type: 'work' } }));
    expect(r.addresses).toEqual([{ formatted: null, streetAddress: null, locality: 'Burbank', region: null, postalCode: null, country: null, type: 'work', primary: false }]);
    const err = scimErrorOf(() => applyPatch('User', barbara(), patchBody({ op: 'replace', path: 'emails[type eq "other"].value', value: 'x@example.com' })));
    expect(err.scimType).toBe('noTarget');
    expect(err.message).toContain('no value of "emails" matches the filter');
  });

  it('removes the items a filter selects, or a sub-attribute of them, and nothing when none matches', () => {
    expect(patchUser(barbara(), patchBody({ op: 'remove', path: 'phoneNumbers[type eq "mobile" or value sw "555-555-5"]' })).phoneNumbers).toEqual([]);
    expect(patchUser(barbara(), patchBody({ op: 'remove', path: 'emails[not (type eq "work")]' })).emails.map((e) => e.value)).toEqual(['bjensen@example.com']);
    expect(patchUser(barbara(), patchBody({ op: 'remove', path: 'addresses[type eq "WORK"].streetAddress' })).addresses[0]).toMatchObject({ streetAddress: null, locality: 'Hollywood' });
    expect(patchUser(barbara(), patchBody({ op: 'remove', path: 'emails[type eq "pager"]' })).emails).toHaveLength(2);
    expect(patchUser(barbara(), patchBody({ op: 'remove', path: 'emails' })).emails).toEqual([]);
  });

  it('changes and removes extension attributes by URN-qualified path', () => {
    const changed = applyPatch('User', barbara(), patchBody({ op: 'replace', path: `${ENTERPRISE_USER}:manager.value`, value: 'user_3' }, { op: 'add', path: `${ENTERPRISE_USER}:costCenter`, value: '4130' }));
    expect(parseUserResource(changed).enterprise).toMatchObject({ department: 'Tour Operations', costCenter: '4130', manager: { value: 'user_3' } });
    const removed = applyPatch('User', barbara(), patchBody({ op: 'remove', path: `${ENTERPRISE_USER}:department` }, { op: 'remove', path: `${ENTERPRISE_USER}:manager` }));
    expect(removed).not.toHaveProperty(ENTERPRISE_USER);
    expect(removed.schemas).toEqual([CORE_USER]);
    const added = applyPatch('User', userOf({ userName: 'a' }), patchBody({ op: 'add', path: `${ENTERPRISE_USER}:division`, value: 'Theme Park' }));
    expect(added.schemas).toEqual([CORE_USER, ENTERPRISE_USER]);
  });

  it('refuses read-only attributes and ignores a value equal to the current one', () => {
    const refused: Op[] = [
      { op: 'replace', path: 'id', value: 'user_other' },
      { op: 'remove', path: 'id' },
      { op: 'replace', path: 'meta.lastModified', value: '2030-01-01T00:00:00Z' },
      { op: 'add', path: 'groups', value: [{ value: 'group_1' }] },
      { op: 'replace', path: `${ENTERPRISE_USER}:manager.displayName`, value: 'Someone Else' },
      { op: 'replace', value: { meta: { resourceType: 'User' } } },
    ];
    for (const op of refused) expect(scimTypeOf(() => applyPatch('User', barbara(), patchBody(op)))).toBe('mutability');
    expect(patchUser(barbara(), patchBody({ op: 'replace', path: 'id', value: 'user_1' })).userName).toBe('bjensen@example.com');
  });

  it('refuses removing active or userName, and discards a password', () => {
    const inactive = applyPatch('User', barbara(), patchBody({ op: 'replace', path: 'active', value: false }));
    for (const op of [{ op: 'remove', path: 'active' }, { op: 'replace', path: 'active', value: null }, { op: 'replace', value: { active: null } }, { op: 'add', path: 'ACTIVE', value: null }]) {
      expect(scimErrorOf(() => applyPatch('User', inactive, patchBody(op))).message).toContain('replace it with false');
    }
    expect(scimTypeOf(() => patchUser(barbara(), patchBody({ op: 'remove', path: 'userName' })))).toBe('invalidValue');
    const out = applyPatch('User', barbara(), patchBody({ op: 'replace', path: 'password', value: 'Secr3t!' }, { op: 'replace', value: { password: 'Secr3t!' } }));
    expect(JSON.stringify(out)).not.toContain('Secr3t');
  });

  it('keeps a "__proto__" key in a value from reaching any prototype', () => {
    const body = JSON.parse('{"schemas":["' + PATCH_OP + '"],"Operations":[{"op":"add","path":"emails","value":[{"value":"p@x.test","__proto__":{"polluted":true}}]},{"op":"replace","value":{"__proto__":{"polluted":true}}}]}');
    const out = applyPatch('User', barbara(), body);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((out.emails as Record<string, unknown>[])[2]).toEqual({ value: 'p@x.test' });
    expect(Object.getPrototypeOf((out.emails as object[])[2])).toBe(Object.prototype);
  });

  it('stops a multi-valued attribute growing past the limit the reader accepts', () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ value: `u${i}@x.test` }));
    expect(scimErrorOf(() => applyPatch('User', barbara(), patchBody({ op: 'add', path: 'emails', value: many }))).message).toBe('Attribute "emails" would have more than 100 values');
  });

  it('leaves type checks to the resource reader', () => {
    expect(scimTypeOf(() => patchUser(barbara(), patchBody({ op: 'replace', path: 'active', value: 'maybe' })))).toBe('invalidValue');
    expect(scimTypeOf(() => patchUser(barbara(), patchBody({ op: 'add', path: 'emails', value: [{ value: 'a@x.test', primary: true }, { value: 'b@x.test', primary: true }] })))).toBe('invalidValue');
    expect(scimTypeOf(() => applyPatch('User', barbara(), patchBody({ op: 'replace', path: 'name', value: 5 })))).toBe('invalidValue');
  });
});

describe('Okta (developer.okta.com, SCIM 2.0 protocol reference)', () => {
  it('deactivates a user with a no-path replace of { active: false }', () => {
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] };
    expect(patchUser(barbara(), body).active).toBe(false);
  });

  it("renames a group with a no-path replace carrying the group's own id, and refuses another id", () => {
    const body = (id: string) => ({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { id, displayName: 'Test SCIMv20' } }],
    });
    expect(patchGroup(groupOf(['b1c794f24f4c49f4b5d503a4cb2686ea']), body('abf4dd94-a4c0-4f67-89c9-76b03340cb9b'))).toEqual({
      displayName: 'Test SCIMv20',
      externalId: null,
      members: [{ value: 'b1c794f24f4c49f4b5d503a4cb2686ea', display: 'name of b1c794f24f4c49f4b5d503a4cb2686ea' }],
    });
    expect(scimTypeOf(() => applyPatch('Group', groupOf([]), body('6c6b54c2-0000-4000-8000-000000000000')))).toBe('mutability');
  });

  it('removes and adds members in one request, in order', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
        { op: 'add', path: 'members', value: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }] },
      ],
    };
    expect(memberIds(groupOf(['89bb1940-b905-4575-9e7f-6f887cfb368e', 'b1c794f24f4c49f4b5d503a4cb2686ea']), body)).toEqual(['b1c794f24f4c49f4b5d503a4cb2686ea', '23a35c27-23d3-4c03-b4c5-6443c09e7173']);
    const x = 'user_x';
    expect(memberIds(groupOf([]), patchBody({ op: 'add', path: 'members', value: [{ value: x }] }, { op: 'remove', path: `members[value eq "${x}"]` }))).toEqual([]);
    expect(memberIds(groupOf([x]), patchBody({ op: 'remove', path: `members[value eq "${x}"]` }, { op: 'add', path: 'members', value: [{ value: x }] }))).toEqual([x]);
  });

  it('does not list a member twice when it is added again', () => {
    const out = applyPatch('Group', groupOf(['user_1']), patchBody({ op: 'add', path: 'members', value: [{ value: 'user_1', display: 'again' }, { value: 'user_2' }] }));
    expect((out.members as { value: string }[]).map((m) => m.value)).toEqual(['user_1', 'user_2']);
  });

  it('adds and removes thousands of members in one request quickly', () => {
    const group = groupOf(Array.from({ length: 20_000 }, (_, i) => `old_${i}`));
    const started = performance.now();
    const out = applyPatch(
      'Group',
      group,
      patchBody(
        { op: 'add', path: 'members', value: Array.from({ length: 20_000 }, (_, i) => ({ value: `new_${i}` })) },
        { op: 'remove', path: 'members', value: Array.from({ length: 10_000 }, (_, i) => ({ value: `old_${i}` })) },
      ),
    );
    expect((out.members as unknown[]).length).toBe(30_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('removes by id without scanning, and bounds how many members other filters may examine', () => {
    const group = groupOf(Array.from({ length: 50_000 }, (_, i) => `m_${i}`));
    const byId = Array.from({ length: 1000 }, (_, i) => ({ op: 'remove', path: `members[value eq "M_${i * 7}"]` }));
    const started = performance.now();
    expect((applyPatch('Group', group, patchBody(...byId)).members as unknown[]).length).toBe(49_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    const scans = Array.from({ length: 21 }, (_, i) => ({ op: 'remove', path: `members[value sw "x${i}"]` }));
    expect(scimTypeOf(() => applyPatch('Group', group, patchBody(...scans)))).toBe('tooMany');
    expect((applyPatch('Group', group, patchBody(...scans.slice(0, 20))).members as unknown[]).length).toBe(50_000);
  });

  it('refuses changing a member in place and members without an id', () => {
    const group = groupOf(['user_1']);
    expect(scimTypeOf(() => applyPatch('Group', group, patchBody({ op: 'replace', path: 'members[value eq "user_1"].value', value: 'user_2' })))).toBe('mutability');
    expect(scimTypeOf(() => applyPatch('Group', group, patchBody({ op: 'add', path: 'members[value eq "user_1"].value', value: 'user_2' })))).toBe('mutability');
    expect(scimTypeOf(() => applyPatch('Group', group, patchBody({ op: 'replace', path: 'members[value eq "user_1"]', value: { value: 'user_2' } })))).toBe('invalidPath');
    expect(scimTypeOf(() => applyPatch('Group', group, patchBody({ op: 'add', path: 'members', value: [{ display: 'Babs' }] })))).toBe('invalidValue');
    expect(scimTypeOf(() => applyPatch('Group', group, patchBody({ op: 'add', path: 'members', value: [{ value: 7 }] })))).toBe('invalidValue');
  });

  it('replaces the whole membership', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'replace',
          path: 'members',
          value: [
            { value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' },
            { value: '89bb1940-b905-4575-9e7f-6f887cfb368e', display: 'test.user@okta.local' },
          ],
        },
      ],
    };
    expect(memberIds(groupOf(['b1c794f24f4c49f4b5d503a4cb2686ea']), body)).toEqual(['23a35c27-23d3-4c03-b4c5-6443c09e7173', '89bb1940-b905-4575-9e7f-6f887cfb368e']);
  });
});

describe('Microsoft Entra (learn.microsoft.com provisioning tutorial and SCIM compliance notes)', () => {
  it('takes capitalised ops: Replace of the work email and the family name', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    };
    const r = patchUser(barbara(), body);
    expect(r.emails[0]).toEqual({ value: 'updatedEmail@microsoft.com', display: null, type: 'work', primary: true });
    expect(r.name.familyName).toBe('updatedFamilyName');
  });

  it('disables a user with the string "False"', () => {
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] };
    const out = applyPatch('User', barbara(), body);
    expect(out.active).toBe(false);
    expect(parseUserResource(out).active).toBe(false);
  });

  it('adds a single-valued string attribute', () => {
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Add', path: 'nickName', value: 'Babs' }] };
    expect(patchUser(barbara(), body).nickName).toBe('Babs');
  });

  it('replaces several attributes in one no-path value keyed by dotted and URN-qualified names', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': 'Aklq',
          },
        },
      ],
    };
    const r = patchUser(barbara(), body);
    expect([r.emails[0].value, r.displayName, r.name.givenName, r.name.familyName, r.enterprise.employeeNumber]).toEqual(['TestMhvaes@test.microsoft.com', 'Bjfe', 'Kkom', 'Unua', 'Aklq']);
    expect(r.enterprise.department).toBe('Tour Operations');
  });

  it("takes a URN-qualified department and a plain-string manager as the manager's id", () => {
    const body = patchBody({
      op: 'Replace',
      value: { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'Finance', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager': 'user_7' },
    });
    const r = patchUser(barbara(), body);
    expect(r.enterprise).toMatchObject({ department: 'Finance', manager: { value: 'user_7' } });
    expect(patchUser(barbara(), patchBody({ op: 'Add', path: `${ENTERPRISE_USER}:manager`, value: 'user_8' })).enterprise.manager).toEqual({ value: 'user_8' });
  });

  it('takes the extension as an object in a no-path value, with names in any case', () => {
    const r = patchUser(barbara(), patchBody({ op: 'replace', value: { [ENTERPRISE_USER]: { Department: 'Legal', Manager: { Value: 'user_4' } } } }));
    expect(r.enterprise).toMatchObject({ department: 'Legal', manager: { value: 'user_4' } });
  });

  it('ignores unknown plain names in a no-path value, as in PUT', () => {
    expect(patchUser(barbara(), patchBody({ op: 'replace', value: { favouriteColour: 'teal', title: 'Boss' } })).title).toBe('Boss');
  });

  it('adds the work email of a user who has none, creating the item with type work', () => {
    // learn.microsoft.com Q&A "Entra ID patch sending Add instead of Replace": Entra's request for a changed email.
    const body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Replace', path: 'title', value: 'tester' },
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'joe@joe.example' },
      ],
    };
    const r = patchUser(userOf({ userName: 'joe', emails: [{ value: 'joe@home.example', type: 'home' }] }), body);
    expect(r.emails).toEqual([
      { value: 'joe@home.example', display: null, type: 'home', primary: false },
      { value: 'joe@joe.example', display: null, type: 'work', primary: false },
    ]);
    // With a work email present the same request changes it instead of adding a second one.
    expect(patchUser(barbara(), body).emails.map((e) => e.value)).toEqual(['joe@joe.example', 'babs@jensen.org']);
  });

  it('refuses to add through a filter that does not describe one item', () => {
    expect(scimTypeOf(() => applyPatch('User', barbara(), patchBody({ op: 'add', path: 'emails[type eq "other" or type eq "home2"].value', value: 'x@example.com' })))).toBe('noTarget');
  });

  it('adds members and removes members named in the value', () => {
    const add = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }] };
    expect(memberIds(groupOf(['u1091']), add)).toEqual(['u1091', 'f648f8d5ea4e4cd38e9c']);
    const remove = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Remove', path: 'members', value: [{ value: 'u1091' }] }] };
    expect(memberIds(groupOf(['u1091', 'u2000']), remove)).toEqual(['u2000']);
  });
});

describe('the PATCH requests of the Microsoft SCIM reference collection', () => {
  const patches = collectionRequests().filter((r) => r.method === 'PATCH');
  const named = (name: string) => {
    const found = patches.filter((r) => r.name === name);
    expect(found.length).toBeGreaterThan(0);
    return found[0];
  };
  const vars = { id4: 'user_4', '1stgroupid': 'group_1' };

  it('runs the group membership sequence: add user4, remove it by filter, add again, remove all members', () => {
    let group = groupOf(['user_3'], 'group_1');
    for (const name of ['Patch add user4 to group1', 'Patch remove user4 to group1', 'Patch add user4 to group1']) {
      const record = patchGroup(group, bodyOf(named(name), vars));
      group = groupOf(record.members.map((m) => m.value), 'group_1');
    }
    expect(group.members).toEqual([expect.objectContaining({ value: 'user_3' }), expect.objectContaining({ value: 'user_4' })]);
    expect(memberIds(group, bodyOf(named('Patch remove all users'), vars))).toEqual([]);
  });

  it('adds bare-string members', () => {
    let group = groupOf([], 'group_1');
    for (const name of ['Group patch add member', 'Group patch add member2']) group = groupOf(memberIds(group, bodyOf(named(name), vars)), 'group_1');
    expect((group.members as { value: string }[]).map((m) => m.value)).toEqual(['string id 1', 'string id 2']);
  });

  it('changes the userName and sets active with Replace', () => {
    const omalley = userOf({ userName: 'OMalley' });
    expect(patchUser(omalley, bodyOf(named('patch user1'))).userName).toBe('ryan3');
    expect(patchUser(omalley, bodyOf(named('Patch user omalley new username'))).userName).toBe('newusername');
    expect(patchUser(omalley, bodyOf(named('patch user omalley active with boolean'))).active).toBe(false);
  });
});
