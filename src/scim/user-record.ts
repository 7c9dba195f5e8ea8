import type { ScimUserRow, ScimUserValueRow, ScimUsersTable } from '../platform/schema-directory.ts';
import { badRequest } from './errors.ts';
import { checkOnePrimary, Fields, isObject, readResourceBody, readString, describeValue } from './resource-input.ts';
import { CORE_USER, ENTERPRISE_USER } from './schemas.ts';

/**
 * A directory User in canonical form (core User + enterprise extension,
 * RFC 7643 §4.1 and §4.3): every attribute a client may write. Absent
 * attributes are null (or [] for multi-valued ones). Read-only attributes
 * (`id`, `meta`, `groups`) and the never-stored `password` are not part of it.
 */
export interface UserRecord {
  userName: string;
  externalId: string | null;
  name: UserName;
  displayName: string | null;
  nickName: string | null;
  profileUrl: string | null;
  title: string | null;
  userType: string | null;
  preferredLanguage: string | null;
  locale: string | null;
  timezone: string | null;
  active: boolean;
  emails: ScimMultiValue[];
  phoneNumbers: ScimMultiValue[];
  ims: ScimMultiValue[];
  photos: ScimMultiValue[];
  entitlements: ScimMultiValue[];
  roles: ScimMultiValue[];
  x509Certificates: ScimMultiValue[];
  addresses: ScimAddress[];
  enterprise: EnterpriseUser;
}

export interface UserName {
  formatted: string | null;
  familyName: string | null;
  givenName: string | null;
  middleName: string | null;
  honorificPrefix: string | null;
  honorificSuffix: string | null;
}

/** One item of `emails`, `phoneNumbers`, `ims`, `photos`, `entitlements`, `roles` or `x509Certificates`. */
export interface ScimMultiValue {
  value: string | null;
  display: string | null;
  type: string | null;
  primary: boolean;
}

export interface ScimAddress {
  formatted: string | null;
  streetAddress: string | null;
  locality: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
  type: string | null;
  primary: boolean;
}

export interface EnterpriseUser {
  employeeNumber: string | null;
  costCenter: string | null;
  organization: string | null;
  division: string | null;
  department: string | null;
  manager: { value: string } | null;
}

/** The most items a multi-valued User attribute may hold. */
export const MAX_USER_VALUES = 100;

type SimpleAttribute = 'externalId' | 'displayName' | 'nickName' | 'profileUrl' | 'title' | 'userType' | 'preferredLanguage' | 'locale' | 'timezone';
type ValueAttribute = 'emails' | 'phoneNumbers' | 'ims' | 'photos' | 'entitlements' | 'roles' | 'x509Certificates';
type EnterpriseString = Exclude<keyof EnterpriseUser, 'manager'>;

/** The `scim_users` columns a record fills (the caller adds ids, version and timestamps). */
export type UserColumns = Omit<ScimUsersTable, 'id' | 'directory_id' | 'org_id' | 'user_id' | 'version' | 'created_at' | 'updated_at' | 'manager_display_name'>;

const SIMPLE_COLUMNS = {
  externalId: 'external_id',
  displayName: 'display_name',
  nickName: 'nick_name',
  profileUrl: 'profile_url',
  title: 'title',
  userType: 'user_type',
  preferredLanguage: 'preferred_language',
  locale: 'locale',
  timezone: 'timezone',
} as const satisfies Record<SimpleAttribute, keyof UserColumns>;

const NAME_COLUMNS = {
  formatted: 'name_formatted',
  familyName: 'family_name',
  givenName: 'given_name',
  middleName: 'middle_name',
  honorificPrefix: 'honorific_prefix',
  honorificSuffix: 'honorific_suffix',
} as const satisfies Record<keyof UserName, keyof UserColumns>;

const ENTERPRISE_COLUMNS = {
  employeeNumber: 'employee_number',
  costCenter: 'cost_center',
  organization: 'organization',
  division: 'division',
  department: 'department',
} as const satisfies Record<EnterpriseString, keyof UserColumns>;

const ADDRESS_COLUMNS = {
  formatted: 'formatted',
  streetAddress: 'street_address',
  locality: 'locality',
  region: 'region',
  postalCode: 'postal_code',
  country: 'country',
} as const satisfies Record<Exclude<keyof ScimAddress, 'type' | 'primary'>, keyof ScimUserValueRow>;

const keysOf = <T extends object>(o: T) => Object.keys(o) as (keyof T)[];

/** The multi-valued attributes stored in `scim_user_values`, in output order. */
export const VALUE_ATTRIBUTES: readonly ValueAttribute[] = ['emails', 'phoneNumbers', 'ims', 'photos', 'entitlements', 'roles', 'x509Certificates'];

/**
 * Reads a POST or PUT User body (RFC 7644 §3.3, §3.5.1). `schemas` must name
 * the core User schema and only known schemas; `userName` is required;
 * unknown attributes are ignored (RFC 7644 §3.3), read-only ones (`id`,
 * `meta`, `groups`) too, and `password` is accepted and discarded. `active`
 * defaults to true when absent. Throws ScimError 400 (`invalidSyntax`,
 * `invalidValue`).
 */
export function parseUserResource(body: unknown): UserRecord {
  const f = readResourceBody(body, CORE_USER, [CORE_USER, ENTERPRISE_USER]);
  const userName = f.string('userName');
  if (userName === null || userName.trim() === '') {
    throw badRequest('invalidValue', `Attribute "userName" is required and must not be empty, got ${describeValue(f.get('userName'))}`);
  }
  const record = { userName } as UserRecord;
  for (const attr of keysOf(SIMPLE_COLUMNS)) record[attr] = f.string(attr);
  const name = f.object('name');
  record.name = {} as UserName;
  for (const part of keysOf(NAME_COLUMNS)) record.name[part] = name?.string(part) ?? null;
  record.active = f.boolean('active') ?? true;
  for (const attr of VALUE_ATTRIBUTES) record[attr] = readValues(f, attr);
  record.addresses = readAddresses(f);
  record.enterprise = readEnterprise(f);
  return record;
}

/** `userRecordFromResource`: a stored resource (from `userResource`, possibly PATCHed) read back as a record. */
export const userRecordFromResource = parseUserResource;

function itemFields(item: unknown, path: string): Fields {
  if (!isObject(item)) throw badRequest('invalidValue', `Attribute "${path}" must be a complex value (an object), got ${describeValue(item)}`);
  return new Fields(item, path);
}

function readValues(f: Fields, attr: ValueAttribute): ScimMultiValue[] {
  const items = f.list(attr, MAX_USER_VALUES).map((item, i) => {
    const v = itemFields(item, `${attr}[${i}]`);
    return { value: v.string('value'), display: v.string('display'), type: v.string('type'), primary: v.boolean('primary') ?? false };
  });
  checkOnePrimary(items, attr);
  return items;
}

function readAddresses(f: Fields): ScimAddress[] {
  const items = f.list('addresses', MAX_USER_VALUES).map((item, i) => {
    const v = itemFields(item, `addresses[${i}]`);
    const address = {} as ScimAddress;
    for (const part of keysOf(ADDRESS_COLUMNS)) address[part] = v.string(part);
    address.type = v.string('type');
    address.primary = v.boolean('primary') ?? false;
    return address;
  });
  checkOnePrimary(items, 'addresses');
  return items;
}

function readEnterprise(f: Fields): EnterpriseUser {
  const ext = f.object(ENTERPRISE_USER);
  const enterprise = {} as EnterpriseUser;
  for (const attr of keysOf(ENTERPRISE_COLUMNS)) enterprise[attr] = ext?.string(attr) ?? null;
  enterprise.manager = null;
  const manager = ext?.get('manager');
  const path = `${ENTERPRISE_USER}:manager`;
  if (typeof manager === 'string') {
    // Entra's documented schema example sends the manager's id as a plain string.
    enterprise.manager = manager === '' ? null : { value: readString(manager, path)! };
  } else if (manager !== undefined && manager !== null) {
    const value = ext!.object('manager')!.string('value');
    enterprise.manager = value === null || value === '' ? null : { value };
  }
  return enterprise;
}

/**
 * The `scim_users` columns and `scim_user_values` rows for a record. `columns`
 * leaves out id, directory_id, org_id, user_id, version, created_at,
 * updated_at and manager_display_name, which the caller sets; `values` are
 * complete rows (ordinal = the item's index in its attribute).
 */
export function userRecordToRows(record: UserRecord, ids: { id: string; directoryId: string; orgId: string }): { columns: UserColumns; values: ScimUserValueRow[] } {
  const columns = { user_name: record.userName, active: record.active ? 1 : 0 } as UserColumns;
  for (const attr of keysOf(SIMPLE_COLUMNS)) columns[SIMPLE_COLUMNS[attr]] = record[attr];
  for (const part of keysOf(NAME_COLUMNS)) columns[NAME_COLUMNS[part]] = record.name[part];
  for (const attr of keysOf(ENTERPRISE_COLUMNS)) columns[ENTERPRISE_COLUMNS[attr]] = record.enterprise[attr];
  columns.manager_value = record.enterprise.manager?.value ?? null;

  const empty = { formatted: null, street_address: null, locality: null, region: null, postal_code: null, country: null };
  const base = (attribute: string, ordinal: number, type: string | null, primary: boolean) => ({
    scim_user_id: ids.id,
    directory_id: ids.directoryId,
    attribute,
    ordinal,
    type,
    primary: primary ? 1 : 0,
  });
  const values: ScimUserValueRow[] = [];
  for (const attr of VALUE_ATTRIBUTES) {
    record[attr].forEach((v, i) => values.push({ ...base(attr, i, v.type, v.primary), value: v.value, display: v.display, ...empty }));
  }
  record.addresses.forEach((a, i) => {
    const row: ScimUserValueRow = { ...base('addresses', i, a.type, a.primary), value: null, display: null, ...empty };
    for (const part of keysOf(ADDRESS_COLUMNS)) row[ADDRESS_COLUMNS[part]] = a[part];
    values.push(row);
  });
  return { columns, values };
}

/** The non-null members of `from`; undefined when there are none (responses leave nulls out). */
function compact(from: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(from)) if (v !== null && v !== undefined) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/**
 * The SCIM representation of a stored User (RFC 7643 §4.1): canonical
 * attribute names; nulls and empty multi-valued attributes left out; the
 * enterprise schema listed only when one of its attributes is set; `groups`
 * (direct memberships) and `meta` with the ETag `W/"<version>"`. `baseUrl` is
 * the directory's SCIM base (…/scim/v2/<directory>), without a trailing slash.
 */
export function userResource(
  row: ScimUserRow,
  values: ScimUserValueRow[],
  groups: { id: string; display: string }[],
  baseUrl: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { schemas: [CORE_USER], id: row.id };
  if (row.external_id !== null) out.externalId = row.external_id;
  out.userName = row.user_name;
  const name: Record<string, unknown> = {};
  for (const part of keysOf(NAME_COLUMNS)) name[part] = row[NAME_COLUMNS[part]];
  const compactName = compact(name);
  if (compactName) out.name = compactName;
  for (const attr of keysOf(SIMPLE_COLUMNS)) {
    if (attr !== 'externalId' && row[SIMPLE_COLUMNS[attr]] !== null) out[attr] = row[SIMPLE_COLUMNS[attr]];
  }
  out.active = row.active === 1;

  const ordered = [...values].sort((a, b) => a.ordinal - b.ordinal);
  for (const attr of VALUE_ATTRIBUTES) {
    const items = ordered.filter((v) => v.attribute === attr).map((v) => ({ ...compact({ value: v.value, display: v.display, type: v.type }), ...(v.primary ? { primary: true } : {}) }));
    if (items.length) out[attr] = items;
  }
  const addresses = ordered
    .filter((v) => v.attribute === 'addresses')
    .map((v) => {
      const parts: Record<string, unknown> = {};
      for (const part of keysOf(ADDRESS_COLUMNS)) parts[part] = v[ADDRESS_COLUMNS[part]];
      return { ...compact({ ...parts, type: v.type }), ...(v.primary ? { primary: true } : {}) };
    });
  if (addresses.length) out.addresses = addresses;
  if (groups.length) out.groups = groups.map((g) => ({ value: g.id, $ref: `${baseUrl}/Groups/${g.id}`, display: g.display, type: 'direct' }));

  const enterprise: Record<string, unknown> = {};
  for (const attr of keysOf(ENTERPRISE_COLUMNS)) enterprise[attr] = row[ENTERPRISE_COLUMNS[attr]];
  if (row.manager_value !== null) {
    enterprise.manager = { value: row.manager_value, $ref: `${baseUrl}/Users/${row.manager_value}`, ...(row.manager_display_name !== null ? { displayName: row.manager_display_name } : {}) };
  }
  const compactEnterprise = compact(enterprise);
  if (compactEnterprise) {
    out.schemas = [CORE_USER, ENTERPRISE_USER];
    out[ENTERPRISE_USER] = compactEnterprise;
  }
  out.meta = { resourceType: 'User', created: row.created_at, lastModified: row.updated_at, location: `${baseUrl}/Users/${row.id}`, version: `W/"${row.version}"` };
  return out;
}
