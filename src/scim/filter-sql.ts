import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Dialect } from '../platform/database.ts';
import { badRequest } from './errors.ts';
import type { Filter, FilterValue } from './filter-ast.ts';
import type { AttributeType, ResolvedAttribute } from './schemas.ts';

/**
 * Compiles a parsed SCIM filter into one SQL condition over `scim_users` or
 * `scim_groups`, for `.where(...)` next to `directory_id = ?`. Nothing is
 * filtered in JavaScript; the SQL is the same on SQLite and PostgreSQL.
 *
 * Semantics (RFC 7644 §3.4.2.2):
 * - `caseExact: false` attributes compare as `lower(col) <op> lower(?)`, the
 *   exact shape of the `lower(...)` indexes; case-exact ones (`id`,
 *   `externalId`) compare as written, `co`/`sw`/`ew` with `replace`/`substr`
 *   because SQLite's LIKE ignores case;
 * - `co`/`sw`/`ew` are LIKE patterns with `%`, `_` and `\` escaped and an
 *   explicit `ESCAPE '\'`, so a value never acts as a wildcard;
 * - every leaf is false (never NULL) on a missing value, so `not (...)` and
 *   `ne` include resources where the attribute is absent; `eq null` is
 *   "not present", `ne null` is "present";
 * - `pr` is "not null and not empty"; on a multi-valued attribute it is
 *   "has an item" (EXISTS);
 * - a multi-valued User attribute is an EXISTS over `scim_user_values`, and a
 *   value path puts all its conditions on the same item; `groups` (User) and
 *   `members` (Group) are EXISTS over `scim_group_members`;
 * - dateTime values arrive normalised by the parser (`toISOString()`), the
 *   stored form, so string order is time order.
 */

/** A condition usable in `.where(...)` on `selectFrom('scim_users')` / `selectFrom('scim_groups')`. */
export type ScimCondition = Expression<SqlBool>;

type Match = 'ci' | 'exact';
interface Column {
  expr: RawBuilder<unknown>;
  type: AttributeType;
  match: Match;
}
interface Collection {
  /** EXISTS over the items of the attribute satisfying `condition`. */
  exists(condition: RawBuilder<SqlBool>): RawBuilder<SqlBool>;
  /** The column of one item holding `subAttribute`. */
  column(subAttribute: string): Column | undefined;
}
interface Table {
  column(canonical: string): Column | undefined;
  collection(canonical: string): Collection | undefined;
  /** The sub-columns that make a singular complex attribute (`name`, `manager`) present. */
  parts(canonical: string): Column[] | undefined;
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:';
const TRUE = sql<SqlBool>`1 = 1`;

const col = (ref: string, type: AttributeType = 'string', match: Match = 'ci'): Column => ({ expr: sql.ref(ref), type, match });

const USER_COLUMNS: Record<string, Column> = {
  id: col('scim_users.id', 'string', 'exact'),
  externalId: col('scim_users.external_id', 'string', 'exact'),
  userName: col('scim_users.user_name'),
  'name.formatted': col('scim_users.name_formatted'),
  'name.familyName': col('scim_users.family_name'),
  'name.givenName': col('scim_users.given_name'),
  'name.middleName': col('scim_users.middle_name'),
  'name.honorificPrefix': col('scim_users.honorific_prefix'),
  'name.honorificSuffix': col('scim_users.honorific_suffix'),
  displayName: col('scim_users.display_name'),
  nickName: col('scim_users.nick_name'),
  profileUrl: col('scim_users.profile_url', 'reference'),
  title: col('scim_users.title'),
  userType: col('scim_users.user_type'),
  preferredLanguage: col('scim_users.preferred_language'),
  locale: col('scim_users.locale'),
  timezone: col('scim_users.timezone'),
  active: col('scim_users.active', 'boolean'),
  'meta.created': col('scim_users.created_at', 'dateTime'),
  'meta.lastModified': col('scim_users.updated_at', 'dateTime'),
  [`${ENTERPRISE}employeeNumber`]: col('scim_users.employee_number'),
  [`${ENTERPRISE}costCenter`]: col('scim_users.cost_center'),
  [`${ENTERPRISE}organization`]: col('scim_users.organization'),
  [`${ENTERPRISE}division`]: col('scim_users.division'),
  [`${ENTERPRISE}department`]: col('scim_users.department'),
  [`${ENTERPRISE}manager.value`]: col('scim_users.manager_value'),
  [`${ENTERPRISE}manager.displayName`]: col('scim_users.manager_display_name'),
};

const GROUP_COLUMNS: Record<string, Column> = {
  id: col('scim_groups.id', 'string', 'exact'),
  externalId: col('scim_groups.external_id', 'string', 'exact'),
  displayName: col('scim_groups.display_name'),
  'meta.created': col('scim_groups.created_at', 'dateTime'),
  'meta.lastModified': col('scim_groups.updated_at', 'dateTime'),
};

/** The multi-valued User attributes kept in `scim_user_values` (the `attribute` column holds these names). */
export const USER_VALUE_ATTRIBUTES = ['emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'entitlements', 'roles', 'x509Certificates'] as const;

const VALUE_COLUMNS: Record<string, Column> = {
  value: col('v.value'),
  display: col('v.display'),
  type: col('v.type'),
  primary: col('v.primary', 'boolean'),
  formatted: col('v.formatted'),
  streetAddress: col('v.street_address'),
  locality: col('v.locality'),
  region: col('v.region'),
  postalCode: col('v.postal_code'),
  country: col('v.country'),
};

/**
 * Items of a multi-valued User attribute as an uncorrelated `id in (select …)`: SQLite evaluates a
 * correlated EXISTS once per user of the directory, while this set is one probe of
 * scim_user_values_value_idx (directory_id, attribute lead it) and then a lookup by id.
 */
function userValues(scope: FilterScope, attribute: string): Collection {
  return {
    exists: (condition) =>
      sql<SqlBool>`scim_users.id in (select v.scim_user_id from scim_user_values v where v.directory_id = ${scope.directoryId} and v.attribute = ${attribute} and ${condition})`,
    column: (sub) => VALUE_COLUMNS[sub],
  };
}

function userGroups(scope: FilterScope): Collection {
  return {
    exists: (condition) =>
      sql<SqlBool>`scim_users.id in (select gm.scim_user_id from scim_group_members gm inner join scim_groups g on g.id = gm.group_id where gm.directory_id = ${scope.directoryId} and ${condition})`,
    column: (sub) => ({ value: col('gm.group_id'), display: col('g.display_name'), type: { expr: sql`'direct'`, type: 'string', match: 'ci' } as Column })[sub],
  };
}

const groupMembers: Collection = {
  exists: (condition) => sql<SqlBool>`exists (select 1 from scim_group_members m where m.group_id = scim_groups.id and ${condition})`,
  column: (sub) => ({ value: col('m.scim_user_id'), type: { expr: sql`'User'`, type: 'string', match: 'ci' } as Column })[sub],
};

function usersTable(scope: FilterScope): Table {
  return {
    column: (canonical) => USER_COLUMNS[canonical],
    collection: (canonical) => ((USER_VALUE_ATTRIBUTES as readonly string[]).includes(canonical) ? userValues(scope, canonical) : canonical === 'groups' ? userGroups(scope) : undefined),
    parts: (canonical) => {
      const prefix = `${canonical}.`;
      const parts = Object.entries(USER_COLUMNS).filter(([k]) => k.startsWith(prefix)).map(([, c]) => c);
      return parts.length ? parts : undefined;
    },
  };
}

/** What a compiled filter depends on besides itself: the directory it reads, and the engine (for collation). */
export interface FilterScope {
  directoryId: string;
  dialect: Dialect;
}

const GROUPS: Table = {
  column: (canonical) => GROUP_COLUMNS[canonical],
  collection: (canonical) => (canonical === 'members' ? groupMembers : undefined),
  parts: (canonical) => (canonical === 'meta' ? [GROUP_COLUMNS['meta.created']] : undefined),
};

/** Escapes a value for a LIKE pattern whose escape character is `\`. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const codePoints = (s: string) => [...s].length;

/**
 * For `sw` on a case-insensitive column, a range on `lower(col)` the expression indexes can use next to
 * the LIKE: [prefix, prefix with its last character + 1). Only for an ASCII prefix (where JavaScript,
 * SQLite and PostgreSQL lower-case alike), compared in code-point order (`COLLATE "C"` on PostgreSQL,
 * whose default collation may order otherwise); undefined when it does not apply.
 */
function prefixRange(lhs: RawBuilder<unknown>, text: string, dialect: Dialect): RawBuilder<SqlBool> | undefined {
  if (!/^[\x20-\x7e]+$/.test(text)) return undefined;
  const low = text.toLowerCase();
  const last = low.charCodeAt(low.length - 1);
  if (last >= 0x7e) return undefined;
  const high = low.slice(0, -1) + String.fromCharCode(last + 1);
  // An explicit collation on one side decides the comparison's (PostgreSQL); it matches scim_users_user_name_prefix_idx.
  const ordered = dialect === 'postgres' ? sql`(${lhs} collate "C")` : lhs;
  return sql<SqlBool>`${ordered} >= ${low} and ${ordered} < ${high}`;
}

/** A non-NULL condition on one column (false when the column is NULL). */
function leaf(c: Column, op: Filter['op'], value: FilterValue, dialect: Dialect): RawBuilder<SqlBool> {
  const e = c.expr;
  if (op === 'pr') return c.type === 'boolean' || c.type === 'dateTime' ? sql<SqlBool>`${e} is not null` : sql<SqlBool>`(${e} is not null and ${e} <> '')`;
  if (c.type === 'boolean') return sql<SqlBool>`(${e} is not null and ${e} = ${value ? 1 : 0})`;
  const text = String(value);
  const ci = c.match === 'ci' && c.type !== 'dateTime';
  const lhs = ci ? sql`lower(${e})` : e;
  const rhs = ci ? sql`lower(${text})` : sql`${text}`;
  // On a case-insensitive column the guard reads lower(col), so a count can be a scan of its expression index alone.
  const guard = (cond: RawBuilder<unknown>) => sql<SqlBool>`(${lhs} is not null and ${cond})`;
  switch (op) {
    case 'eq':
      return guard(sql`${lhs} = ${rhs}`);
    case 'gt':
      return guard(sql`${lhs} > ${rhs}`);
    case 'ge':
      return guard(sql`${lhs} >= ${rhs}`);
    case 'lt':
      return guard(sql`${lhs} < ${rhs}`);
    case 'le':
      return guard(sql`${lhs} <= ${rhs}`);
    case 'co':
    case 'sw':
    case 'ew': {
      if (text === '') return sql<SqlBool>`${e} is not null`;
      if (ci) {
        const pattern = `${op === 'sw' ? '' : '%'}${escapeLike(text)}${op === 'ew' ? '' : '%'}`;
        const like = sql`lower(${e}) like lower(${pattern}) escape '\\'`;
        const range = op === 'sw' ? prefixRange(lhs, text, dialect) : undefined;
        return guard(range ? sql`${range} and ${like}` : like);
      }
      // SQLite's LIKE ignores ASCII case; replace() and substr() are case-sensitive on both databases.
      const n = sql.lit(codePoints(text));
      if (op === 'co') return guard(sql`replace(${e}, ${text}, '') <> ${e}`);
      if (op === 'sw') return guard(sql`substr(${e}, 1, ${n}) = ${text}`);
      return guard(sql`length(${e}) >= ${n} and substr(${e}, length(${e}) - ${n} + 1) = ${text}`);
    }
    default:
      throw new Error(`unexpected operator ${op}`);
  }
}

function unsupported(attr: ResolvedAttribute): never {
  throw badRequest('invalidFilter', `Invalid filter: "${attr.canonical}" cannot be used in a filter`);
}

/** The canonical name of the attribute itself (without the sub-attribute): `emails` for `emails.value`. */
function attributeName(attr: ResolvedAttribute): string {
  return attr.subAttribute ? attr.canonical.slice(0, -(attr.subAttribute.name.length + 1)) : attr.canonical;
}

/** The positive form of an attribute test and whether it is negated: `ne v` is `not (eq v)`, `eq null` is `not pr`. */
function polarity(f: Extract<Filter, { attr: ResolvedAttribute }>): { op: Filter['op']; value: FilterValue; negate: boolean } {
  if (f.op === 'pr') return { op: 'pr', value: null, negate: false };
  const value = (f as { value: FilterValue }).value;
  if (value === null) return { op: 'pr', value: null, negate: f.op === 'eq' };
  if (f.op === 'ne') return { op: 'eq', value, negate: true };
  return { op: f.op, value, negate: false };
}

function compile(f: Filter, table: Table, dialect: Dialect, item?: Collection): RawBuilder<SqlBool> {
  switch (f.op) {
    case 'and':
      return sql<SqlBool>`(${compile(f.left, table, dialect, item)} and ${compile(f.right, table, dialect, item)})`;
    case 'or':
      return sql<SqlBool>`(${compile(f.left, table, dialect, item)} or ${compile(f.right, table, dialect, item)})`;
    case 'not':
      return sql<SqlBool>`not (${compile(f.filter, table, dialect, item)})`;
    case 'valuePath': {
      const name = attributeName(f.attr);
      if (!f.attr.attribute.multiValued) return compile(f.filter, table, dialect);
      const collection = table.collection(name) ?? unsupported(f.attr);
      return collection.exists(compile(f.filter, table, dialect, collection));
    }
    default: {
      const { op, value, negate } = polarity(f);
      const positive = test(f.attr, op, value, table, dialect, item);
      return negate ? sql<SqlBool>`not (${positive})` : positive;
    }
  }
}

function test(attr: ResolvedAttribute, op: Filter['op'], value: FilterValue, table: Table, dialect: Dialect, item?: Collection): RawBuilder<SqlBool> {
  const sub = attr.subAttribute?.name;
  if (item) return leaf((sub && item.column(sub)) || unsupported(attr), op, value, dialect);
  const name = attributeName(attr);
  if (attr.attribute.multiValued) {
    const collection = table.collection(name) ?? unsupported(attr);
    if (!sub) return collection.exists(TRUE); // only `pr` reaches here without a sub-attribute
    return collection.exists(leaf(collection.column(sub) ?? unsupported(attr), op, value, dialect));
  }
  if (attr.attribute.type === 'complex' && !sub) {
    const parts = table.parts(name) ?? unsupported(attr);
    return sql<SqlBool>`(${sql.join(parts.map((p) => leaf(p, 'pr', null, dialect)), sql` or `)})`;
  }
  return leaf(table.column(attr.canonical) ?? unsupported(attr), op, value, dialect);
}

/**
 * The filter as a condition on `scim_users` of one directory (throws `invalidFilter` for an attribute
 * that cannot be filtered, e.g. `meta.location`).
 */
export function userFilterSql(filter: Filter, scope: FilterScope): ScimCondition {
  return compile(filter, usersTable(scope), scope.dialect);
}

/** The filter as a condition on `scim_groups`. */
export function groupFilterSql(filter: Filter, scope: FilterScope): ScimCondition {
  return compile(filter, GROUPS, scope.dialect);
}

/** Column lookups shared with the sort expressions (the directory does not matter to them). */
export const scimTables = { users: usersTable({ directoryId: '', dialect: 'sqlite' }), groups: GROUPS, userValueColumns: VALUE_COLUMNS };
export type { Column as ScimColumn };
