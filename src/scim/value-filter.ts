import { badRequest } from './errors.ts';
import type { Filter, FilterValue } from './filter-ast.ts';
import type { AttributeDef, ResolvedAttribute } from './schemas.ts';

/**
 * Evaluates a value-path filter (the part in brackets of
 * `emails[type eq "work"]`, RFC 7644 §3.5.2) on ONE item of a multi-valued
 * attribute, in memory: PATCH selects items of the single resource it changes,
 * so there is no query to push down. Requires: `filter` came from the parser
 * for that attribute (its names are the item's sub-attributes) and `item` has
 * canonical sub-attribute names.
 *
 * Semantics follow the filter SQL: strings compare case-insensitively unless
 * the sub-attribute is caseExact; a missing value equals only null, and `ne`
 * is true for it; `pr` means present and not empty.
 */
export function matchesItem(filter: Filter, item: Record<string, unknown>): boolean {
  switch (filter.op) {
    case 'and':
      return matchesItem(filter.left, item) && matchesItem(filter.right, item);
    case 'or':
      return matchesItem(filter.left, item) || matchesItem(filter.right, item);
    case 'not':
      return !matchesItem(filter.filter, item);
    case 'valuePath':
      throw badRequest('invalidFilter', `A value path cannot be nested inside another ("${filter.attr.canonical}")`);
    case 'pr': {
      const v = valueOf(filter.attr, item);
      return v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
    }
    default:
      return compare(filter.op, definition(filter.attr), valueOf(filter.attr, item), filter.value);
  }
}

/**
 * The item a filter made only of `eq` comparisons joined by `and` describes
 * (`type eq "work"` → `{ type: "work" }`), or undefined when the filter says
 * anything else. PATCH `add` to `emails[type eq "work"].value` creates this
 * item when none matches (what Microsoft Entra expects for a user with no work
 * email yet).
 */
export function itemFromFilter(filter: Filter): Record<string, unknown> | undefined {
  if (filter.op === 'eq' && filter.value !== null) return { [definition(filter.attr).name]: filter.value };
  if (filter.op !== 'and') return undefined;
  const left = itemFromFilter(filter.left);
  const right = itemFromFilter(filter.right);
  if (!left || !right) return undefined;
  for (const [k, v] of Object.entries(right)) if (k in left && left[k] !== v) return undefined;
  return { ...left, ...right };
}

function definition(attr: ResolvedAttribute): AttributeDef {
  return attr.subAttribute ?? attr.attribute;
}

function valueOf(attr: ResolvedAttribute, item: Record<string, unknown>): unknown {
  return item[definition(attr).name] ?? null;
}

function asBoolean(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return null;
}

function compare(op: string, def: AttributeDef, actual: unknown, expected: FilterValue): boolean {
  if (expected === null || actual === null) {
    const equal = expected === null && actual === null;
    return op === 'eq' ? equal : op === 'ne' ? !equal : false;
  }
  if (def.type === 'boolean') {
    const equal = asBoolean(actual) === expected;
    return op === 'eq' ? equal : op === 'ne' ? !equal : false;
  }
  if (typeof expected === 'number' || typeof actual === 'number') {
    return ordered(op, Number(actual), Number(expected));
  }
  if (typeof actual !== 'string' || typeof expected !== 'string') return op === 'ne';
  if (def.type === 'dateTime') {
    const a = Date.parse(actual);
    const e = Date.parse(expected);
    if (Number.isNaN(a)) return op === 'ne';
    if (op === 'eq' || op === 'ne' || ORDERING.has(op)) return ordered(op, a, e);
    return false;
  }
  const a = def.caseExact ? actual : actual.toLowerCase();
  const e = def.caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    default:
      return ordered(op, a, e);
  }
}

const ORDERING = new Set(['gt', 'ge', 'lt', 'le']);

function ordered<T extends number | string>(op: string, a: T, e: T): boolean {
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
    default:
      return false;
  }
}
