import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { requestContext } from '../http/auth-guard.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { ScimError } from './errors.ts';
import type { ScimCaller } from './request-scope.ts';
import { etagOf } from './request-scope.ts';
import { directoryBaseUrl } from './directories.ts';
import { findResourceType, findSchema, resourceTypes, schemaList, serviceProviderConfig, SCIM_BODY_LIMIT_BYTES } from './discovery.ts';
import { readPaging } from './paging.ts';
import { project, readAttributeSelection } from './projection.ts';
import type { ListQuery } from './list-query.ts';
import { CORE_GROUP, type ResourceKind } from './schemas.ts';

const SCIM_JSON = 'application/scim+json; charset=utf-8';

declare module 'fastify' {
  interface FastifyRequest {
    scimCaller?: ScimCaller;
  }
}

type Query = Record<string, string | undefined>;
type Resource = Record<string, unknown>;

/** A Fastify or Keyledger error as the RFC 7644 §3.12 error it is. */
function toScimError(err: unknown): ScimError | null {
  if (err instanceof ScimError) return err;
  if (err instanceof KeyledgerError) {
    if (!err.expose) return null;
    if (err.status === 404) return new ScimError(404, null, err.message);
    if (err.status === 409) return new ScimError(409, 'uniqueness', err.message);
    return new ScimError(err.status === 413 || err.status === 415 ? err.status : 400, err.status === 413 || err.status === 415 ? null : 'invalidValue', err.message);
  }
  const e = err as FastifyError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ScimError(413, null, `the request body is larger than ${SCIM_BODY_LIMIT_BYTES} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ScimError(415, null, 'SCIM requests carry application/scim+json or application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ScimError(400, 'invalidSyntax', 'the body is not valid JSON');
  }
  if (err instanceof SyntaxError) return new ScimError(400, 'invalidSyntax', 'the body is not valid JSON');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new ScimError(e.statusCode, null, e.message);
  return null;
}

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
  return m ? m[1] : null;
}

function caller(request: FastifyRequest): ScimCaller {
  if (!request.scimCaller) throw new ScimError(401, null, 'authentication required');
  return request.scimCaller;
}

/** The paging, filter and sort of a GET query or a `.search` body. */
function listQuery(source: Record<string, unknown>): ListQuery {
  const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v));
  const { startIndex, count } = readPaging({ startIndex: str(source.startIndex), count: str(source.count) });
  return { filter: str(source.filter), sortBy: str(source.sortBy), sortOrder: str(source.sortOrder), startIndex, count };
}

function send(reply: FastifyReply, status: number, body: Resource): FastifyReply {
  const version = (body.meta as { version?: string } | undefined)?.version;
  if (version) reply.header('etag', version);
  return reply.status(status).type(SCIM_JSON).send(body);
}

/** A list response with each resource projected to the requested attributes. */
function projectList(list: Resource, selection: ReturnType<typeof readAttributeSelection>, kind: ResourceKind): Resource {
  return { ...list, Resources: (list.Resources as Resource[]).map((r) => project(r, selection, kind)) };
}

/**
 * PATCH answers 200 with the resource to a client that asks for SCIM JSON or
 * names attributes (Okta, Entra), and 204 otherwise (RFC 7644 §3.5.2 allows both).
 */
function wantsPatchBody(request: FastifyRequest): boolean {
  const q = request.query as Query;
  return String(request.headers.accept ?? '').includes('application/scim+json') || q.attributes !== undefined || q.excludedAttributes !== undefined;
}

function resourceRoutes(app: FastifyInstance, rt: Runtime, kind: ResourceKind): void {
  const path = kind === 'User' ? '/Users' : '/Groups';
  const users = rt.scim.users;
  const groups = rt.scim.groups;
  const hide = { hide: true };
  const selectionOf = (request: FastifyRequest) => readAttributeSelection(request.query as Query);
  const membersWanted = (sel: ReturnType<typeof readAttributeSelection>) => {
    const names = (list: string[]) => list.map((a) => a.toLowerCase().replace(`${CORE_GROUP.toLowerCase()}:`, ''));
    const isMembers = (a: string) => a === 'members' || a.startsWith('members.') || a.startsWith('members[');
    return sel.attributes ? names(sel.attributes).some(isMembers) : !names(sel.excluded).some((a) => a === 'members');
  };
  // Microsoft's tools send `/users`, and `/Users/?filter=…`: the endpoints answer in any case and with a trailing slash.
  const paths = [path, path.toLowerCase(), `${path}/`, `${path.toLowerCase()}/`];
  const itemPaths = [path, path.toLowerCase()];

  const list = async (request: FastifyRequest, reply: FastifyReply) => {
    const sel = selectionOf(request);
    const list = kind === 'User' ? await users.list(caller(request), listQuery(request.query as Query)) : await groups.list(caller(request), listQuery(request.query as Query), membersWanted(sel));
    return send(reply, 200, projectList(list, sel, kind));
  };
  const search = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const joined = (v: unknown) => (Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : undefined);
    const sel = readAttributeSelection({ attributes: joined(body.attributes), excludedAttributes: joined(body.excludedAttributes) });
    const list = kind === 'User' ? await users.list(caller(request), listQuery(body)) : await groups.list(caller(request), listQuery(body), membersWanted(sel));
    return send(reply, 200, projectList(list, sel, kind));
  };
  const create = async (request: FastifyRequest, reply: FastifyReply) => {
    const created = kind === 'User' ? await users.create(caller(request), request.body) : await groups.create(caller(request), request.body);
    reply.header('location', (created.meta as { location: string }).location);
    return send(reply, 201, project(created, selectionOf(request), kind));
  };
  const read = async (request: FastifyRequest, reply: FastifyReply) => {
    const { id } = request.params as { id: string };
    const sel = selectionOf(request);
    const resource = kind === 'User' ? await users.get(caller(request), id) : await groups.get(caller(request), id, membersWanted(sel));
    const version = (resource.meta as { version: string }).version;
    if (request.headers['if-none-match'] === version) return reply.status(304).header('etag', version).send();
    return send(reply, 200, project(resource, sel, kind));
  };
  const replace = async (request: FastifyRequest, reply: FastifyReply) => {
    const { id } = request.params as { id: string };
    const ifMatch = request.headers['if-match'];
    const resource = kind === 'User' ? await users.replace(caller(request), id, request.body, ifMatch) : await groups.replace(caller(request), id, request.body, ifMatch);
    return send(reply, 200, project(resource, selectionOf(request), kind));
  };
  const patch = async (request: FastifyRequest, reply: FastifyReply) => {
    const { id } = request.params as { id: string };
    const ifMatch = request.headers['if-match'];
    const resource = kind === 'User' ? await users.patch(caller(request), id, request.body, ifMatch) : await groups.patch(caller(request), id, request.body, ifMatch);
    if (!wantsPatchBody(request)) return reply.status(204).header('etag', (resource.meta as { version: string }).version).send();
    return send(reply, 200, project(resource, selectionOf(request), kind));
  };
  const remove = async (request: FastifyRequest, reply: FastifyReply) => {
    const { id } = request.params as { id: string };
    const ifMatch = request.headers['if-match'];
    if (kind === 'User') await users.remove(caller(request), id, ifMatch);
    else await groups.remove(caller(request), id, ifMatch);
    return reply.status(204).send();
  };
  for (const p of paths) app.get(p, { schema: hide }, list);
  for (const p of itemPaths) {
    app.post(`${p}/.search`, { schema: hide }, search);
    app.post(p, { schema: hide }, create);
    app.get(`${p}/:id`, { schema: hide }, read);
    app.put(`${p}/:id`, { schema: hide }, replace);
    app.patch(`${p}/:id`, { schema: hide }, patch);
    app.delete(`${p}/:id`, { schema: hide }, remove);
  }
}

/** One SCIM 2.0 endpoint set, mounted at `/scim/v2/{directory}` and (token-routed) at `/scim/v2`. */
function scimEndpoints(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(['application/scim+json', 'application/json'], { parseAs: 'string', bodyLimit: SCIM_BODY_LIMIT_BYTES }, app.getDefaultJsonParser('error', 'error'));

    app.setErrorHandler((err, request, reply) => {
      const scim = toScimError(err);
      if (scim) {
        request.log.info({ status: scim.status, scimType: scim.scimType }, scim.message);
        if (scim.status === 401) reply.header('www-authenticate', 'Bearer realm="keyledger-scim"');
        return reply.status(scim.status).type(SCIM_JSON).send(scim.body());
      }
      request.log.error({ err }, 'SCIM request failed');
      return reply.status(500).type(SCIM_JSON).send(new ScimError(500, null, 'internal server error').body());
    });
    app.setNotFoundHandler((request, reply) => reply.status(404).type(SCIM_JSON).send(new ScimError(404, null, `no SCIM endpoint ${request.method} ${request.url.split('?')[0]}`).body()));

    app.addHook('onRequest', async (request) => {
      const token = bearer(request);
      const found = token ? await rt.scim.directories.authenticate(token) : undefined;
      if (!found) {
        rt.metrics.scimRejected.inc(1);
        throw new ScimError(401, null, 'a valid directory bearer token is required');
      }
      const wanted = (request.params as { directoryId?: string } | undefined)?.directoryId;
      if (wanted !== undefined && wanted !== found.directory.id) throw new ScimError(401, null, 'this token does not belong to this directory');
      const dir = found.directory;
      request.scimCaller = {
        directory: dir,
        tokenId: found.tokenId,
        ctx: { actor: { type: 'scim_directory', id: dir.id, display: dir.name }, request: requestContext(request) },
        baseUrl: directoryBaseUrl(rt.config.publicUrl, dir.id),
      };
    });

    const hide = { hide: true };
    const discovery = async (request: FastifyRequest, resourceType: string) => {
      await rt.scim.recordDiscovery(caller(request), resourceType);
      return caller(request).baseUrl;
    };
    const spc = async (request: FastifyRequest, reply: FastifyReply) => send(reply, 200, serviceProviderConfig(await discovery(request, 'ServiceProviderConfig')));
    app.get('/ServiceProviderConfig', { schema: hide }, spc);
    // The path Microsoft's SCIM reference implementation serves the same document at.
    app.get('/serviceConfiguration', { schema: hide }, spc);
    app.get('/ResourceTypes', { schema: hide }, async (request, reply) => send(reply, 200, resourceTypes(await discovery(request, 'ResourceType'))));
    app.get('/ResourceTypes/:name', { schema: hide }, async (request, reply) => {
      const found = findResourceType(caller(request).baseUrl, (request.params as { name: string }).name);
      if (!found) throw new ScimError(404, null, 'no such resource type');
      await discovery(request, 'ResourceType');
      return send(reply, 200, found);
    });
    app.get('/Schemas', { schema: hide }, async (request, reply) => send(reply, 200, schemaList(await discovery(request, 'Schema'))));
    app.get('/Schemas/:id', { schema: hide }, async (request, reply) => {
      const found = findSchema(caller(request).baseUrl, (request.params as { id: string }).id);
      if (!found) throw new ScimError(404, null, 'no such schema');
      await discovery(request, 'Schema');
      return send(reply, 200, found);
    });
    resourceRoutes(app, rt, 'User');
    resourceRoutes(app, rt, 'Group');
  };
}

/** The SCIM 2.0 server (RFC 7644): per directory at `/scim/v2/{directoryId}`, or routed by the token at `/scim/v2`. */
export function scimRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    await app.register(scimEndpoints(rt), { prefix: '/scim/v2/:directoryId' });
    await app.register(scimEndpoints(rt), { prefix: '/scim/v2' });
  };
}
