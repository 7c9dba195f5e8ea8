import { MAX_PAGE_SIZE } from './paging.ts';
import { ALL_SCHEMAS, CORE_GROUP, CORE_USER, ENTERPRISE_USER, LIST_RESPONSE, schemaDocument } from './schemas.ts';

/** The largest SCIM request body accepted (a group PATCH with many members is the big one). */
export const SCIM_BODY_LIMIT_BYTES = 1024 * 1024;

/** `/ServiceProviderConfig` (RFC 7643 §5). */
export function serviceProviderConfig(baseUrl: string): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: SCIM_BODY_LIMIT_BYTES },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'A Keyledger directory token (kl_scim_…) in the Authorization header', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

function resourceType(baseUrl: string, name: 'User' | 'Group'): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: name,
    name,
    endpoint: name === 'User' ? '/Users' : '/Groups',
    description: name === 'User' ? 'User Account' : 'Group',
    schema: name === 'User' ? CORE_USER : CORE_GROUP,
    ...(name === 'User' ? { schemaExtensions: [{ schema: ENTERPRISE_USER, required: false }] } : {}),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${name}` },
  };
}

const list = (resources: Record<string, unknown>[]) => ({ schemas: [LIST_RESPONSE], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources });

export const resourceTypes = (baseUrl: string) => list([resourceType(baseUrl, 'User'), resourceType(baseUrl, 'Group')]);

/** One resource type by name (case-insensitive), or undefined. */
export function findResourceType(baseUrl: string, name: string): Record<string, unknown> | undefined {
  const n = name.toLowerCase();
  return n === 'user' ? resourceType(baseUrl, 'User') : n === 'group' ? resourceType(baseUrl, 'Group') : undefined;
}

export const schemaList = (baseUrl: string) => list(ALL_SCHEMAS.map((s) => schemaDocument(s, baseUrl)));

/** One schema by URN (case-insensitive), or undefined. */
export function findSchema(baseUrl: string, id: string): Record<string, unknown> | undefined {
  const s = ALL_SCHEMAS.find((x) => x.id.toLowerCase() === id.toLowerCase());
  return s ? schemaDocument(s, baseUrl) : undefined;
}
