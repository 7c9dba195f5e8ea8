import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { systemContext } from '../src/audit/event.ts';
import { ACR_PHISHING_RESISTANT } from '../src/authn/acr.ts';
import { createFirstAdministrator } from '../src/console/operator-setup.ts';
import { CONSOLE_CLIENT_ID } from '../src/console/operator.ts';
import { CONSOLE_DIST } from '../src/console/static-routes.ts';
import { startBenchApp, type BenchApp } from './bench-runtime.ts';
import { rate, type BenchRow } from './harness.ts';

const setup = systemContext('bench', 'console benchmark');

/** A console access token as the provider issues it after a passkey sign-in, minted straight through the provider's model. */
async function consoleToken(b: BenchApp, userId: string): Promise<string> {
  await b.rt.oidc.ready();
  const provider = b.rt.oidc.provider();
  const client = await provider.Client.find(CONSOLE_CLIENT_ID);
  if (!client) throw new Error('the console client is missing (no operator organization)');
  const grant = new provider.Grant({ accountId: userId, clientId: CONSOLE_CLIENT_ID });
  grant.addOIDCScope('openid');
  const grantId = await grant.save();
  const token = new provider.AccessToken({ accountId: userId, client, grantId, scope: 'openid', gty: 'authorization_code', extra: { acr: ACR_PHISHING_RESISTANT, amr: ['hwk', 'user'], auth_time: Math.floor(Date.now() / 1000) } });
  return token.save();
}

async function listRate(b: BenchApp, bearer: string, total: number, concurrency: number): Promise<number> {
  const call = async () => {
    const res = await b.app.inject({ method: 'GET', url: '/api/v1/organizations?limit=25', headers: { authorization: `Bearer ${bearer}` } });
    if (res.statusCode !== 200) throw new Error(`GET /api/v1/organizations: ${res.statusCode} ${res.body.slice(0, 200)}`);
  };
  for (let i = 0; i < 100; i++) await call();
  return rate(total, concurrency, call);
}

/**
 * What the console costs: an admin API read with a console token (checked on
 * every request: token lookup, membership, the roles held now) against the
 * same read with an API key, on SQLite and PostgreSQL; and the size of the
 * built app a browser downloads.
 */
export async function consoleBench(options: { requests: number; concurrency: number; pgUrl: string | null }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const pgUrl of [null, options.pgUrl]) {
    if (pgUrl === undefined || (pgUrl === null && rows.length > 0)) continue;
    const b = await startBenchApp({ pgUrl });
    try {
      const dialect = pgUrl ? 'PostgreSQL' : 'SQLite';
      const admin = await createFirstAdministrator(b.rt, setup, { email: 'root@bench.test', name: 'Bench Root', password: 'quartz-lantern-orbit-meadow-42' });
      for (let i = 0; i < 40; i++) await b.api('POST', '/api/v1/organizations', { slug: `org-${i}`, name: `Org ${i}` });
      const token = await consoleToken(b, admin.userId);
      const withKey = await listRate(b, b.adminKey, options.requests, options.concurrency);
      const withToken = await listRate(b, token, options.requests, options.concurrency);
      rows.push({ name: `GET /api/v1/organizations with a console token (${dialect})`, value: withToken, unit: 'req/s', baseline: { name: 'the same with an API key', value: withKey } });
    } finally {
      await b.close();
    }
    if (!options.pgUrl) break;
  }
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) {
    const assets = join(CONSOLE_DIST, 'assets');
    let raw = 0;
    let gz = 0;
    for (const f of readdirSync(assets)) {
      const bytes = readFileSync(join(assets, f));
      raw += bytes.length;
      gz += gzipSync(bytes).length;
    }
    rows.push({ name: 'console download (JS + CSS, gzip)', value: gz / 1024, unit: 'KiB', baseline: { name: 'uncompressed', value: raw / 1024 }, target: '< 250 KiB gzip' });
  }
  return rows;
}
