import { describe, expect, it } from 'vitest';
import { CORE_USER, ENTERPRISE_USER } from '../../src/scim/schemas.ts';
import { parseUserResource, userRecordToRows, userResource } from '../../src/scim/user-record.ts';
import { bodyOf, collectionRequests } from '../support/scim-fixtures.ts';
import { BASE_URL, scimErrorOf, scimTypeOf, storedUser } from '../support/scim-records.ts';

const userBodies = collectionRequests().filter((r) => (r.method === 'POST' || r.method === 'PUT') && /^\/Users\b/.test(r.path));

/** parse → rows → resource → parse: what a client wrote is what it reads back. */
function roundTrip(body: unknown) {
  const record = parseUserResource(body);
  const { row, values } = storedUser(record);
  const resource = userResource(row, values, [], BASE_URL);
  return { record, resource, again: parseUserResource(resource) };
}

const minimal = { schemas: [CORE_USER], userName: 'bjensen@example.com' };

describe('User bodies of the Microsoft SCIM reference collection', () => {
  it('holds the POST and PUT User bodies this suite relies on', () => {
    expect(userBodies.length).toBeGreaterThanOrEqual(15);
    expect(userBodies.filter((r) => r.expectedStatus === 400).map((r) => r.name).sort()).toEqual(['Post junk', 'Post no username', 'Put a user no username']);
  });

  for (const req of userBodies) {
    if (req.expectedStatus === 400) {
      it(`refuses "${req.name}" as the collection expects`, () => {
        if (req.name === 'Post junk') {
          // Not JSON at all: the HTTP layer's JSON parser refuses it before any SCIM code runs.
          expect(() => bodyOf(req)).toThrow(SyntaxError);
        } else {
          const err = scimErrorOf(() => parseUserResource(bodyOf(req)));
          expect(err.scimType).toBe('invalidValue');
          expect(err.message).toContain('userName');
        }
      });
    } else {
      it(`reads "${req.name}" (${req.method}) and reads back the same values`, () => {
        const body = bodyOf(req) as Record<string, unknown>;
        const { record, again } = roundTrip(body);
        expect(again).toEqual(record);
        expect(record.userName).toBe(body.userName);
      });
    }
  }

  it('matches attribute names in any case and coerces Entra string booleans', () => {
    const enterprise = userBodies.find((r) => r.name === 'Post EnterpriseUser')!;
    const record = parseUserResource(bodyOf(enterprise));
    expect(record.emails).toEqual([
      { value: 'testing@bob2.com', display: null, type: 'work', primary: true },
      { value: 'testinghome@bob3.com', display: null, type: 'home', primary: false },
    ]);
    expect(record.enterprise).toEqual({ employeeNumber: null, costCenter: null, organization: null, division: null, department: 'bob', manager: { value: 'SuzzyQ' } });

    const emp1 = parseUserResource(bodyOf(userBodies.find((r) => r.name === 'Post emp1 with string "True"')!));
    expect(emp1.active).toBe(true);
    expect(parseUserResource({ ...minimal, active: 'False' }).active).toBe(false);
    expect(parseUserResource({ ...minimal, ACTIVE: 'false' }).active).toBe(false);
  });

  it('keeps every address part, including the nulls, through the rows', () => {
    const omalley = userBodies.find((r) => r.name === 'Post user "OMalley"')!;
    const { record, resource } = roundTrip(bodyOf(omalley));
    expect(record.addresses[1]).toEqual({ formatted: '18522 Lisa Unions\nEast Gregory, CT 52311', streetAddress: null, locality: null, region: null, postalCode: null, country: null, type: 'other', primary: false });
    expect(resource.addresses).toEqual([
      { formatted: '9132 Jennifer Way Suite 040\nSouth Nancy, MI 55645', streetAddress: '4939 Hess Fork', locality: 'West Mercedes', region: 'Montana', postalCode: '99265', country: 'Bermuda', type: 'work' },
      { formatted: '18522 Lisa Unions\nEast Gregory, CT 52311', type: 'other' },
    ]);
    expect(resource.phoneNumbers).toEqual([
      { value: '312-320-0500', type: 'fax' },
      { value: '312-320-1707', type: 'mobile' },
      { value: '312-320-0932', type: 'work', primary: true },
    ]);
  });

  it('ignores a misspelled attribute in a PUT (the collection expects success without addresses)', () => {
    const put = userBodies.find((r) => r.name === 'Put a user misspelled attribute')!;
    const record = parseUserResource(bodyOf(put, { '1stuserid': 'user_1' }));
    expect(record.addresses).toEqual([]);
    expect(record.active).toBe(false);
  });
});

describe('parseUserResource', () => {
  it('reads the create request of the Entra provisioning tutorial', () => {
    // learn.microsoft.com, "Develop and plan provisioning for a SCIM endpoint", Create User.
    const record = parseUserResource({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    expect(record.externalId).toBe('0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
    expect(record.name.givenName).toBe('givenName');
    expect(record.roles).toEqual([]);
  });

  it("takes the extension under its URN in any case, and a plain-string manager as the manager's id", () => {
    const record = parseUserResource({ ...minimal, [ENTERPRISE_USER.toUpperCase()]: { EmployeeNumber: '701984', manager: '123456' } });
    expect(record.enterprise.employeeNumber).toBe('701984');
    expect(record.enterprise.manager).toEqual({ value: '123456' });
  });

  it('ignores read-only attributes and unknown ones, and never keeps the password', () => {
    const record = parseUserResource({ ...minimal, id: 'forged', meta: { version: 'W/"9"' }, groups: [{ value: 'g' }], password: 'Secr3t!', favouriteColour: 'teal' });
    expect(JSON.stringify(record)).not.toMatch(/forged|Secr3t|teal|"groups"/);
    const { row, values } = storedUser(record);
    expect(JSON.stringify(userResource(row, values, [], BASE_URL))).not.toMatch(/password|Secr3t/i);
  });

  it('defaults active to true when the body leaves it out', () => {
    expect(parseUserResource(minimal).active).toBe(true);
  });

  const refused: [string, unknown, string][] = [
    ['a body that is not an object', ['x'], 'invalidSyntax'],
    ['no schemas', { userName: 'a' }, 'invalidValue'],
    ['schemas without the core User schema', { schemas: [ENTERPRISE_USER], userName: 'a' }, 'invalidValue'],
    ['an unknown schema', { schemas: [CORE_USER, 'urn:example:custom:2.0:User'], userName: 'a' }, 'invalidValue'],
    ['schemas that is not an array', { schemas: CORE_USER, userName: 'a' }, 'invalidValue'],
    ['no userName', { schemas: [CORE_USER] }, 'invalidValue'],
    ['an empty userName', { ...minimal, userName: '' }, 'invalidValue'],
    ['a blank userName', { ...minimal, userName: '   ' }, 'invalidValue'],
    ['a numeric userName', { ...minimal, userName: 42 }, 'invalidValue'],
    ['emails that is a string', { ...minimal, emails: 'x' }, 'invalidValue'],
    ['an email that is a string', { ...minimal, emails: ['a@example.com'] }, 'invalidValue'],
    ['name that is a number', { ...minimal, name: 5 }, 'invalidValue'],
    ['active "maybe"', { ...minimal, active: 'maybe' }, 'invalidValue'],
    ['active 1', { ...minimal, active: 1 }, 'invalidValue'],
    ['primary "yes"', { ...minimal, emails: [{ value: 'a@example.com', primary: 'yes' }] }, 'invalidValue'],
    ['two primary emails', { ...minimal, emails: [{ value: 'a@example.com', primary: true }, { value: 'b@example.com', primary: 'True' }] }, 'invalidValue'],
    ['a string over 1024 characters', { ...minimal, displayName: 'x'.repeat(1025) }, 'invalidValue'],
    ['101 phone numbers', { ...minimal, phoneNumbers: Array.from({ length: 101 }, (_, i) => ({ value: `+1555${i}` })) }, 'invalidValue'],
    ['the extension as a string', { ...minimal, [ENTERPRISE_USER]: 'x' }, 'invalidValue'],
    ['a manager that is a number', { ...minimal, [ENTERPRISE_USER]: { manager: 7 } }, 'invalidValue'],
    ['the same attribute twice in different case', { ...minimal, displayName: 'a', DisplayName: 'b' }, 'invalidValue'],
  ];
  for (const [what, body, scimType] of refused) {
    it(`refuses ${what} with ${scimType}`, () => {
      expect(scimTypeOf(() => parseUserResource(body))).toBe(scimType);
    });
  }

  it('says what it got and what it expected', () => {
    expect(scimErrorOf(() => parseUserResource({ ...minimal, active: 'maybe' })).message).toBe('Attribute "active" must be a boolean, got "maybe"');
    expect(scimErrorOf(() => parseUserResource({ ...minimal, emails: [{ value: 1 }] })).message).toBe('Attribute "emails[0].value" must be a string, got 1');
  });

  it('accepts exactly 1024 characters and 100 items', () => {
    const record = parseUserResource({ ...minimal, displayName: 'x'.repeat(1024), emails: Array.from({ length: 100 }, (_, i) => ({ value: `u${i}@example.com` })) });
    expect(record.emails).toHaveLength(100);
  });
});

describe('userRecordToRows', () => {
  it('fills the user columns the caller does not own, and one value row per item', () => {
    const record = parseUserResource({
      ...minimal,
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: 'b@example.com', type: 'work', primary: true }, { value: 'b@home.example', type: 'home' }],
      addresses: [{ streetAddress: '100 Universal City Plaza', locality: 'Hollywood', type: 'work' }],
      [ENTERPRISE_USER]: { department: 'Tour Operations', manager: { value: 'user_2' } },
    });
    const { columns, values } = userRecordToRows(record, { id: 'user_1', directoryId: 'dir_1', orgId: 'org_1' });
    for (const owned of ['id', 'directory_id', 'org_id', 'user_id', 'version', 'created_at', 'updated_at', 'manager_display_name']) expect(columns).not.toHaveProperty(owned);
    expect(columns).toMatchObject({ user_name: 'bjensen@example.com', given_name: 'Barbara', family_name: 'Jensen', active: 1, department: 'Tour Operations', manager_value: 'user_2', display_name: null });
    expect(Object.keys(columns).sort()).toEqual(
      ['user_name', 'external_id', 'name_formatted', 'family_name', 'given_name', 'middle_name', 'honorific_prefix', 'honorific_suffix', 'display_name', 'nick_name', 'profile_url', 'title', 'user_type', 'preferred_language', 'locale', 'timezone', 'active', 'employee_number', 'cost_center', 'organization', 'division', 'department', 'manager_value'].sort(),
    );
    expect(values.map((v) => [v.attribute, v.ordinal, v.value, v.type, v.primary])).toEqual([
      ['emails', 0, 'b@example.com', 'work', 1],
      ['emails', 1, 'b@home.example', 'home', 0],
      ['addresses', 0, null, 'work', 0],
    ]);
    expect(values[2]).toMatchObject({ scim_user_id: 'user_1', directory_id: 'dir_1', street_address: '100 Universal City Plaza', locality: 'Hollywood', postal_code: null });
  });
});

describe('userResource', () => {
  it('leaves out nulls, empty lists and the extension when nothing of it is set', () => {
    const { row, values } = storedUser(parseUserResource({ ...minimal, roles: [], name: { givenName: 'Barbara', familyName: null } }), { version: 3 });
    expect(userResource(row, values, [], BASE_URL)).toEqual({
      schemas: [CORE_USER],
      id: 'user_1',
      userName: 'bjensen@example.com',
      name: { givenName: 'Barbara' },
      active: true,
      meta: { resourceType: 'User', created: '2026-11-29T10:00:00.000Z', lastModified: '2026-11-29T11:00:00.000Z', location: `${BASE_URL}/Users/user_1`, version: 'W/"3"' },
    });
  });

  it('lists the extension schema with its attributes, the manager with a display name, and the groups', () => {
    const record = parseUserResource({ ...minimal, [ENTERPRISE_USER]: { costCenter: '4130', manager: { value: 'user_2' } } });
    const { row, values } = storedUser(record, { managerDisplayName: 'John Smith' });
    const resource = userResource(row, values, [{ id: 'group_7', display: 'Engineering' }], BASE_URL);
    expect(resource.schemas).toEqual([CORE_USER, ENTERPRISE_USER]);
    expect(resource[ENTERPRISE_USER]).toEqual({ costCenter: '4130', manager: { value: 'user_2', $ref: `${BASE_URL}/Users/user_2`, displayName: 'John Smith' } });
    expect(resource.groups).toEqual([{ value: 'group_7', $ref: `${BASE_URL}/Groups/group_7`, display: 'Engineering', type: 'direct' }]);
    expect(parseUserResource(resource)).toEqual(record);
  });

  it('orders items by ordinal whatever order the rows come in', () => {
    const { row, values } = storedUser(parseUserResource({ ...minimal, emails: [{ value: 'a@x.test' }, { value: 'b@x.test' }, { value: 'c@x.test' }] }));
    const resource = userResource(row, [...values].reverse(), [], BASE_URL);
    expect((resource.emails as { value: string }[]).map((e) => e.value)).toEqual(['a@x.test', 'b@x.test', 'c@x.test']);
  });
});
