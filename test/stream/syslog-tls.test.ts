import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { createRsyslog, createTestCa, issueServerCertificate, type ReceivedMessage, type Rsyslog } from '../support/rsyslog.ts';
import { parseCef } from '../support/cef-parser.ts';
import { systemContext } from '../../src/audit/event.ts';
import { readLedgerAfter, type FeedEvent } from '../../src/stream/ledger-feed.ts';
import { createSyslogTlsSink, SyslogDeliveryError, type SyslogTlsConfig } from '../../src/stream/sinks/syslog-tls.ts';
import type { StreamRecord } from '../../src/stream/types.ts';

const admin = systemContext('test', 'syslog test setup');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seqOf = (m: ReceivedMessage) => Number(/ seq="(\d+)"/.exec(m.structuredData)?.[1] ?? NaN);
/** The error a delivery rejects with; fails the test when it resolves. */
async function refusalOf(p: Promise<unknown>): Promise<SyslogDeliveryError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SyslogDeliveryError);
    return err as SyslogDeliveryError;
  }
  throw new Error('expected the delivery to be rejected');
}
const eventsOf = (feed: FeedEvent[]): StreamRecord[] => feed.map((f) => ({ kind: 'event', feed: f }));
function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

for (const dialect of DIALECTS) {
  describe(`syslog over TLS to a real rsyslogd on ${dialect}`, () => {
    let t: TestRuntime;
    let r: Rsyslog;
    let feed: FeedEvent[];
    let config: SyslogTlsConfig;

    beforeAll(async () => {
      t = await createTestRuntime(dialect);
      await t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      for (let i = 0; i < 12; i++) await t.rt.identity.createUser(admin, { email: `user${i}@acme.test`, name: `Ünïcode | user = ${i} \\ "q" ]` }, { orgRef: 'acme' });
      feed = await readLedgerAfter(t.rt.database.db, -1, 10_000);
      r = await createRsyslog();
      await r.start();
      config = { host: r.host, port: r.port, format: 'ocsf', caCertificate: r.caPem, serverName: r.serverName, hostname: 'kl-test', appName: 'keyledger', timeoutMs: 10_000 };
    });
    afterAll(async () => {
      await r?.close();
      await t?.close();
    });

    it('delivers OCSF batches: rsyslog parses every message, every sequence number in order', async () => {
      const before = r.lines().length;
      const sink = createSyslogTlsSink(config, {});
      for (const batch of batches(eventsOf(feed), 7)) await sink.deliver(batch);
      await sink.close();
      const got = (await r.waitForLines(before + feed.length)).slice(before);
      expect(got.map(seqOf)).toEqual(feed.map((f) => f.seq));
      for (const [i, m] of got.entries()) {
        expect(m).toMatchObject({ hostname: 'kl-test', appName: 'keyledger', msgId: 'ledger-event', procId: String(process.pid) });
        expect(m.pri).toBeGreaterThanOrEqual(13 * 8);
        expect(m.pri).toBeLessThan(14 * 8);
        const ocsf = JSON.parse(m.msg);
        expect(ocsf).toMatchObject({ metadata: { uid: feed[i].event.id, sequence: feed[i].seq }, unmapped: { keyledger: { data: feed[i].event.data, leaf_hash: feed[i].leafHash } } });
      }
      // The names hold non-ASCII text: MSG went as UTF-8 with its BOM, and the JSON survived byte for byte.
      expect(got.find((m) => m.msg.includes('Ünïcode'))!.bom).toBe(true);
    });

    it('delivers CEF batches with checkpoints', async () => {
      const before = r.lines().length;
      const cp = await t.rt.sequencer.integrateAll();
      const records: StreamRecord[] = [...eventsOf(feed), { kind: 'checkpoint', checkpoint: { size: cp!.size, rootHash: cp!.rootHash.toString('base64'), note: cp!.note, keyId: cp!.keyId, createdAt: cp!.createdAt } }];
      const sink = createSyslogTlsSink({ ...config, format: 'cef' }, {});
      for (const batch of batches(records, 5)) await sink.deliver(batch);
      const got = (await r.waitForLines(before + records.length)).slice(before);
      expect(got.slice(0, feed.length).map(seqOf)).toEqual(feed.map((f) => f.seq));
      for (const [i, m] of got.slice(0, feed.length).entries()) {
        const cef = parseCef(m.msg);
        expect(cef.extension).toMatchObject({ externalId: feed[i].event.id, cn1: String(feed[i].seq), act: feed[i].event.action });
      }
      const last = got.at(-1)!;
      expect(last.msgId).toBe('ledger-checkpoint');
      expect(parseCef(last.msg).extension).toMatchObject({ cn1: String(cp!.size), msg: cp!.note });
    });

    it('loses nothing when rsyslog stops mid-stream: deliveries fail while it is down, and after it restarts every seq is there', async () => {
      const before = r.lines().length;
      const records = eventsOf(feed);
      const sink = createSyslogTlsSink({ ...config, timeoutMs: 3_000 }, {});
      const delivered: number[] = [];
      let failures = 0;
      let cursor = 0;
      let stopping: Promise<void> | null = null;
      let restarted = false;
      // The delivery loop the stream engine runs: a batch after the cursor, the cursor moves only on success, failures retry.
      while (cursor < records.length) {
        const batch = records.slice(cursor, cursor + 3);
        try {
          await sink.deliver(batch);
          delivered.push(...batch.map((b) => (b.kind === 'event' ? b.feed.seq : -1)));
          cursor += batch.length;
        } catch (err) {
          expect(err).toBeInstanceOf(SyslogDeliveryError);
          failures++;
          await sleep(20);
        }
        if (cursor >= 6 && !stopping) stopping = r.stop();
        if (stopping && !restarted && failures >= 3) {
          await stopping;
          await r.start();
          restarted = true;
        }
      }
      expect(restarted).toBe(true);
      expect(failures).toBeGreaterThanOrEqual(3);
      const got = (await r.waitForLines(before + records.length)).slice(before);
      const seen = new Set(got.map(seqOf));
      expect(feed.map((f) => f.seq).filter((s) => !seen.has(s))).toEqual([]);
      // In order of first arrival (a retried batch may repeat, never reorder).
      const firsts = got.map(seqOf).filter((s, i, all) => all.indexOf(s) === i);
      expect(firsts).toEqual(feed.map((f) => f.seq));
    });

    it('after a failure, sends again what it delivered just before the receiver went away, ahead of the next batch', async () => {
      const records = eventsOf(feed);
      const sink = createSyslogTlsSink({ ...config, timeoutMs: 3_000 }, {});
      const [a, b] = [records.slice(0, 3), records.slice(3, 6)];
      await sink.deliver(a);
      const before = (await r.waitForLines(r.lines().length)).length;
      await r.stop();
      expect(await refusalOf(sink.deliver(b))).toBeInstanceOf(SyslogDeliveryError);
      await r.start();
      await sink.deliver(b);
      const seqs = (f: StreamRecord[]) => f.map((x) => (x.kind === 'event' ? x.feed.seq : -1));
      const got = (await r.waitForLines(before + a.length + b.length)).slice(before).map(seqOf);
      // A receiver stopping may have dropped `a` after reading it: it comes again, in order, before `b`.
      expect(got).toEqual([...seqs(a), ...seqs(b)]);
      // Once delivered after the failure, nothing is replayed again.
      await sink.deliver(records.slice(6, 7));
      const next = (await r.waitForLines(before + a.length + b.length + 1)).slice(before + a.length + b.length).map(seqOf);
      expect(next).toEqual(seqs(records.slice(6, 7)));
    });

    it('rejects every delivery while rsyslog is down, without hanging', async () => {
      await r.stop();
      try {
        const sink = createSyslogTlsSink(config, {});
        const started = Date.now();
        const err = await refusalOf(sink.deliver(eventsOf(feed.slice(0, 2))));
        expect(err).toBeInstanceOf(SyslogDeliveryError);
        expect(err.stage).toBe('connect');
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await r.start();
      }
    });

    it('refuses a server whose certificate the configured CA did not sign', async () => {
      const rogue = await createRsyslog({ serverName: r.serverName });
      try {
        await rogue.start();
        const sink = createSyslogTlsSink({ ...config, port: rogue.port }, {});
        const err = await refusalOf(sink.deliver(eventsOf(feed.slice(0, 2))));
        expect(err).toBeInstanceOf(SyslogDeliveryError);
        expect(err.message).toMatch(/self[- ]signed|unable to verify|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED/i);
        // Nor do the system CAs trust it.
        const noCa = createSyslogTlsSink({ ...config, port: rogue.port, caCertificate: undefined }, {});
        await expect(noCa.deliver(eventsOf(feed.slice(0, 1)))).rejects.toBeInstanceOf(SyslogDeliveryError);
        await sleep(200);
        expect(rogue.lines()).toEqual([]);
      } finally {
        await rogue.close();
      }
    });

    it('refuses a server whose certificate names another host', async () => {
      const before = r.lines().length;
      const sink = createSyslogTlsSink({ ...config, serverName: 'other.keyledger.test' }, {});
      const err = await refusalOf(sink.deliver(eventsOf(feed.slice(0, 2))));
      expect(err).toBeInstanceOf(SyslogDeliveryError);
      expect(err.message).toMatch(/other\.keyledger\.test/);
      await sleep(200);
      expect(r.lines().length).toBe(before);
    });
  });
}

describe('syslog over TLS to a receiver that does not prove receipt', () => {
  let dir: string;
  let server: TlsServer;
  let caPem: string;
  let behaviour: 'hold' | 'drop-early' = 'hold';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyledger-tls-'));
    const ca = createTestCa(join(dir, 'ca'), 'test-ca');
    const cert = issueServerCertificate(ca, dir, ['syslog.keyledger.test']);
    caPem = ca.certPem;
    server = createTlsServer({ cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile), allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {});
      if (behaviour === 'drop-early') socket.once('data', () => socket.destroy());
      // 'hold': reads everything and never closes, as a receiver that hung would.
      else socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const record = (seq: number): StreamRecord => ({
    kind: 'event',
    feed: {
      seq,
      leafHash: '00'.repeat(32),
      event: { id: `e-${seq}`, seq, time: '2026-03-02T09:00:00.000Z', action: 'identity.organization.created', outcome: 'success', actor: { type: 'system', id: 's', display: 's' }, org: null, targets: [], context: { requestId: 'r', ip: null, userAgent: null }, data: { pad: 'x'.repeat(2000) }, v: 1 },
    },
  });
  const sinkFor = (timeoutMs: number) => createSyslogTlsSink({ host: '127.0.0.1', port: (server.address() as { port: number }).port, format: 'ocsf', caCertificate: caPem, serverName: 'syslog.keyledger.test', timeoutMs }, {});

  it('times out (and rejects) when the receiver never closes after the batch', async () => {
    behaviour = 'hold';
    const started = Date.now();
    const err = await refusalOf(sinkFor(500).deliver([record(0), record(1)]));
    expect(err.stage).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('rejects when the receiver drops the connection before reading the whole batch', async () => {
    behaviour = 'drop-early';
    const batch = Array.from({ length: 400 }, (_, i) => record(i));
    const err = await refusalOf(sinkFor(5_000).deliver(batch));
    expect(err).toBeInstanceOf(SyslogDeliveryError);
  });
});
