/**
 * `npm run bench`: Keyledger's throughput figures, each next to a named
 * baseline measured in the same run. Set BENCH_VERIFY_EVENTS to change the
 * ledger size verified (default 1,000,000) and KEYLEDGER_BENCH_PG_URL (or
 * KEYLEDGER_TEST_PG_URL) to include PostgreSQL.
 */
import pg from 'pg';
import { availableParallelism } from 'node:os';
import { ledgerBench } from './ledger-bench.ts';
import { authnBench } from './authn-bench.ts';
import { oidcBench } from './oidc-bench.ts';
import { scimBench } from './scim-bench.ts';
import { deprovisionBench } from './deprovision-bench.ts';
import { ssoBench } from './sso-bench.ts';
import { streamBench } from './stream-bench.ts';
import { evidenceBench } from './evidence-bench.ts';
import { clusterBench } from './cluster-bench.ts';
import { consoleBench } from './console-bench.ts';
import { printTable } from './harness.ts';

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

const pgUrl = process.env.KEYLEDGER_BENCH_PG_URL ?? process.env.KEYLEDGER_TEST_PG_URL ?? 'postgres://keyledger:keyledger@127.0.0.1:5432/postgres';
const usePg = await reachable(pgUrl);
console.log(`# Keyledger benchmarks — node ${process.version}, ${new Date().toISOString()}${usePg ? '' : ' (PostgreSQL not reachable: SQLite only)'}`);

// BENCH_ONLY=oidc (or ledger, authn, scim, deprovision, sso, stream, evidence, cluster, console) runs one section; several are comma-separated.
const only = process.env.BENCH_ONLY ?? '';
const wants = (section: string) => only === '' || only.split(',').includes(section);

if (wants('ledger')) {
  const rows = await ledgerBench({ verifyEvents: Number(process.env.BENCH_VERIFY_EVENTS ?? 1_000_000), pgUrl: usePg ? pgUrl : null });
  printTable('Audit ledger', rows);
}

if (wants('authn')) {
  // One sign-in per core at a time: argon2id is CPU-bound, so more would only queue.
  const authnRows = await authnBench({ logins: Number(process.env.BENCH_LOGINS ?? 400), concurrency: availableParallelism(), sessionChecks: 20_000 });
  printTable('Authentication', authnRows);
}

if (wants('oidc')) {
  // Loopback HTTP with keep-alive; more requests in flight than cores, so neither side waits on the client.
  const oidcRows = await oidcBench({ requests: Number(process.env.BENCH_OIDC_REQUESTS ?? 4000), concurrency: 8 });
  printTable('OpenID Connect provider', oidcRows);
}

if (wants('scim')) {
  const scimRows = await scimBench({
    users: Number(process.env.BENCH_SCIM_USERS ?? 200),
    rounds: 3,
    concurrency: 4,
    listUsers: Number(process.env.BENCH_SCIM_LIST_USERS ?? 100_000),
    pgUrl: usePg ? pgUrl : null,
  });
  printTable('SCIM server', scimRows);
}

if (wants('deprovision')) {
  // Real HTTP on 127.0.0.1: each removal is measured alone, from sending the request to the last credential refused.
  const deprovisionRows = await deprovisionBench({ users: Number(process.env.BENCH_DEPROVISION_USERS ?? 100) });
  printTable('Deprovisioning latency (SQLite)', deprovisionRows);
}

if (wants('sso')) {
  // Signed IdP-initiated responses from the loopback test IdP, generated before each timed part.
  const ssoRows = await ssoBench({
    responses: Number(process.env.BENCH_SSO_RESPONSES ?? 300),
    signIns: Number(process.env.BENCH_SSO_SIGNINS ?? 120),
    concurrency: availableParallelism(),
    pgUrl: usePg ? pgUrl : null,
  });
  printTable('Enterprise SSO (SAML)', ssoRows);
}

if (wants('stream')) {
  // A loopback HTTPS webhook receiver behind a private CA; SQLite.
  const streamRows = await streamBench({
    events: Number(process.env.BENCH_STREAM_EVENTS ?? 50_000),
    batchSize: Number(process.env.BENCH_STREAM_BATCH ?? 500),
    lagEvents: Number(process.env.BENCH_STREAM_LAG_EVENTS ?? 1000),
    lagRatePerSecond: Number(process.env.BENCH_STREAM_RATE ?? 200),
  });
  printTable('SIEM streaming (webhook, SQLite)', streamRows);
}

if (wants('evidence')) {
  const evidenceRows = await evidenceBench({ users: Number(process.env.BENCH_EVIDENCE_USERS ?? 10_000), events: Number(process.env.BENCH_EVIDENCE_EVENTS ?? 1_000_000) });
  printTable('SOC 2 evidence export', evidenceRows);
}

if (wants('cluster')) {
  // Three `keyledger start` processes on this machine (PostgreSQL from KEYLEDGER_TEST_PG_URL, Redis from KEYLEDGER_TEST_REDIS_URL); each timed part stops after 30 s.
  const clusterRows = await clusterBench({
    pgUrl: usePg ? pgUrl : null,
    signIns: Number(process.env.BENCH_CLUSTER_SIGNINS ?? 400),
    tokens: Number(process.env.BENCH_CLUSTER_TOKENS ?? 3000),
    appends: Number(process.env.BENCH_CLUSTER_APPENDS ?? 5000),
    maxSeconds: 30,
  });
  if (typeof clusterRows === 'string') console.log(`\n## Cluster (3 nodes)\n\n${clusterRows}`);
  else printTable('Cluster (3 nodes, one machine)', clusterRows);
}

if (wants('console')) {
  // Admin API reads over app.inject: a console token (looked up and re-scoped on every request) against an API key.
  const consoleRows = await consoleBench({ requests: Number(process.env.BENCH_CONSOLE_REQUESTS ?? 3000), concurrency: 8, pgUrl: usePg ? pgUrl : null });
  printTable('Admin console', consoleRows);
}
