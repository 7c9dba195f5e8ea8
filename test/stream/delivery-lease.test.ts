import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { createTestPki, startTlsReceiver, type TlsReceiver } from '../support/tls-receiver.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { openDatabase } from '../../src/platform/database.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { systemContext } from '../../src/audit/event.ts';

const ctx = systemContext('test', 'lease test');

for (const dialect of DIALECTS) {
  describe(`two delivery engines on one database, on ${dialect}`, () => {
    const pki = createTestPki();
    let database: TestDatabase;
    let dataDir: string;
    let receiver: TlsReceiver;
    let a: Runtime;
    let b: Runtime;
    let orgId: string;

    const append = async (rt: Runtime, n: number) => {
      for (let i = 0; i < n; i++) await rt.runner.run(ctx, async ({ record }) => record({ action: 'identity.organization.updated', org: orgId, targets: [{ type: 'organization', id: orgId }], data: { before: {}, after: { i } } }));
    };
    /** Seqs of the events each request carried, in arrival order. */
    const receivedSeqs = async () => {
      const rows = await a.database.db.selectFrom('audit_events').select(['seq', 'body']).execute();
      const seqOf = new Map(rows.map((r) => [(JSON.parse(r.body) as { id: string }).id, Number(r.seq)]));
      return receiver.received.map((r) => (JSON.parse(r.body) as Array<{ metadata: { uid: string } }>).flatMap((x) => (seqOf.has(x.metadata.uid) ? [seqOf.get(x.metadata.uid)!] : [])));
    };

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      dataDir = mkdtempSync(join(tmpdir(), 'keyledger-data-'));
      const config = loadConfig({ KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64'), PORT: '0' });
      const open = () => createRuntime(config, { database: openDatabase(database.target), logger: createLogger('silent') });
      a = await open();
      b = await open();
      orgId = (await a.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' })).id;
      receiver = await startTlsReceiver(pki);
    });
    afterAll(async () => {
      for (const rt of [a, b]) await rt?.close();
      await receiver?.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('never deliver to one destination at the same time: each batch goes out once, one request at a time', async () => {
      const created = await a.streamDestinations.create(ctx, { name: 'SOC', kind: 'webhook', config: { url: `${receiver.url}/ingest`, caCertificate: pki.caPem, batchSize: 10 } });
      receiver.delayMs = 20;
      let appending = true;
      const writer = (async () => {
        await append(a, 60);
        await append(b, 60);
        appending = false;
      })();
      const pump = async (rt: Runtime) => {
        while (appending) await rt.streamDelivery.deliverOnce();
        await rt.streamDelivery.deliverOnce();
      };
      await Promise.all([writer, pump(a), pump(b), pump(a), pump(b)]);
      await a.streamDelivery.deliverOnce();
      expect(receiver.maxInFlight).toBe(1);
      const batches = await receivedSeqs();
      const seqs = batches.flat();
      const head = (await a.streamDestinations.health(created.destination.id)).headSeq;
      const expected = Array.from({ length: head - created.destination.health.cursorSeq }, (_, i) => created.destination.health.cursorSeq + 1 + i);
      // No failures here, so no retries: every seq exactly once, in order.
      expect(seqs).toEqual(expected);
      await a.streamDestinations.remove(ctx, created.destination.id);
    });

    it('a delivery whose lease was fenced off (here by a rewind) cannot move the cursor afterwards', async () => {
      const created = await a.streamDestinations.create(ctx, { name: 'slow', kind: 'webhook', config: { url: `${receiver.url}/slow`, caCertificate: pki.caPem, batchSize: 500 } });
      const id = created.destination.id;
      await append(a, 10);
      receiver.received.length = 0;
      receiver.delayMs = 400;
      const inFlight = a.streamDelivery.deliverOnce();
      while (receiver.received.length === 0) await new Promise((r) => setTimeout(r, 10));
      const rewindTo = created.destination.health.cursorSeq + 1;
      await b.streamDestinations.rewind(ctx, id, rewindTo);
      await inFlight;
      // The batch was accepted by the receiver, but the cursor is where the rewind put it.
      expect((await a.streamDestinations.health(id)).cursorSeq).toBe(rewindTo - 1);
      receiver.delayMs = 0;
      await b.streamDelivery.deliverOnce();
      const h = await b.streamDestinations.health(id);
      expect(h.cursorSeq).toBe(h.headSeq);
      // The second delivery starts again at the rewound seq.
      const batches = await receivedSeqs();
      expect(batches[batches.length - 1][0]).toBe(rewindTo);
    });
  });
}
