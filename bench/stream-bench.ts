import { systemContext } from '../src/audit/event.ts';
import { toOcsf } from '../src/stream/ocsf.ts';
import { readLedgerAfter } from '../src/stream/ledger-feed.ts';
import { createHttpPoster } from '../src/stream/sinks/http-post.ts';
import { signatureHeader } from '../src/notify/webhooks.ts';
import { createTestPki, startTlsReceiver } from '../test/support/tls-receiver.ts';
import { timed, type BenchRow } from './harness.ts';
import { percentile, startBenchApp } from './bench-runtime.ts';

const ctx = systemContext('bench', 'stream benchmark');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIEM streaming to a loopback HTTPS webhook receiver (private CA, the same
 * TLS and signing as production):
 * - throughput: `events` appended first, then delivered from the start by the
 *   engine, against the ledger's own append rate and a raw POST loop of the
 *   same batches (same bodies, same receiver, no database);
 * - end-to-end lag (append returned → receiver got it) under a steady append
 *   rate, with the engine poked after each append as `keyledger start` runs it,
 *   against the round trip of a raw POST of one event.
 */
export async function streamBench(options: { events: number; batchSize: number; lagEvents: number; lagRatePerSecond: number }): Promise<BenchRow[]> {
  const pki = createTestPki();
  const receiver = await startTlsReceiver(pki);
  const b = await startBenchApp();
  const { rt } = b;
  try {
    const org = await rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' });
    const appendMany = (n: number) =>
      rt.runner.run(ctx, async ({ record }) => {
        for (let i = 0; i < n; i++) record({ action: 'identity.organization.updated', org: org.id, targets: [{ type: 'organization', id: org.id }], data: { before: { name: 'Acme' }, after: { name: `Acme ${i}` } } });
      });

    // Baseline: the ledger's own append rate (100 events per command).
    const perCommand = 100;
    const { seconds: appendSeconds } = await timed(async () => {
      for (let done = 0; done < options.events; done += perCommand) await appendMany(perCommand);
    });
    const appendRate = options.events / appendSeconds;

    // Throughput: a destination rewound to the first appended event, delivered until caught up.
    const created = await rt.streamDestinations.create(ctx, { name: 'bench', kind: 'webhook', config: { url: `${receiver.url}/ingest`, caCertificate: pki.caPem, batchSize: options.batchSize } });
    await rt.streamDestinations.rewind(ctx, created.destination.id, 0);
    receiver.received.length = 0;
    const { seconds: deliverSeconds } = await timed(async () => {
      for (;;) {
        await rt.streamDelivery.deliverOnce();
        const h = await rt.streamDestinations.health(created.destination.id);
        if (h.cursorSeq >= h.headSeq) break;
      }
    });
    const delivered = (await rt.streamDestinations.health(created.destination.id)).headSeq + 1;
    const deliverRate = delivered / deliverSeconds;

    // Baseline: the same batches POSTed in a loop (read and mapped beforehand), no cursor, no lease.
    const bodies: string[] = [];
    for (let after = -1; ; ) {
      const feed = await readLedgerAfter(rt.database.db, after, options.batchSize);
      if (feed.length === 0) break;
      bodies.push(JSON.stringify(feed.map((f) => toOcsf({ kind: 'event', feed: f }))));
      after = feed[feed.length - 1].seq;
    }
    const poster = createHttpPoster({ caCertificate: pki.caPem, timeoutMs: 10_000 });
    const url = new URL(`${receiver.url}/raw`);
    const { seconds: rawSeconds } = await timed(async () => {
      for (const body of bodies) {
        const answer = await poster.post(url, body, { 'content-type': 'application/json', 'keyledger-signature': signatureHeader(created.secret!, Math.floor(Date.now() / 1000), body) });
        if (answer.status !== 200) throw new Error(`raw POST: ${answer.status}`);
      }
    });
    const rawRate = delivered / rawSeconds;

    // Lag under a steady append rate, with the engine running as `keyledger start` runs it.
    receiver.received.length = 0;
    const appendedAt = new Map<string, number>();
    // As `keyledger start` does: the backlog is integrated into the tree first, then the sequencer runs on its timer.
    await rt.sequencer.integrateAll();
    rt.sequencer.start();
    rt.streamDelivery.start();
    const every = 1000 / options.lagRatePerSecond;
    const start = Date.now();
    for (let i = 0; i < options.lagEvents; i++) {
      const { events } = await appendMany(1);
      appendedAt.set(events[0].id, Date.now());
      const wait = start + (i + 1) * every - Date.now();
      if (wait > 0) await sleep(wait);
    }
    const until = Date.now() + 30_000;
    while ((await rt.streamDestinations.health(created.destination.id)).lagEvents > 0 && Date.now() < until) await sleep(20);
    await rt.streamDelivery.stop();
    await rt.sequencer.stop();
    const lags: number[] = [];
    const seen = new Set<string>();
    for (const r of receiver.received) {
      for (const o of JSON.parse(r.body) as Array<{ metadata: { uid: string } }>) {
        const at = appendedAt.get(o.metadata.uid);
        if (at !== undefined && !seen.has(o.metadata.uid)) {
          seen.add(o.metadata.uid);
          lags.push(r.at - at);
        }
      }
    }
    if (lags.length !== options.lagEvents) throw new Error(`lag run: ${lags.length} of ${options.lagEvents} events arrived`);

    // Baseline: one event POSTed alone, round trip.
    const single = bodies[0] ? JSON.stringify([(JSON.parse(bodies[0]) as unknown[])[0]]) : '[]';
    const rtts: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = process.hrtime.bigint();
      await poster.post(url, single, { 'content-type': 'application/json' });
      rtts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    poster.close();

    return [
      { name: `webhook throughput (${delivered.toLocaleString('en-US')} events, batches of ${options.batchSize})`, value: deliverRate, unit: 'events/s', baseline: { name: 'ledger append (100 per command)', value: appendRate }, target: '≥ 10,000 events/s' },
      { name: 'webhook throughput vs raw POST loop', value: deliverRate, unit: 'events/s', baseline: { name: 'raw POST of the same batches', value: rawRate } },
      { name: `end-to-end lag p50 (${options.lagEvents} events at ${options.lagRatePerSecond}/s)`, value: percentile(lags, 50), unit: 'ms', baseline: { name: 'raw POST round trip p50', value: percentile(rtts, 50) } },
      { name: `end-to-end lag p99 (${options.lagEvents} events at ${options.lagRatePerSecond}/s)`, value: percentile(lags, 99), unit: 'ms', baseline: { name: 'raw POST round trip p99', value: percentile(rtts, 99) }, target: '< 1,000 ms' },
    ];
  } finally {
    await b.close();
    await receiver.stop();
  }
}
