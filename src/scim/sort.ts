import { sql, type Expression, type OrderByItemBuilder, type RawBuilder } from 'kysely';
import { badRequest } from './errors.ts';
import { scimTables, USER_VALUE_ATTRIBUTES } from './filter-sql.ts';
import { resolveAttribute, type ResolvedAttribute, type ResourceKind } from './schemas.ts';

/**
 * `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3) as SQL ordering:
 * - `caseExact: false` attributes sort by `lower(col)`, case-exact ones as stored;
 * - a multi-valued attribute (`emails`, `emails.type`) sorts by its primary
 *   item (else its first) through a correlated subquery;
 * - resources without a value sort last in both orders (`nulls last`, spelled
 *   out because SQLite and PostgreSQL disagree by default);
 * - the caller adds `id` as the tie-breaker so pages never overlap.
 * Unknown or unsortable attributes are refused with `invalidValue`.
 */

export type SortDirection = 'asc' | 'desc';

function refuse(sortBy: string, why: string): never {
  throw badRequest('invalidValue', `Cannot sort by "${sortBy}": ${why}`);
}

function resolveSortBy(kind: ResourceKind, sortBy: string): ResolvedAttribute {
  const attr = resolveAttribute(kind, sortBy.trim());
  if (!attr) refuse(sortBy, `no such ${kind} attribute`);
  if (attr.attribute.returned === 'never') refuse(sortBy, 'the attribute is never returned');
  return attr;
}

function primaryItem(attribute: string, sub: string): RawBuilder<unknown> {
  const column = scimTables.userValueColumns[sub];
  const expr = column.type === 'boolean' ? column.expr : sql`lower(${column.expr})`;
  return sql`(select ${expr} from scim_user_values v where v.scim_user_id = scim_users.id and v.directory_id = scim_users.directory_id and v.attribute = ${attribute} order by v.${sql.ref('primary')} desc, v.ordinal limit 1)`;
}

function sortExpression(kind: ResourceKind, sortBy: string): Expression<unknown> {
  const attr = resolveSortBy(kind, sortBy);
  const table = kind === 'User' ? scimTables.users : scimTables.groups;
  if (attr.attribute.multiValued) {
    const name = attr.attribute.name;
    const sub = attr.subAttribute?.name ?? 'value';
    if (kind !== 'User' || !(USER_VALUE_ATTRIBUTES as readonly string[]).includes(name) || !scimTables.userValueColumns[sub]) refuse(sortBy, 'the attribute is not sortable');
    return primaryItem(name, sub);
  }
  if (attr.attribute.type === 'complex' && !attr.subAttribute) refuse(sortBy, 'name a sub-attribute of this complex attribute');
  const column = table.column(attr.canonical) ?? refuse(sortBy, 'the attribute is not sortable');
  return column.match === 'ci' && column.type !== 'boolean' && column.type !== 'dateTime' ? sql`lower(${column.expr})` : column.expr;
}

/** The ordering expression for `sortBy` on `selectFrom('scim_users')`. */
export function userSortExpression(sortBy: string): Expression<unknown> {
  return sortExpression('User', sortBy);
}

/** The ordering expression for `sortBy` on `selectFrom('scim_groups')`. */
export function groupSortExpression(sortBy: string): Expression<unknown> {
  return sortExpression('Group', sortBy);
}

/** `sortOrder`: `ascending` (the default) or `descending`, any case; anything else is `invalidValue`. */
export function readSortOrder(sortOrder: unknown): SortDirection {
  if (sortOrder === undefined || sortOrder === null || sortOrder === '') return 'asc';
  const text = typeof sortOrder === 'string' ? sortOrder.trim().toLowerCase() : '';
  if (text === 'ascending') return 'asc';
  if (text === 'descending') return 'desc';
  throw badRequest('invalidValue', `sortOrder must be "ascending" or "descending", got ${JSON.stringify(sortOrder)}`);
}

/**
 * The order-by modifier that keeps missing values last in both directions:
 * `.orderBy(userSortExpression(sortBy), sortModifier(dir)).orderBy('scim_users.id', dir)`.
 */
export function sortModifier(direction: SortDirection): (ob: OrderByItemBuilder) => OrderByItemBuilder {
  return (ob) => (direction === 'asc' ? ob.asc() : ob.desc()).nullsLast();
}
