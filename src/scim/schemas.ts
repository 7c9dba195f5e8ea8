/**
 * The SCIM 2.0 resource schemas Keyledger serves (RFC 7643 §4, §8.7): the core
 * User with the enterprise extension, and Group. One definition feeds the
 * `/Schemas` endpoint, attribute-name resolution for filters, PATCH paths,
 * `attributes`/`sortBy`, and the checks on incoming resources.
 */

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

export type ResourceKind = 'User' | 'Group';
export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';

export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

type Options = Partial<Omit<AttributeDef, 'name' | 'type' | 'description'>>;

function attr(name: string, type: AttributeType, description: string, o: Options = {}): AttributeDef {
  return {
    name,
    type,
    multiValued: o.multiValued ?? false,
    description,
    required: o.required ?? false,
    caseExact: o.caseExact ?? false,
    mutability: o.mutability ?? 'readWrite',
    returned: o.returned ?? 'default',
    uniqueness: o.uniqueness ?? 'none',
    ...(o.canonicalValues ? { canonicalValues: o.canonicalValues } : {}),
    ...(o.referenceTypes ? { referenceTypes: o.referenceTypes } : {}),
    ...(o.subAttributes ? { subAttributes: o.subAttributes } : {}),
  };
}

const str = (name: string, description: string, o: Options = {}) => attr(name, 'string', description, o);

/** The sub-attributes of a multi-valued attribute such as `emails` (RFC 7643 §2.4). */
function multiValued(name: string, description: string, types: string[], valueType: AttributeType = 'string', extra: AttributeDef[] = []): AttributeDef {
  const sub = [
    attr('value', valueType, `The ${name} value.`, valueType === 'reference' ? { referenceTypes: ['external'] } : {}),
    str('display', 'A human-readable name, primarily used for display purposes.'),
    str('type', `A label indicating the ${name}'s function.`, types.length ? { canonicalValues: types } : {}),
    attr('primary', 'boolean', `Whether this is the primary ${name}; at most one value has primary true.`),
    ...extra,
  ];
  return attr(name, 'complex', description, { multiValued: true, subAttributes: sub });
}

const ADDRESS_PARTS = [
  str('formatted', 'The full mailing address, formatted for display or use with a mailing label.'),
  str('streetAddress', 'The full street address component.'),
  str('locality', 'The city or locality component.'),
  str('region', 'The state or region component.'),
  str('postalCode', 'The zip code or postal code component.'),
  str('country', 'The country name component (ISO 3166-1 alpha-2).'),
];

export const USER_SCHEMA: SchemaDef = {
  id: CORE_USER,
  name: 'User',
  description: 'User Account',
  attributes: [
    str('userName', 'Unique identifier for the User, used to authenticate with the service provider.', { required: true, uniqueness: 'server' }),
    attr('name', 'complex', "The components of the user's real name.", {
      subAttributes: [
        str('formatted', 'The full name, formatted for display.'),
        str('familyName', 'The family name (last name in most Western languages).'),
        str('givenName', 'The given name (first name in most Western languages).'),
        str('middleName', 'The middle name(s).'),
        str('honorificPrefix', 'The honorific prefix(es), e.g. Ms.'),
        str('honorificSuffix', 'The honorific suffix(es), e.g. III.'),
      ],
    }),
    str('displayName', 'The name of the User, suitable for display to end-users.'),
    str('nickName', 'The casual way to address the user in real life.'),
    attr('profileUrl', 'reference', "A fully qualified URL pointing to the User's online profile.", { referenceTypes: ['external'] }),
    str('title', "The user's title, such as 'Vice President'."),
    str('userType', 'The relationship between the organization and the user, e.g. Employee or Contractor.'),
    str('preferredLanguage', "The User's preferred written or spoken language (RFC 7231 Accept-Language)."),
    str('locale', "The User's default location for localization (e.g. en-US)."),
    str('timezone', "The User's time zone in the IANA Time Zone database format."),
    attr('active', 'boolean', "The User's administrative status; false deprovisions the account."),
    attr('password', 'string', 'Never stored by Keyledger (directory users sign in through their identity provider); accepted and discarded.', { mutability: 'writeOnly', returned: 'never' }),
    multiValued('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multiValued('phoneNumbers', 'Phone numbers for the User.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValued('ims', 'Instant messaging addresses for the User.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multiValued('photos', 'URLs of photos of the User.', ['photo', 'thumbnail'], 'reference'),
    multiValued('addresses', 'A physical mailing address for this User.', ['work', 'home', 'other'], 'string', ADDRESS_PARTS),
    attr('groups', 'complex', 'The groups the user belongs to (read-only: change membership through the Group resource).', {
      multiValued: true,
      mutability: 'readOnly',
      subAttributes: [
        str('value', 'The identifier of the group.', { mutability: 'readOnly' }),
        attr('$ref', 'reference', 'The URI of the corresponding Group resource.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
        str('display', 'The displayName of the group.', { mutability: 'readOnly' }),
        str('type', 'direct', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
    }),
    multiValued('entitlements', 'A list of entitlements for the User.', []),
    multiValued('roles', 'A list of roles for the User (as the directory names them; Keyledger roles come from group mappings).', []),
    multiValued('x509Certificates', 'A list of certificates issued to the User.', [], 'binary'),
  ],
};

export const ENTERPRISE_USER_SCHEMA: SchemaDef = {
  id: ENTERPRISE_USER,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person by the organization (the HR employee id).'),
    str('costCenter', 'Identifies the name of a cost center.'),
    str('organization', 'Identifies the name of an organization.'),
    str('division', 'Identifies the name of a division.'),
    str('department', 'Identifies the name of a department.'),
    attr('manager', 'complex', "The User's manager.", {
      subAttributes: [
        str('value', 'The id of the SCIM resource representing the manager.'),
        attr('$ref', 'reference', 'The URI of the manager resource.', { referenceTypes: ['User'] }),
        str('displayName', 'The displayName of the manager.', { mutability: 'readOnly' }),
      ],
    }),
  ],
};

export const GROUP_SCHEMA: SchemaDef = {
  id: CORE_GROUP,
  name: 'Group',
  description: 'Group',
  attributes: [
    str('displayName', 'A human-readable name for the Group.', { required: true }),
    attr('members', 'complex', 'A list of members of the Group (Users of the same directory).', {
      multiValued: true,
      subAttributes: [
        str('value', 'Identifier of the member of this Group.', { mutability: 'immutable' }),
        attr('$ref', 'reference', 'The URI of the member resource.', { mutability: 'immutable', referenceTypes: ['User'] }),
        str('display', 'The display name of the member.', { mutability: 'readOnly' }),
        str('type', 'The type of the member.', { mutability: 'immutable', canonicalValues: ['User'] }),
      ],
    }),
  ],
};

/** Attributes every resource has (RFC 7643 §3.1), outside any schema's attribute list. */
export const COMMON_ATTRIBUTES: AttributeDef[] = [
  str('id', 'The identifier Keyledger assigned to the resource.', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  str('externalId', "The provisioning client's identifier for the resource.", { caseExact: true }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      str('resourceType', 'The name of the resource type.', { caseExact: true, mutability: 'readOnly' }),
      attr('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When the resource was last changed.', { mutability: 'readOnly' }),
      attr('location', 'reference', 'The URI of the resource.', { caseExact: true, mutability: 'readOnly' }),
      str('version', 'The version (ETag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
    ],
  }),
];

/** The core schema and the extensions of a resource kind. */
export function schemasOf(kind: ResourceKind): { core: SchemaDef; extensions: SchemaDef[] } {
  return kind === 'User' ? { core: USER_SCHEMA, extensions: [ENTERPRISE_USER_SCHEMA] } : { core: GROUP_SCHEMA, extensions: [] };
}

/** An attribute reference resolved against a resource kind, in its canonical spelling. */
export interface ResolvedAttribute {
  /** The URN of the schema that defines it (the core schema for common attributes). */
  schema: string;
  /** True for `id`, `externalId` and `meta`. */
  common: boolean;
  attribute: AttributeDef;
  subAttribute?: AttributeDef;
  /** e.g. `emails.value`, `name.givenName`, `urn:…:enterprise:2.0:User:manager.value`. */
  canonical: string;
}

function findByName(list: AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return list?.find((a) => a.name.toLowerCase() === lower);
}

/**
 * Resolves `attrPath` (RFC 7644 §3.10: `[URN ":"] ATTRNAME ["." SUBATTR]`),
 * case-insensitively, against the core schema, its extensions and the common
 * attributes of `kind`. Undefined when no such attribute exists.
 */
export function resolveAttribute(kind: ResourceKind, attrPath: string): ResolvedAttribute | undefined {
  const { core, extensions } = schemasOf(kind);
  let schema = core;
  let rest = attrPath;
  const lower = attrPath.toLowerCase();
  for (const s of [core, ...extensions]) {
    if (lower.startsWith(s.id.toLowerCase() + ':')) {
      schema = s;
      rest = attrPath.slice(s.id.length + 1);
      break;
    }
  }
  const dot = rest.indexOf('.');
  const name = dot < 0 ? rest : rest.slice(0, dot);
  const subName = dot < 0 ? undefined : rest.slice(dot + 1);
  const inSchema = findByName(schema.attributes, name);
  const common = schema === core && !inSchema ? findByName(COMMON_ATTRIBUTES, name) : undefined;
  const attribute = inSchema ?? common;
  if (!attribute) return undefined;
  let subAttribute: AttributeDef | undefined;
  if (subName !== undefined) {
    subAttribute = findByName(attribute.subAttributes, subName);
    if (!subAttribute) return undefined;
  }
  const prefix = schema === core ? '' : `${schema.id}:`;
  return { schema: schema.id, common: common !== undefined, attribute, subAttribute, canonical: `${prefix}${attribute.name}${subAttribute ? `.${subAttribute.name}` : ''}` };
}

/** The `/Schemas` representation of a schema (RFC 7643 §7). */
export function schemaDocument(schema: SchemaDef, baseUrl: string): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

export const ALL_SCHEMAS: SchemaDef[] = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA];
