import * as client from 'openid-client';
import { buildApp, type App } from '../../src/http/app.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ALL_SCOPES } from '../../src/http/scopes.ts';
import type { Dialect } from '../../src/platform/database.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { freePort } from './browser.ts';
import { createTestRuntime, type TestRuntime } from './runtime.ts';

export interface ServerSuite {
  t: TestRuntime;
  app: App;
  baseUrl: string;
  issuer: URL;
  /** Calls the admin API with a key holding every scope; throws unless the status is `expect`. */
  api<T = any>(method: string, path: string, body?: unknown, expect?: number | number[]): Promise<T>;
  close(): Promise<void>;
}

/** A real Keyledger server listening on 127.0.0.1 (a fresh database of `dialect`), for relying parties that speak HTTP. */
export async function startServerSuite(dialect: Dialect, options: { clock?: Clock; host?: string } = {}): Promise<ServerSuite> {
  const port = await freePort();
  const baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const t = await createTestRuntime(dialect, { clock: options.clock, env: { KEYLEDGER_PUBLIC_URL: baseUrl } });
  const app = await buildApp(t.rt);
  await app.listen({ host: '127.0.0.1', port });
  const { key } = await t.rt.apiKeys.create(systemContext('test', 'oidc test setup'), { name: 'oidc admin', scopes: [...ALL_SCOPES], expiresAt: null });
  return {
    t,
    app,
    baseUrl,
    issuer: new URL(`${baseUrl}/oidc`),
    async api(method, path, body, expect) {
      const res = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const wanted = expect ?? (method === 'POST' ? [200, 201] : [200]);
      if (!(Array.isArray(wanted) ? wanted : [wanted]).includes(res.status)) throw new Error(`${method} ${path} gave ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as never;
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
}

/** openid-client's configuration for a client of this server (plain HTTP on loopback is allowed for the test). */
export async function discover(issuer: URL, clientId: string, auth: client.ClientAuth, metadata: Partial<client.ClientMetadata> = {}): Promise<client.Configuration> {
  return client.discovery(issuer, clientId, metadata, auth, { execute: [client.allowInsecureRequests] });
}
