import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { createTestPki, startTlsReceiver, type ReceivedRequest, type TlsReceiver } from '../support/tls-receiver.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { openDatabase } from '../../src/platform/database.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { systemContext } from '../../src/audit/event.ts';
import { openCheckpoint } from '../../src/audit/checkpoint-note.ts';
import { createRsyslog, type ReceivedMessage, type Rsyslog } from '../support/rsyslog.ts';
import { parseCef } from '../support/cef-parser.ts';

const ctx = systemContext('test', 'stream end to end');

/** Checks `Keyledger-Signature` as a receiver would: HMAC-SHA256(secret, t + "." + body), constant-time. */
function signatureValid(header: string | string[] | undefined, body: string, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  if (!m) return false;
  return timingSafeEqual(createHmac('sha256', secret).update(`${m[1]}.${body}`).digest(), Buffer.from(m[2], 'hex'));
}

/** The streamed checkpoints in a batch: OCSF Base Events (class 0) named "Keyledger ledger checkpoint", the signed note under `unmapped.keyledger`. */
function findCheckpoints(records: Array<Record<string, any>>): Array<{ size: number; rootHash: string; note: string }> {
  return records
    .filter((r) => r.class_uid === 0 && r.type_name === 'Keyledger ledger checkpoint' && r.unmapped?.keyledger?.kind === 'checkpoint')
    .map((r) => ({ size: r.unmapped.keyledger.size, rootHash: r.unmapped.keyledger.root_hash, note: r.unmapped.keyledger.note }));
}

const waitFor = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) => {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const dialect of DIALECTS) {
  describe(`the ledger streams to an HTTPS webhook and to a real rsyslog over TLS through outages and a restart, nothing lost, on ${dialect}`, () => {
    const pki = createTestPki();
    let database: TestDatabase;
    let dataDir: string;
    let config: Config;
    let receiver: TlsReceiver;
    let rsyslog: Rsyslog;
    let secret = '';
    let badSignatures = 0;
    const runtimes: Runtime[] = [];

    /** A runtime on its own connection to the shared database, streaming and sequencing as `keyledger start` does. */
    const openRuntime = async () => {
      const rt = await createRuntime(config, { database: openDatabase(database.target), logger: createLogger(process.env.KEYLEDGER_TEST_LOG ?? 'silent') });
      runtimes.push(rt);
      rt.sequencer.start();
      rt.streamDelivery.start();
      return rt;
    };
    const closeRuntime = async (rt: Runtime) => {
      await rt.streamDelivery.stop();
      await rt.sequencer.stop();
      await rt.close();
      runtimes.splice(runtimes.indexOf(rt), 1);
    };
    /** Appends `n` events at a steady pace; returns each one's seq and when its command returned. */
    const appendSteadily = async (rt: Runtime, orgId: string, n: number, everyMs = 10) => {
      const out: Array<{ seq: number; at: number }> = [];
      for (let i = 0; i < n; i++) {
        const { events } = await rt.runner.run(ctx, async ({ record }) => record({ action: 'identity.organization.updated', org: orgId, targets: [{ type: 'organization', id: orgId }], data: { before: {}, after: { i } } }));
        out.push({ seq: events[0].seq, at: Date.now() });
        await sleep(everyMs);
      }
      return out;
    };
    /** The events each accepted request carried, by seq (ids mapped through the ledger), in arrival order. */
    const receivedBatches = async (rt: Runtime) => {
      const rows = await rt.database.db.selectFrom('audit_events').select(['seq', 'body']).execute();
      const seqOf = new Map(rows.map((r) => [(JSON.parse(r.body) as { id: string }).id, Number(r.seq)]));
      return receiver.received.map((r) => {
        const records = JSON.parse(r.body) as Array<Record<string, any>>;
        return { at: r.at, header: r.headers['keyledger-batch'], seqs: records.flatMap((x) => (seqOf.has(x.metadata.uid) ? [seqOf.get(x.metadata.uid)!] : [])), checkpoints: findCheckpoints(records) };
      });
    };
    const head = async (rt: Runtime) => Number((await rt.database.db.selectFrom('ledger_head').select('next_seq').executeTakeFirstOrThrow()).next_seq) - 1;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      dataDir = mkdtempSync(join(tmpdir(), 'keyledger-data-'));
      config = loadConfig({ KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64'), PORT: '0', KEYLEDGER_SEQUENCER_INTERVAL_MS: '200' });
      receiver = await startTlsReceiver(pki);
      rsyslog = await createRsyslog();
      await rsyslog.start();
      receiver.answer = (r: ReceivedRequest) => {
        if (!signatureValid(r.headers['keyledger-signature'], r.body, secret)) {
          badSignatures++;
          return { status: 401, body: 'bad signature' };
        }
        return { status: 200 };
      };
    });
    afterAll(async () => {
      for (const rt of [...runtimes]) await closeRuntime(rt);
      await receiver?.stop();
      await rsyslog?.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('delivers every event in order, with verifying checkpoints, across a receiver outage and a runtime restart', async () => {
      let rt = await openRuntime();
      const org = await rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' });
      const created = await rt.streamDestinations.create(ctx, { name: 'SOC', kind: 'webhook', config: { url: `${receiver.url}/ingest`, caCertificate: pki.caPem, batchSize: 50 } });
      secret = created.secret!;
      const destId = created.destination.id;
      const firstSeq = created.destination.health.cursorSeq + 1;
      const health = () => rt.streamDestinations.health(destId);
      // The same ledger, as CEF over syslog/TLS, to a real rsyslogd.
      const syslog = await rt.streamDestinations.create(ctx, { name: 'rsyslog', kind: 'syslog_tls', config: { host: rsyslog.host, port: rsyslog.port, caCertificate: rsyslog.caPem, serverName: rsyslog.serverName, format: 'cef', batchSize: 50 } });
      const syslogId = syslog.destination.id;
      const syslogFirstSeq = syslog.destination.health.cursorSeq + 1;
      const syslogHealth = () => rt.streamDestinations.health(syslogId);

      // 1. A healthy receiver gets each event well under a second after its append.
      const phase1 = await appendSteadily(rt, org.id, 60);
      await waitFor('phase 1 delivered', async () => (await health()).cursorSeq >= phase1[phase1.length - 1].seq);
      const batches1 = await receivedBatches(rt);
      const arrival = new Map<number, number>();
      for (const b of batches1) for (const seq of b.seqs) if (!arrival.has(seq)) arrival.set(seq, b.at);
      const lags = phase1.map((p) => arrival.get(p.seq)! - p.at).sort((a, b) => a - b);
      expect(lags[Math.floor(lags.length * 0.99)]).toBeLessThan(1000);

      // 2. Both receivers go away: deliveries fail, health shows the lag and the error, one `failing` event each.
      await receiver.stop();
      await rsyslog.stop();
      const phase2 = await appendSteadily(rt, org.id, 30);
      await waitFor('failures', async () => (await health()).consecutiveFailures >= 2 && (await syslogHealth()).consecutiveFailures >= 2);
      const failing = await health();
      expect(failing).toMatchObject({ status: 'failing', lastError: expect.any(String), lastErrorAt: expect.any(String), nextAttemptAt: expect.any(String) });
      expect(failing.lagEvents).toBeGreaterThanOrEqual(phase2.length);
      expect(failing.lagSeconds).toBeGreaterThan(0);
      const eventsFor = async (action: string, id: string) =>
        (await rt.database.db.selectFrom('audit_events').select(['body']).where('action', '=', action).execute()).filter((r) => (JSON.parse(r.body) as { targets: Array<{ id: string }> }).targets.some((t) => t.id === id));
      const failingEvents = () => eventsFor('stream.destination.failing', destId);
      expect((await syslogHealth()).status).toBe('failing');
      expect((await eventsFor('stream.destination.failing', syslogId)).length).toBe(1);
      expect((await failingEvents()).length).toBe(1);

      // 3. They come back; more events are appended and this runtime closes mid-stream.
      await receiver.start();
      await rsyslog.start();
      const phase3 = await appendSteadily(rt, org.id, 20, 0);
      const atClose = await health();
      await closeRuntime(rt);

      // 4. A new runtime on the same database carries on from the cursor.
      rt = await openRuntime();
      const phase4 = await appendSteadily(rt, org.id, 40);
      expect(phase4[0].seq).toBeGreaterThan(phase3[phase3.length - 1].seq);
      await waitFor('everything delivered and a checkpoint for the head', async () => {
        const h = await health();
        const top = await head(rt);
        return h.cursorSeq === top && (await syslogHealth()).cursorSeq === top && (await receivedBatches(rt)).some((b) => b.checkpoints.some((c) => c.size === top + 1));
      });

      const batches = await receivedBatches(rt);
      if (process.env.STREAM_E2E_DEBUG) console.log({ p99: lags[Math.floor(lags.length * 0.99)], atClose, requests: batches.length, lastPhase3: phase3[phase3.length - 1].seq });
      // The runtime closed with events still to deliver (the receiver's retry was not yet due).
      expect(atClose.cursorSeq).toBeLessThan(phase3[phase3.length - 1].seq);
      expect(badSignatures).toBe(0);
      // Every seq from the destination's start to the head arrived; each request is a contiguous, ascending run.
      const top = await head(rt);
      const seen = new Map<number, number>();
      for (const b of batches) {
        for (let i = 1; i < b.seqs.length; i++) expect(b.seqs[i]).toBe(b.seqs[i - 1] + 1);
        if (b.seqs.length) expect(b.header).toBe(`${b.seqs[0]}-${b.seqs[b.seqs.length - 1]}`);
        for (const seq of b.seqs) seen.set(seq, (seen.get(seq) ?? 0) + 1);
      }
      const missing = [];
      for (let seq = firstSeq; seq <= top; seq++) if (!seen.has(seq)) missing.push(seq);
      expect(missing).toEqual([]);
      // A seq arrives twice only when a whole batch was sent again from the same cursor.
      const duplicated = [...seen].filter(([, n]) => n > 1).map(([seq]) => seq);
      for (const seq of duplicated) {
        const starts = new Set(batches.filter((b) => b.seqs.includes(seq)).map((b) => b.seqs[0]));
        expect({ seq, starts: starts.size }).toEqual({ seq, starts: 1 });
      }
      // Checkpoints arrive and verify: signed by the ledger key, and size/root as the ledger holds them.
      const checkpoints = batches.flatMap((b) => b.checkpoints);
      expect(checkpoints.length).toBeGreaterThan(0);
      for (const cp of checkpoints) {
        const opened = openCheckpoint(cp.note, rt.signer.verifierKey);
        expect(opened.size).toBe(cp.size);
        expect(Buffer.from(opened.rootHash).toString('base64')).toBe(cp.rootHash);
        const stored = await rt.database.db.selectFrom('ledger_checkpoints').select(['root_hash']).where('size', '=', cp.size).executeTakeFirstOrThrow();
        expect(Buffer.from(stored.root_hash).toString('base64')).toBe(cp.rootHash);
      }
      // Checkpoints come after the events they cover.
      for (const b of batches) for (const cp of b.checkpoints) if (b.seqs.length) expect(cp.size).toBeLessThanOrEqual(b.seqs[b.seqs.length - 1] + 1);

      // The outage is one `failing` and one `recovered` event, and the destination is healthy again.
      expect((await failingEvents()).length).toBe(1);
      const recovered = await eventsFor('stream.destination.recovered', destId);
      expect(recovered.length).toBe(1);
      expect(JSON.parse(recovered[0].body).data).toMatchObject({ kind: 'webhook', failedAttempts: expect.any(Number) });
      expect(await health()).toMatchObject({ status: 'healthy', consecutiveFailures: 0, lagEvents: 0 });

      // rsyslog, stopped and started again, holds every seq from its destination's start to the head (CEF, seq in the
      // structured data and in cn1), in ascending runs; a seq twice only where a batch was resent, and signed checkpoints.
      const top2 = await head(rt);
      const messages = await rsyslog.waitForLines(top2 - syslogFirstSeq + 1);
      const seqOfMessage = (m: ReceivedMessage) => Number(/ seq="(\d+)"/.exec(m.structuredData)?.[1] ?? NaN);
      const eventMessages = messages.filter((m) => m.msgId === 'ledger-event');
      for (const m of eventMessages) expect(parseCef(m.msg).extension.cn1).toBe(String(seqOfMessage(m)));
      const syslogSeen = new Set(eventMessages.map(seqOfMessage));
      const syslogMissing = [];
      for (let seq = syslogFirstSeq; seq <= top2; seq++) if (!syslogSeen.has(seq)) syslogMissing.push(seq);
      expect(syslogMissing).toEqual([]);
      expect(eventMessages.filter((m) => seqOfMessage(m) < syslogFirstSeq)).toEqual([]);
      const cpMessages = messages.filter((m) => m.msgId === 'ledger-checkpoint');
      expect(cpMessages.length).toBeGreaterThan(0);
      for (const m of cpMessages) {
        const cef = parseCef(m.msg).extension;
        expect(openCheckpoint(cef.msg, rt.signer.verifierKey).size).toBe(Number(cef.cn1));
      }
      expect((await eventsFor('stream.destination.failing', syslogId)).length).toBe(1);
      expect((await eventsFor('stream.destination.recovered', syslogId)).length).toBe(1);
      expect(await syslogHealth()).toMatchObject({ status: 'healthy', consecutiveFailures: 0, lagEvents: 0 });
    });
  });
}
