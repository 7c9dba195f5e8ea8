import { createServer, type AddressInfo } from 'node:net';
import type { Config } from '../platform/config.ts';
import { createRuntime } from '../runtime.ts';
import { buildApp } from '../http/app.ts';
import { systemContext } from '../audit/event.ts';

/**
 * `keyledger start`: migrate, load the ledger key, serve HTTP, run the
 * sequencer, and print a one-time bootstrap link while no administrator key
 * exists. SIGINT/SIGTERM drain requests, sign a last checkpoint and close.
 */
export async function startServer(given: Config, options: { json: boolean }): Promise<void> {
  const config = await resolveEphemeralPort(given);
  const rt = await createRuntime(config);
  const app = await buildApp(rt);
  await app.listen({ port: config.port, host: config.host });
  rt.sequencer.start();
  await rt.sequencer.integrateAll();
  // Periodic jobs (future-dated HR terminations, notification delivery, …) run under the scheduler's lease, on one node
  // at a time; started here only, never at runtime creation.
  rt.scheduler.start(5_000);
  // The ledger streams to SIEM destinations from every node; per-destination leases keep one sender each.
  rt.streamDelivery.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const listening = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const link = await rt.bootstrap.issueLinkIfNeeded(systemContext('bootstrap', 'Keyledger start'));

  if (options.json) {
    process.stdout.write(JSON.stringify({ listening, publicUrl: config.publicUrl, database: rt.database.describe, bootstrapUrl: link?.url ?? null }) + '\n');
  } else {
    const lines = [`Keyledger is serving on ${listening} (public URL ${config.publicUrl}; database ${rt.database.describe})`];
    if (link) {
      lines.push(
        '',
        'No administrator exists yet. Open this one-time link to create the first administrator',
        '(an account for the admin console at /console, and an API key):',
        `(valid until ${link.expiresAt})`,
        '',
        `    ${link.url}`,
        '',
        'or, on this machine: npx keyledger api-key create --name admin --scopes all',
      );
    }
    process.stderr.write(lines.join('\n') + '\n\n');
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    rt.logger.info({ signal, drainSeconds: config.drainSeconds }, 'shutting down');
    // /readyz turns 503 first; the listener keeps serving for the drain period, so the balancer stops sending before connections are refused.
    rt.readiness.draining = true;
    if (config.drainSeconds > 0) await new Promise((r) => setTimeout(r, config.drainSeconds * 1000));
    await app.close();
    // Everything that appends in the background stops first (a running job finishes), so the last checkpoint covers it all.
    await rt.scheduler.stop();
    await rt.evidenceExports.stop();
    await rt.streamDelivery.stop();
    await rt.sequencer.stop();
    await rt.sequencer.integrateAll().catch((err) => rt.logger.error({ err }, 'final checkpoint failed'));
    await rt.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * `--port 0` asks the system for a free port. A public URL derived from the
 * port (no KEYLEDGER_PUBLIC_URL) would then say port 0, and the bootstrap
 * link, the ledger key name and the OpenAPI server URL would point nowhere:
 * pick the port first and derive the URL from it. (Another process could take
 * the port in between; listening then fails with EADDRINUSE.)
 */
async function resolveEphemeralPort(config: Config): Promise<Config> {
  const publicUrl = new URL(config.publicUrl);
  if (config.port !== 0 || publicUrl.port !== '0') return config;
  const port = await new Promise<number>((done, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, config.host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });
  publicUrl.port = String(port);
  return { ...config, port, publicUrl: publicUrl.toString().replace(/\/+$/, '') };
}
