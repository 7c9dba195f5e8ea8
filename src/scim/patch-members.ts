import { badRequest } from './errors.ts';
import type { Filter, PatchPath } from './filter-ast.ts';
import { MAX_GROUP_MEMBERS } from './group-record.ts';
import { describeValue, isObject, type Json } from './resource-input.ts';
import { matchesItem } from './value-filter.ts';

/**
 * A Group's `members` while a PATCH runs: an insertion-ordered map from the
 * member's id (lower-cased: `members.value` is not caseExact, RFC 7643 §8.7.1)
 * to the member. Groups can hold tens of thousands of members, and Okta and
 * Entra remove them one operation each (`members[value eq "id"]`), so a
 * removal by id is a lookup, not a scan of the list.
 *
 * Rules: members are added and removed whole — their sub-attributes are
 * immutable or read-only, so a path to one is refused (`mutability`), and
 * `add`/`replace` through a filter is refused (`invalidPath`); every added
 * member needs a string `value` (a bare string is one: Microsoft's reference
 * tests send `"value": "string id 1"`); adding a member already there changes
 * nothing; removing one that is not there changes nothing; filters other than
 * `value eq "id"` may examine at most MAX_MEMBER_SCAN members per request
 * (`tooMany`), so one request cannot hold the process for seconds.
 */
/** How many members the filters of one PATCH may examine in all (a removal by id examines none). */
export const MAX_MEMBER_SCAN = 1_000_000;

export class MemberSet {
  private readonly byId = new Map<string, Json>();
  private scanned = 0;

  constructor(current: unknown) {
    if (Array.isArray(current)) for (const m of current) if (isObject(m) && typeof m.value === 'string') this.byId.set(m.value.toLowerCase(), m);
  }

  toArray(): Json[] {
    return [...this.byId.values()];
  }

  /** Applies one operation whose path is `members` (with a filter or sub-attribute, perhaps). */
  apply(op: 'add' | 'replace' | 'remove', path: PatchPath, value: unknown, hasValue: boolean): void {
    if (path.attr.subAttribute) throw badRequest('mutability', `"${path.attr.canonical}" cannot be changed: add or remove the member instead`);
    if (path.valueFilter) {
      if (op !== 'remove') throw badRequest('invalidPath', `Members are added and replaced without a filter; "${op}" cannot select them`);
      this.removeWhere(path.valueFilter);
    } else if (op === 'remove') {
      // Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]} removes those members only.
      if (hasValue && value !== null) for (const m of members(value)) this.byId.delete(key(m));
      else this.byId.clear();
    } else {
      if (op === 'replace') this.byId.clear();
      for (const m of members(value)) if (!this.byId.has(key(m))) this.byId.set(key(m), m);
      if (this.byId.size > MAX_GROUP_MEMBERS) throw badRequest('invalidValue', `A group can have at most ${MAX_GROUP_MEMBERS} members`);
    }
  }

  private removeWhere(filter: Filter): void {
    const id = idOf(filter);
    if (id !== undefined) {
      this.byId.delete(id);
      return;
    }
    // Any other filter scans the group; bound the scanning one request can cause.
    this.scanned += this.byId.size;
    if (this.scanned > MAX_MEMBER_SCAN) {
      throw badRequest('tooMany', `This request's member filters would examine more than ${MAX_MEMBER_SCAN} members; remove members by id (members[value eq "id"]) or in smaller requests`);
    }
    for (const [k, m] of this.byId) if (matchesItem(filter, m)) this.byId.delete(k);
  }
}

const key = (m: Json) => (m.value as string).toLowerCase();

/** The id a filter of the form `value eq "id"` names (lower-cased), else undefined. */
function idOf(filter: Filter): string | undefined {
  if (filter.op !== 'eq' || typeof filter.value !== 'string') return undefined;
  return (filter.attr.subAttribute ?? filter.attr.attribute).name === 'value' ? filter.value.toLowerCase() : undefined;
}

/**
 * Incoming members: an array, one member, or a bare id; each with a string `value` (names matched in any case),
 * and the `display` the directory gives it, if any (Microsoft's tools name it `displayName`).
 */
function members(value: unknown): Json[] {
  const list = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.map((m) => {
    const field = (name: string) => (isObject(m) ? Object.entries(m).find(([k]) => k.toLowerCase() === name)?.[1] : undefined);
    const raw = typeof m === 'string' ? m : field('value');
    if (typeof raw !== 'string' || raw === '') throw badRequest('invalidValue', `Each member needs a string "value" (the member's id), got ${describeValue(m)}`);
    const display = field('display') ?? field('displayname');
    return typeof display === 'string' ? { value: raw, display } : { value: raw };
  });
}
