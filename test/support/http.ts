import { expect } from 'vitest';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import type { Dialect } from '../../src/platform/database.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { Runtime } from '../../src/runtime.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';
import { buildApp, type App } from '../../src/http/app.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ALL_SCOPES, type Scope } from '../../src/http/scopes.ts';
import { createTestRuntime, type TestRuntime } from './runtime.ts';

export type Response = LightMyRequestResponse;
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface RequestOptions {
  /** A JSON body (serialized here), or a string sent as is with the given content type. */
  body?: unknown;
  /** The API key to send; null sends no Authorization header. Defaults to the suite's admin key. */
  key?: string | null;
  headers?: Record<string, string>;
}

export interface HttpSuite {
  t: TestRuntime;
  rt: Runtime;
  app: App;
  /** A key holding every scope, issued by the system actor (empty when the suite asked for none). */
  adminKey: string;
  adminKeyId: string;
  request(method: Method, url: string, options?: RequestOptions): Promise<Response>;
  /** Issues a key directly through the service (not the API), for auth tests. */
  issueKey(name: string, scopes: Scope[], expiresAt?: string | null): Promise<{ key: string; id: string }>;
  close(): Promise<void>;
}

/**
 * A runtime on a fresh database of `dialect` with its HTTP app, and (unless
 * `adminKey: false`) an API key holding every scope; `env` adds configuration
 * (e.g. KEYLEDGER_DNS_SERVERS).
 */
export async function startHttpSuite(dialect: Dialect, options: { clock?: Clock; adminKey?: boolean; env?: Record<string, string> } = {}): Promise<HttpSuite> {
  const t = await createTestRuntime(dialect, { clock: options.clock, env: options.env });
  const app = await buildApp(t.rt);
  const issueKey = async (name: string, scopes: Scope[], expiresAt: string | null = null) => {
    const created = await t.rt.apiKeys.create(systemContext('test', 'http test setup'), { name, scopes, expiresAt });
    return { key: created.key, id: created.apiKey.id };
  };
  const admin = options.adminKey === false ? { key: '', id: '' } : await issueKey('test admin', [...ALL_SCOPES]);
  return {
    t,
    rt: t.rt,
    app,
    adminKey: admin.key,
    adminKeyId: admin.id,
    issueKey,
    async request(method, url, o = {}) {
      const key = o.key === undefined ? admin.key : o.key;
      const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}) };
      let payload: string | undefined;
      if (o.body !== undefined) {
        if (typeof o.body === 'string') payload = o.body;
        else {
          payload = JSON.stringify(o.body);
          headers['content-type'] = 'application/json';
        }
      }
      return app.inject({ method, url, headers: { ...headers, ...o.headers }, payload });
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
}

/** Asserts the catalogue error shape: status, code, a message, and the request id of the response header. */
export function expectError(res: Response, status: number, code: string): void {
  expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status, body: { error: { code } } });
  const { error } = res.json() as { error: Record<string, unknown> };
  expect(Object.keys(error).sort()).toEqual(error.details === undefined ? ['code', 'message', 'requestId'] : ['code', 'details', 'message', 'requestId']);
  expect(typeof error.message).toBe('string');
  expect((error.message as string).length).toBeGreaterThan(0);
  expect(error.requestId).toBe(res.headers['x-request-id']);
}

/** The sequence number the next ledger event will get (the count of events ever appended). */
export async function ledgerNextSeq(rt: Runtime): Promise<number> {
  const head = await rt.database.db.selectFrom('ledger_head').select('next_seq').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(head.next_seq);
}

const MUTABLE_TABLES = [
  'organizations', 'users', 'memberships', 'service_accounts', 'roles', 'role_assignments', 'api_keys', 'bootstrap_tokens', 'sessions', 'totp_factors', 'recovery_codes', 'invitations', 'email_tokens', 'password_credentials', 'service_account_credentials', 'oidc_applications',
  'scim_directories', 'scim_tokens', 'scim_users', 'scim_user_values', 'scim_groups', 'scim_group_members', 'scim_group_role_mappings',
  'leavers', 'hr_sources', 'hr_events', 'scheduled_terminations', 'access_requests', 'access_request_decisions',
  'role_eligibilities',
  'sso_connections', 'sso_domains', 'sso_group_role_mappings', 'sso_login_states', 'sso_replays', 'sso_identities', 'sso_setup_links', 'sso_connection_tests',
  'scheduler_leases', 'scheduler_jobs', 'notification_webhooks', 'notification_outbox',
  'access_review_campaigns', 'access_review_items', 'access_review_signoffs', 'access_review_reminders',
  'monitor_findings',
  'siem_destinations',
  'detection_alerts', 'detection_alert_events', 'incidents', 'incident_alerts', 'incident_events', 'incident_notes',
  'evidence_exports',
] as const;
/** Tables without an `id` column, and the columns that order them. */
const ORDER_BY: Partial<Record<(typeof MUTABLE_TABLES)[number], string>> = {
  password_credentials: 'user_id',
  scim_user_values: 'scim_user_id, attribute, ordinal',
  scim_group_members: 'group_id, scim_user_id',
  sso_replays: 'connection_id, token_id',
  scheduler_leases: 'name',
  scheduler_jobs: 'name',
  access_review_signoffs: 'campaign_id, reviewer_id',
  access_review_reminders: 'org_id, reviewer_id',
  detection_alert_events: 'alert_id, event_id',
  incident_alerts: 'incident_id, alert_id',
  incident_events: 'incident_id, event_id',
};

/** Every row of every mutable table, ordered, with api_keys.last_used_at left out (reads may touch it). */
export async function snapshotState(rt: Runtime): Promise<Record<string, unknown[]>> {
  // Read side by side: on PostgreSQL the pool answers them in parallel, which keeps suites that snapshot per request fast.
  const tables = await Promise.all(MUTABLE_TABLES.map((table) => rt.database.db.selectFrom(table).selectAll().orderBy(sql.raw(ORDER_BY[table] ?? 'id')).execute()));
  const out: Record<string, unknown[]> = {};
  MUTABLE_TABLES.forEach((table, i) => {
    out[table] = tables[i].map((r) => {
      const { last_used_at: _ignored, ...rest } = r as Record<string, unknown>;
      return rest;
    });
  });
  return out;
}

/** Runs `fn` and asserts it appended no ledger event and changed no row. */
export async function expectNothingChanged<T>(rt: Runtime, fn: () => Promise<T>): Promise<T> {
  const seqBefore = await ledgerNextSeq(rt);
  const stateBefore = await snapshotState(rt);
  const result = await fn();
  expect(await ledgerNextSeq(rt)).toBe(seqBefore);
  expect(await snapshotState(rt)).toEqual(stateBefore);
  return result;
}

/** Every ledger event matching `query`, read through GET /api/v1/audit/events page by page (with `key`, or the admin key). */
export async function listEventsViaApi(suite: HttpSuite, query = '', key?: string): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams(query);
    qs.set('limit', '200');
    if (cursor) qs.set('cursor', cursor);
    const res = await suite.request('GET', `/api/v1/audit/events?${qs}`, { key });
    expect(res.statusCode).toBe(200);
    const page = res.json() as { items: LedgerEvent[]; nextCursor: string | null };
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** The ledger events appended while `fn` ran, read back through the API. */
export async function eventsDuring(suite: HttpSuite, fn: () => Promise<Response>): Promise<{ res: Response; events: LedgerEvent[] }> {
  const before = await ledgerNextSeq(suite.rt);
  const res = await fn();
  const events = (await listEventsViaApi(suite)).filter((e) => e.seq >= before);
  return { res, events };
}

/** Walks a paged list endpoint with `limit`, asserting each page's size; returns the ids in the order seen. */
export async function walkPages(suite: HttpSuite, url: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res = await suite.request('GET', `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.statusCode).toBe(200);
    const page = res.json() as { items: Array<{ id: string }>; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(limit);
    if (page.nextCursor !== null) expect(page.items.length).toBe(limit);
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
    pages++;
    expect(pages).toBeLessThan(1000);
  } while (cursor);
  return { ids, pages };
}

/** Sends a request that must succeed with `status`; returns the parsed body. */
export async function ok<T = Record<string, any>>(suite: HttpSuite, status: number, method: Method, url: string, body?: unknown): Promise<T> {
  const res = await suite.request(method, url, { body });
  expect({ url, status: res.statusCode, body: res.body }).toMatchObject({ status });
  return (res.body.length > 0 ? res.json() : undefined) as T;
}

export const createOrg = (s: HttpSuite, slug: string, name = slug) => ok(s, 201, 'POST', '/api/v1/organizations', { slug, name });
export const createUser = (s: HttpSuite, body: Record<string, unknown>) => ok(s, 201, 'POST', '/api/v1/users', body);
export const createRole = (s: HttpSuite, org: string, key: string, extra: Record<string, unknown> = {}) =>
  ok(s, 201, 'POST', `/api/v1/organizations/${org}/roles`, { key, name: `Role ${key}`, description: `What ${key} may do`, permissions: [`${key}:read`], ...extra });
export const grantRole = (s: HttpSuite, org: string, role: string, principalId: string, extra: Record<string, unknown> = {}) =>
  ok(s, 201, 'POST', `/api/v1/organizations/${org}/role-assignments`, { role, principalType: 'user', principalId, ...extra });
/** Creates a service account owned by `ownerUserId` (every account has exactly one owner, an active member of `org`). */
export const createServiceAccount = (s: HttpSuite, org: string, name: string, ownerUserId: string, extra: Record<string, unknown> = {}) =>
  ok(s, 201, 'POST', `/api/v1/organizations/${org}/service-accounts`, { name, description: `${name} robot`, ownerUserId, ...extra });
