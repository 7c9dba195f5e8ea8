import type { ScimGroupRow } from '../platform/schema-directory.ts';
import { badRequest } from './errors.ts';
import { describeValue, isObject, readResourceBody, Fields } from './resource-input.ts';
import { CORE_GROUP } from './schemas.ts';

/** A directory Group as a client writes it (RFC 7643 §4.2); member values are ids of Users of the same directory. */
export interface GroupRecord {
  displayName: string;
  externalId: string | null;
  /** `display` as the directory sent it (Microsoft's tools also send `displayName`), or null. */
  members: { value: string; display: string | null }[];
}

/**
 * Microsoft Entra lists this schema next to the core Group one when it creates
 * a group (learn.microsoft.com, "Develop and plan provisioning for a SCIM
 * endpoint", Create Group); it defines no attribute Keyledger keeps, so it is
 * accepted and ignored.
 */
export const ENTRA_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

/** The most members one Group body may list. */
export const MAX_GROUP_MEMBERS = 50_000;

/**
 * Reads a POST or PUT Group body: `schemas` names the core Group schema (and
 * nothing unknown), `displayName` is required, each member needs a `value`,
 * repeated members collapse into one, and members of type "Group" (nested
 * groups) are refused. Unknown and read-only attributes are ignored. Throws
 * ScimError 400 (`invalidSyntax`, `invalidValue`).
 */
export function parseGroupResource(body: unknown): GroupRecord {
  const f = readResourceBody(body, CORE_GROUP, [CORE_GROUP, ENTRA_GROUP_SCHEMA]);
  const displayName = f.string('displayName');
  if (displayName === null || displayName.trim() === '') {
    throw badRequest('invalidValue', `Attribute "displayName" is required and must not be empty, got ${describeValue(f.get('displayName'))}`);
  }
  const seen = new Set<string>();
  const members: GroupRecord['members'] = [];
  f.list('members', MAX_GROUP_MEMBERS).forEach((item, i) => {
    const path = `members[${i}]`;
    if (!isObject(item)) throw badRequest('invalidValue', `Attribute "${path}" must be a complex value (an object), got ${describeValue(item)}`);
    const m = new Fields(item, path);
    const value = m.string('value');
    if (value === null || value === '') throw badRequest('invalidValue', `Attribute "${path}.value" (the member's id) is required, got ${describeValue(m.get('value'))}`);
    const type = m.string('type');
    if (type !== null && type.toLowerCase() !== 'user') {
      throw badRequest('invalidValue', `Attribute "${path}.type" must be "User" (groups cannot contain groups), got ${describeValue(type)}`);
    }
    if (!seen.has(value)) {
      seen.add(value);
      members.push({ value, display: m.string('display') ?? m.string('displayName') });
    }
  });
  return { displayName, externalId: f.string('externalId'), members };
}

/** `groupRecordFromResource`: a stored resource (from `groupResource`, possibly PATCHed) read back as a record. */
export const groupRecordFromResource = parseGroupResource;

/**
 * The SCIM representation of a stored Group (RFC 7643 §4.2): `members`
 * (always present, possibly empty) with `$ref` and the member's display name
 * when known, and `meta` with the ETag `W/"<version>"`.
 */
export function groupResource(row: ScimGroupRow, members: { value: string; display: string | null }[], baseUrl: string): Record<string, unknown> {
  return {
    schemas: [CORE_GROUP],
    id: row.id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    displayName: row.display_name,
    members: members.map((m) => ({ value: m.value, $ref: `${baseUrl}/Users/${m.value}`, ...(m.display !== null ? { display: m.display } : {}), type: 'User' })),
    meta: { resourceType: 'Group', created: row.created_at, lastModified: row.updated_at, location: `${baseUrl}/Groups/${row.id}`, version: `W/"${row.version}"` },
  };
}
