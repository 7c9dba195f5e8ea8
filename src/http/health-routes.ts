import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { pingDatabase } from '../platform/database.ts';
import { pendingMigrations } from '../platform/migrations/index.ts';
import { monitorGauges } from '../monitor/metrics.ts';

/**
 * /healthz: the process is up (for restarts). /readyz: it can serve — the
 * database answers and every migration is applied (for load balancers). The
 * cluster bus is reported but does not decide readiness: while it is down,
 * another node's change reaches this node's caches within their TTL (seconds),
 * and taking every node out of the balancer for that would be a far worse outage.
 * /metrics: Prometheus text.
 */
export function healthRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      // A node shutting down says so first, while it still serves what is sent to it.
      if (rt.readiness.draining) return reply.status(503).send({ status: 'draining', checks: { bus: rt.bus.state() } });
      const database = await pingDatabase(rt.database.db);
      const pending = database ? await pendingMigrations(rt.database.db, rt.database.dialect) : null;
      const ready = database && pending !== null && pending.length === 0;
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        checks: { database: database ? 'ok' : 'unreachable', migrations: pending === null ? 'unknown' : pending.length === 0 ? 'current' : `pending: ${pending.join(', ')}`, bus: rt.bus.state() },
      });
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const db = rt.database.db;
      const head = await db.selectFrom('ledger_head').select('next_seq').where('id', '=', 1).executeTakeFirst();
      const cp = await rt.ledger.latestCheckpoint();
      const events = Number(head?.next_seq ?? 0);
      const treeSize = cp?.size ?? 0;
      const text = rt.metrics.render([
        { name: 'keyledger_ledger_events', help: 'Events in the ledger.', value: events },
        { name: 'keyledger_ledger_tree_size', help: 'Size of the newest signed checkpoint.', value: treeSize },
        { name: 'keyledger_ledger_unsequenced_events', help: 'Events appended but not yet covered by a signed checkpoint.', value: events - treeSize },
        { name: 'keyledger_process_resident_memory_bytes', help: 'Resident memory of this process.', value: process.memoryUsage().rss },
        ...(await rt.streamDestinations.metricGauges()),
        ...(await monitorGauges(db)),
      ]);
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
    });
  };
}
