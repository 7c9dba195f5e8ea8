import { expect } from 'vitest';
import type { HttpSuite, Response } from './http.ts';

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimClient {
  orgId: string;
  orgSlug: string;
  directoryId: string;
  token: string;
  /** `/scim/v2/{directoryId}` */
  base: string;
  /** A SCIM request with the directory token (or `token`), `application/scim+json` by default. */
  scim(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, options?: { token?: string | null; headers?: Record<string, string> }): Promise<Response>;
}

/** An organization with a SCIM directory and a token for it, created through the admin API. */
export async function connectDirectory(suite: HttpSuite, slug = 'acme'): Promise<ScimClient> {
  const org = await suite.request('POST', '/api/v1/organizations', { body: { slug, name: `${slug} Inc` } });
  expect(org.statusCode).toBe(201);
  const dir = await suite.request('POST', `/api/v1/organizations/${slug}/scim-directories`, { body: { name: `${slug} Okta` } });
  expect(dir.statusCode).toBe(201);
  const directoryId = (dir.json() as { id: string }).id;
  const tok = await suite.request('POST', `/api/v1/organizations/${slug}/scim-directories/${directoryId}/tokens`);
  expect(tok.statusCode).toBe(201);
  const token = (tok.json() as { token: string }).token;
  const base = `/scim/v2/${directoryId}`;
  return {
    orgId: (org.json() as { id: string }).id,
    orgSlug: slug,
    directoryId,
    token,
    base,
    scim(method, path, body, options = {}) {
      const t = options.token === undefined ? token : options.token;
      const headers: Record<string, string> = { ...(t ? { authorization: `Bearer ${t}` } : {}), accept: 'application/scim+json' };
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        headers['content-type'] = 'application/scim+json';
      }
      return suite.app.inject({ method, url: path.startsWith('/scim/') ? path : `${base}${path}`, headers: { ...headers, ...options.headers }, payload });
    },
  };
}

/** A realistic User body, as Okta sends it. */
export function oktaUser(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const [given, family] = userName.split('@')[0].split('.');
  return {
    schemas: [CORE_USER],
    userName,
    name: { givenName: given ?? 'Given', familyName: family ?? 'Family' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} ${family}`,
    active: true,
    ...extra,
  };
}

/** Asserts an RFC 7644 §3.12 error body. */
export function expectScimError(res: Response, status: number, scimType?: string): void {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toContain('application/scim+json');
  const body = res.json() as Record<string, unknown>;
  expect(body.schemas).toEqual([ERROR_SCHEMA]);
  expect(body.status).toBe(String(status));
  expect(typeof body.detail).toBe('string');
  if (scimType) expect(body.scimType).toBe(scimType);
}

/** Creates a Group through a directory's SCIM endpoint, as its identity provider would; returns the group's id. */
export async function pushGroup(suite: HttpSuite, directoryId: string, token: string, displayName: string): Promise<string> {
  const res = await suite.app.inject({
    method: 'POST',
    url: `/scim/v2/${directoryId}/Groups`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    payload: JSON.stringify({ schemas: [CORE_GROUP], displayName }),
  });
  expect(res.statusCode).toBe(201);
  return (res.json() as { id: string }).id;
}
