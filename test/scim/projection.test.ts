import { describe, expect, it } from 'vitest';
import { project, readAttributeSelection } from '../../src/scim/projection.ts';
import { CORE_GROUP, CORE_USER, ENTERPRISE_USER } from '../../src/scim/schemas.ts';

/** A full User as the service renders it (RFC 7643 §8.2 style). */
const user = () => ({
  schemas: [CORE_USER, ENTERPRISE_USER],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'bjensen',
  userName: 'bjensen@example.com',
  name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
  displayName: 'Babs Jensen',
  active: true,
  password: 'must never be returned',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  groups: [{ value: 'e9e30dba', $ref: 'https://example.com/scim/v2/Groups/e9e30dba', display: 'Tour Guides', type: 'direct' }],
  [ENTERPRISE_USER]: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: '26118915', displayName: 'John Smith' } },
  meta: { resourceType: 'User', created: '2010-01-23T04:56:22.000Z', lastModified: '2011-05-13T04:42:34.000Z', location: 'https://example.com/scim/v2/Users/2819c223', version: 'W/"3"' },
});

const select = (query: Record<string, unknown>) => project(user(), readAttributeSelection(query), 'User');

describe('readAttributeSelection', () => {
  it('reads both parameters in any case, comma-separated or as arrays, dropping value filters', () => {
    expect(readAttributeSelection({ Attributes: 'userName, name.givenName,emails[type eq "work"]' })).toEqual({ attributes: ['userName', 'name.givenName', 'emails'], excluded: [] });
    expect(readAttributeSelection({ excludedattributes: ['emails[type eq "a,b"].value', 'groups'] })).toEqual({ attributes: null, excluded: ['emails.value', 'groups'] });
    expect(readAttributeSelection({})).toEqual({ attributes: null, excluded: [] });
    expect(readAttributeSelection({ attributes: ' , ' })).toEqual({ attributes: null, excluded: [] });
  });
});

describe('project', () => {
  it('returns the default attributes without password when nothing is asked', () => {
    const out = select({});
    const { password: _password, ...expected } = user();
    expect(out).toEqual(expected);
  });

  it('returns only the attributes asked for, with id and schemas always', () => {
    expect(select({ attributes: 'userName' })).toEqual({ schemas: [CORE_USER], id: user().id, userName: 'bjensen@example.com' });
    expect(select({ attributes: 'USERNAME,Name.GivenName,emails.value' })).toEqual({
      schemas: [CORE_USER],
      id: user().id,
      userName: 'bjensen@example.com',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }],
    });
    expect(select({ attributes: 'emails[type eq "work"]' }).emails).toEqual(user().emails);
    expect(select({ attributes: 'password,id' })).toEqual({ schemas: [CORE_USER], id: user().id });
  });

  it('selects extension attributes by URN, sub-attribute or the whole extension, and lists the URN only when they remain', () => {
    expect(select({ attributes: `${ENTERPRISE_USER}:department` })).toEqual({ schemas: [CORE_USER, ENTERPRISE_USER], id: user().id, [ENTERPRISE_USER]: { department: 'Tour Operations' } });
    expect(select({ attributes: `${ENTERPRISE_USER.toLowerCase()}:manager.value` })[ENTERPRISE_USER]).toEqual({ manager: { value: '26118915' } });
    expect(select({ attributes: ENTERPRISE_USER })[ENTERPRISE_USER]).toEqual(user()[ENTERPRISE_USER]);
    expect(select({ excludedAttributes: ENTERPRISE_USER })).not.toHaveProperty([ENTERPRISE_USER]);
    expect(select({ excludedAttributes: ENTERPRISE_USER }).schemas).toEqual([CORE_USER]);
  });

  it('removes excluded attributes and sub-attributes but never id or schemas', () => {
    const out = select({ excludedAttributes: 'emails,name.formatted,id,schemas,meta,groups.$ref' });
    expect(out.id).toBe(user().id);
    expect(out.schemas).toEqual([CORE_USER, ENTERPRISE_USER]);
    expect(out).not.toHaveProperty('emails');
    expect(out).not.toHaveProperty('meta');
    expect(out.name).toEqual({ familyName: 'Jensen', givenName: 'Barbara' });
    expect(out.groups).toEqual([{ value: 'e9e30dba', display: 'Tour Guides', type: 'direct' }]);
    expect(out.userName).toBe('bjensen@example.com');
    expect(out).not.toHaveProperty('password');
  });

  it('ignores unknown names and lets attributes win over excludedAttributes', () => {
    expect(select({ attributes: 'userName,nosuch,name.nosuch' })).toEqual({ schemas: [CORE_USER], id: user().id, userName: 'bjensen@example.com' });
    const { password: _p, ...expected } = user();
    expect(select({ excludedAttributes: 'nosuch' })).toEqual(expected);
    expect(select({ attributes: 'userName', excludedAttributes: 'userName' })).toHaveProperty('userName');
  });

  it('projects groups (excludedAttributes=members is what Entra sends)', () => {
    const group = { schemas: [CORE_GROUP], id: 'g1', displayName: 'Admins', members: [{ value: 'u1', display: 'Babs' }], meta: { resourceType: 'Group' } };
    expect(project(group, readAttributeSelection({ excludedAttributes: 'members' }), 'Group')).toEqual({ schemas: [CORE_GROUP], id: 'g1', displayName: 'Admins', meta: { resourceType: 'Group' } });
    expect(project(group, readAttributeSelection({ attributes: 'members.value' }), 'Group')).toEqual({ schemas: [CORE_GROUP], id: 'g1', members: [{ value: 'u1' }] });
  });
});
