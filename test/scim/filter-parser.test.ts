import { describe, expect, it } from 'vitest';
import { parseFilter, parsePath, parseValueFilter } from '../../src/scim/filter-parser.ts';
import { ScimError } from '../../src/scim/errors.ts';
import type { Filter } from '../../src/scim/filter-ast.ts';
import { resolveAttribute, type ResourceKind } from '../../src/scim/schemas.ts';
import { thrown } from '../support/thrown.ts';

/** A compact rendering of a filter: attribute paths canonical, values JSON. */
function show(f: Filter): string {
  switch (f.op) {
    case 'and':
    case 'or':
      return `(${show(f.left)} ${f.op} ${show(f.right)})`;
    case 'not':
      return `not(${show(f.filter)})`;
    case 'pr':
      return `${f.attr.canonical} pr`;
    case 'valuePath':
      return `${f.attr.canonical}[${show(f.filter)}]`;
    default:
      return `${f.attr.canonical} ${f.op} ${JSON.stringify(f.value)}`;
  }
}

const parse = (text: string, kind: ResourceKind = 'User') => show(parseFilter(text, kind));
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function refusal(fn: () => unknown): { status: number; scimType: string | null; detail: string } {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(ScimError);
  const e = err as ScimError;
  return { status: e.status, scimType: e.scimType, detail: e.message };
}

describe('parseFilter', () => {
  it('parses every comparison operator and pr', () => {
    expect(parse('userName eq "bjensen"')).toBe('userName eq "bjensen"');
    expect(parse('userName ne "bjensen"')).toBe('userName ne "bjensen"');
    expect(parse('name.familyName co "O\'Malley"')).toBe('name.familyName co "O\'Malley"');
    expect(parse('userName sw "J"')).toBe('userName sw "J"');
    expect(parse('displayName ew "son"')).toBe('displayName ew "son"');
    expect(parse('meta.lastModified gt "2011-05-13T04:42:34Z"')).toBe('meta.lastModified gt "2011-05-13T04:42:34.000Z"');
    expect(parse('meta.lastModified ge "2011-05-13T04:42:34Z"')).toBe('meta.lastModified ge "2011-05-13T04:42:34.000Z"');
    expect(parse('meta.lastModified lt "2011-05-13T04:42:34Z"')).toBe('meta.lastModified lt "2011-05-13T04:42:34.000Z"');
    expect(parse('meta.lastModified le "2011-05-13T04:42:34Z"')).toBe('meta.lastModified le "2011-05-13T04:42:34.000Z"');
    expect(parse('title pr')).toBe('title pr');
    expect(parse('userName gt "m"')).toBe('userName gt "m"');
  });

  it('gives not precedence over and, and and over or', () => {
    expect(parse('title pr or userName eq "a" and displayName eq "b"')).toBe('(title pr or (userName eq "a" and displayName eq "b"))');
    expect(parse('title pr and userName eq "a" or displayName eq "b"')).toBe('((title pr and userName eq "a") or displayName eq "b")');
    expect(parse('title pr and not (userName eq "a") or nickName pr')).toBe('((title pr and not(userName eq "a")) or nickName pr)');
    expect(parse('title pr or nickName pr or locale pr')).toBe('((title pr or nickName pr) or locale pr)');
  });

  it('groups with parentheses and negates with not', () => {
    expect(parse('userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")')).toBe(
      '(userType eq "Employee" and (emails.value co "example.com" or emails.value co "example.org"))',
    );
    expect(parse('not (title pr)')).toBe('not(title pr)');
    expect(parse('not(title pr and not(nickName pr))')).toBe('not((title pr and not(nickName pr)))');
    expect(parse('((((title pr))))')).toBe('title pr');
  });

  it('parses value paths, whose names are sub-attributes of the bracketed attribute', () => {
    const f = parseFilter('emails[type eq "work" and value co "@example.com"]', 'User');
    expect(show(f)).toBe('emails[(emails.type eq "work" and emails.value co "@example.com")]');
    expect(f.op === 'valuePath' && f.attr.subAttribute).toBeUndefined();
    expect(parse('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]')).toBe(
      '(userType eq "Employee" and emails[(emails.type eq "work" and emails.value co "@example.com")])',
    );
    expect(parse('emails[not (type eq "home")] or addresses[locality eq "Paris"]')).toBe('(emails[not(emails.type eq "home")] or addresses[addresses.locality eq "Paris"])');
    expect(parse('members[value eq "u1"]', 'Group')).toBe('members[members.value eq "u1"]');
    expect(parse('emails[primary eq true]')).toBe('emails[emails.primary eq true]');
  });

  it('resolves URN-qualified attributes of the core schema and the enterprise extension', () => {
    expect(parse(`${ENTERPRISE}:department eq "Sales"`)).toBe(`${ENTERPRISE}:department eq "Sales"`);
    expect(parse(`${ENTERPRISE}:manager.value eq "m1"`)).toBe(`${ENTERPRISE}:manager.value eq "m1"`);
    expect(parse('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"')).toBe('userName eq "a"');
    expect(parse('urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "a"', 'Group')).toBe('displayName eq "a"');
    const f = parseFilter(`${ENTERPRISE.toUpperCase()}:DEPARTMENT eq "x"`, 'User');
    expect(f.op === 'eq' && f.attr.schema).toBe(ENTERPRISE);
  });

  it('is case-insensitive in operators, literals and attribute names', () => {
    expect(parse('userName EQ "x"')).toBe('userName eq "x"');
    expect(parse('USERNAME Eq "x" AND Title PR OR NOT (name.FamilyName Sw "a")')).toBe('((userName eq "x" and title pr) or not(name.familyName sw "a"))');
    expect(parse('active eq True')).toBe('active eq true');
    expect(parse('active Ne FALSE')).toBe('active ne false');
    expect(parse('title eq NULL')).toBe('title eq null');
    expect(parse('Emails[Type eq "work"]')).toBe('emails[emails.type eq "work"]');
  });

  it('accepts unquoted words as strings, as Microsoft\'s reference tests send them', () => {
    expect(parse('name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)')).toBe(
      '(name.familyName eq "Employee" and (emails.value co "example.com" or emails.value co "example.org"))',
    );
    expect(parse('userName sw O')).toBe('userName sw "O"');
    expect(parse('meta.Created gt 2015-10-10T14:38:21.8617979-07:00')).toBe('meta.created gt "2015-10-10T21:38:21.861Z"');
    // A number is kept as written when the attribute is a string (leading zeros are meaningful).
    expect(parse(`${ENTERPRISE}:employeeNumber eq 00701`)).toBe(`${ENTERPRISE}:employeeNumber eq "00701"`);
    expect(parse('externalId eq 12345')).toBe('externalId eq "12345"');
  });

  it('reads JSON strings with escapes, and quoted booleans for boolean attributes', () => {
    expect(parseFilter('displayName eq "a \\"b\\" \\\\ \\u00e9 ] ) and"', 'User')).toMatchObject({ value: 'a "b" \\ é ] ) and' });
    expect(parse('active eq "true"')).toBe('active eq true');
    expect(parse('displayName eq ""')).toBe('displayName eq ""');
  });

  it('reads a multi-valued complex attribute without a sub-attribute as its value', () => {
    expect(parse('emails co "x"')).toBe('emails.value co "x"');
    expect(parse('groups eq "g1"')).toBe('groups.value eq "g1"');
    expect(parse('members eq "u1"', 'Group')).toBe('members.value eq "u1"');
    expect(parse('emails pr')).toBe('emails pr');
    expect(parse('name pr')).toBe('name pr');
  });

  it('treats null as a value of eq and ne only', () => {
    expect(parse('title eq null')).toBe('title eq null');
    expect(parse('title ne null')).toBe('title ne null');
    expect(refusal(() => parseFilter('title gt null', 'User')).scimType).toBe('invalidFilter');
  });

  const malformed: [string, RegExp][] = [
    ['', /empty/],
    ['userName', /expected an operator.*character 9/],
    ['userName eq', /expected a value after "eq" at character 12/],
    ['userName eq "x', /Unterminated string starting at character 13/],
    ['userName eq "\\q"', /Invalid string/],
    ['userName xx "x"', /expected an operator.*"xx"/],
    ['userName eq "x" and', /expected an attribute name at character 20, found the end/],
    ['(userName eq "x"', /"\)" matching the "\(" at character 1/],
    ['userName eq "x")', /unexpected "\)" at character 16/],
    ['not userName eq "x"', /"not" must be followed by a parenthesised filter at character 5/],
    ['userName eq "x" userName eq "y"', /unexpected "userName" at character 17/],
    ['nosuch eq "x"', /unknown attribute "nosuch"/],
    ['name.nosuch eq "x"', /unknown attribute "name.nosuch"/],
    ['name eq "x"', /"name" is a complex attribute/],
    ['meta eq "x"', /complex attribute/],
    [`${ENTERPRISE}:manager eq "x"`, /complex attribute/],
    ['active gt true', /boolean; "gt" cannot be applied/],
    ['active co "t"', /boolean; "co" cannot be applied/],
    ['active eq "yes"', /"active" is a boolean attribute and takes true or false/],
    ['active eq 1', /takes true or false/],
    ['userName eq true', /takes a string/],
    ['meta.created gt "yesterday"', /RFC 3339/],
    ['meta.created gt 12', /RFC 3339/],
    ['meta.created co "2020"', /"co" cannot be applied to the dateTime/],
    ['password eq "secret"', /"password" cannot be filtered/],
    ['emails[type eq "work"', /"\]" closing the "\["/],
    ['emails[nosuch eq "x"]', /unknown attribute "nosuch" \(a sub-attribute of emails\)/],
    ['emails[type eq "work" and addresses[type eq "x"]]', /unknown attribute "addresses" \(a sub-attribute of emails\)/],
    ['emails[emails.type eq "work"]', /unknown attribute/],
    ['userName[value eq "x"]', /must follow a complex attribute/],
    ['emails.type[value eq "x"]', /must follow a complex attribute/],
    ['userName eq "x" or or title pr', /unknown attribute "or" at character 20/],
    ['members eq "u1"', /unknown attribute "members"/],
    ['x509Certificates.value gt "a"', /"gt" cannot be applied to the binary/],
  ];

  it.each(malformed)('refuses %j with invalidFilter', (text, detail) => {
    const r = refusal(() => parseFilter(text, 'User'));
    expect(r.status).toBe(400);
    expect(r.scimType).toBe('invalidFilter');
    expect(r.detail).toMatch(/^Invalid filter: /);
    expect(r.detail).toMatch(detail);
  });

  it('resolves names against the kind asked for', () => {
    expect(refusal(() => parseFilter('userName eq "a"', 'Group')).detail).toMatch(/unknown attribute "userName"/);
    expect(refusal(() => parseFilter(`${ENTERPRISE}:department eq "a"`, 'Group')).scimType).toBe('invalidFilter');
  });

  it('refuses a filter longer than 4096 characters or nested deeper than 32 levels', () => {
    const long = `userName eq "${'a'.repeat(4096)}"`;
    expect(refusal(() => parseFilter(long, 'User')).detail).toMatch(/at most 4096/);
    const deep = (n: number) => `${'('.repeat(n)}title pr${')'.repeat(n)}`;
    expect(parse(deep(32))).toBe('title pr');
    expect(refusal(() => parseFilter(deep(33), 'User'))).toMatchObject({ scimType: 'invalidFilter', detail: expect.stringMatching(/deeper than 32/) });
    const nots = (n: number) => `${'not ('.repeat(n)}title pr${')'.repeat(n)}`;
    expect(refusal(() => parseFilter(nots(33), 'User')).scimType).toBe('invalidFilter');
    // A long flat chain is not nesting: it parses without recursion per term.
    expect(() => parseFilter(Array.from({ length: 300 }, () => 'title pr').join(' or '), 'User')).not.toThrow();
  });
});

describe('parseValueFilter', () => {
  it('resolves names as sub-attributes of the parent', () => {
    const emails = resolveAttribute('User', 'emails')!;
    expect(show(parseValueFilter('type eq "work" and primary eq true', 'User', emails))).toBe('(emails.type eq "work" and emails.primary eq true)');
    expect(refusal(() => parseValueFilter('userName eq "x"', 'User', emails)).detail).toMatch(/unknown attribute "userName"/);
    expect(refusal(() => parseValueFilter('value eq "x"', 'User', resolveAttribute('User', 'userName')!)).scimType).toBe('invalidFilter');
  });
});

describe('parsePath', () => {
  const path = (text: string, kind: ResourceKind = 'User') => {
    const p = parsePath(text, kind);
    return `${p.attr.canonical}${p.valueFilter ? ` where ${show(p.valueFilter)}` : ''}`;
  };

  it('parses attribute paths, value paths and value paths with a sub-attribute', () => {
    expect(path('members', 'Group')).toBe('members');
    expect(path('name.givenName')).toBe('name.givenName');
    expect(path('emails[type eq "work"]')).toBe('emails where emails.type eq "work"');
    expect(path('emails[type eq "work"].value')).toBe('emails.value where emails.type eq "work"');
    expect(path('addresses[type eq "work"].streetAddress')).toBe('addresses.streetAddress where addresses.type eq "work"');
    expect(path(`${ENTERPRISE}:manager.value`)).toBe(`${ENTERPRISE}:manager.value`);
    expect(path(`${ENTERPRISE}:department`)).toBe(`${ENTERPRISE}:department`);
    expect(path('members[value eq "2819c223-7f76-453a-919d-413861904646"]', 'Group')).toBe('members where members.value eq "2819c223-7f76-453a-919d-413861904646"');
    expect(path('Emails[Type eq "work" and primary eq True].Value')).toBe('emails.value where (emails.type eq "work" and emails.primary eq true)');
    expect(path('active')).toBe('active');
    expect(path('password')).toBe('password');
    const p = parsePath('emails[type eq "work"].value', 'User');
    expect(p.attr).toEqual(resolveAttribute('User', 'emails.value'));
  });

  it.each([
    [''],
    ['nosuch'],
    ['name.nosuch'],
    ['emails[type eq "work"'],
    ['emails[type eq "work"].nosuch'],
    ['emails[type eq "work"]value'],
    ['emails[type eq "work"].value.x'],
    ['emails[nosuch eq "x"]'],
    ['emails[type zz "x"]'],
    ['userName[value eq "x"]'],
    ['name.givenName extra'],
    ['members'],
  ])('refuses %j with invalidPath', (text) => {
    const r = refusal(() => parsePath(text, 'User'));
    expect(r).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(r.detail).toMatch(/^Invalid path: /);
  });
});
