import { describe, expect, it } from 'vitest';
import { parseValueFilter } from '../../src/scim/filter-parser.ts';
import { resolveAttribute, type ResourceKind } from '../../src/scim/schemas.ts';
import { itemFromFilter, matchesItem } from '../../src/scim/value-filter.ts';

const filterOn = (kind: ResourceKind, attribute: string, text: string) => parseValueFilter(text, kind, resolveAttribute(kind, attribute)!);
const emails = (text: string) => filterOn('User', 'emails', text);

describe('matchesItem', () => {
  const work = { value: 'Barbara@Example.com', type: 'work', primary: true };
  const bare = { value: 'b@home.example' };

  const cases: [string, Record<string, unknown>, boolean][] = [
    ['type eq "WORK"', work, true],
    ['type eq "home"', work, false],
    ['type ne "home"', work, true],
    ['type ne "home"', bare, true],
    ['type eq "work"', bare, false],
    ['type eq null', bare, true],
    ['type ne null', bare, false],
    ['type pr', bare, false],
    ['type pr', work, true],
    ['value co "@example."', work, true],
    ['value sw "barbara"', work, true],
    ['value ew ".COM"', work, true],
    ['value ew ".org"', work, false],
    ['value gt "a"', work, true],
    ['value lt "a"', work, false],
    ['primary eq true', work, true],
    ['primary eq true', { ...work, primary: 'True' }, true],
    ['primary eq false', bare, false],
    ['type eq "work" and value co "home"', work, false],
    ['type eq "work" or value co "home"', bare, true],
    ['not (type eq "work")', bare, true],
    ['not (type eq "work")', work, false],
  ];
  for (const [text, item, expected] of cases) {
    it(`${text} on ${JSON.stringify(item)} is ${expected}`, () => {
      expect(matchesItem(emails(text), item)).toBe(expected);
    });
  }

  it('compares member ids', () => {
    expect(matchesItem(filterOn('Group', 'members', 'value eq "89bb1940"'), { value: '89bb1940', display: 'x' })).toBe(true);
    expect(matchesItem(filterOn('Group', 'members', 'value eq "89bb1940"'), { value: '89bb19400' })).toBe(false);
  });
});

describe('itemFromFilter', () => {
  it('describes the item of an eq-only conjunction', () => {
    expect(itemFromFilter(emails('type eq "work"'))).toEqual({ type: 'work' });
    expect(itemFromFilter(emails('type eq "work" and primary eq true'))).toEqual({ type: 'work', primary: true });
  });

  it('describes nothing for other filters or contradictions', () => {
    for (const text of ['type eq "work" or type eq "home"', 'type ne "work"', 'value co "@x"', 'type pr', 'not (type eq "work")', 'type eq null', 'type eq "work" and type eq "home"']) {
      expect(itemFromFilter(emails(text))).toBeUndefined();
    }
  });
});
