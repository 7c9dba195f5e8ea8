import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';

const ctx = systemContext('test', 'jsonl test');

for (const dialect of DIALECTS) {
  describe(`JSONL file destination rotates by size and age, on ${dialect}`, () => {
    const clock = new ManualClock(new Date());
    let t: TestRuntime;
    let dir: string;

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      dir = mkdtempSync(join(tmpdir(), 'keyledger-jsonl-'));
    });
    afterAll(async () => {
      await t?.rt.streamDelivery.stop();
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('closed files are named by their first and last seq, and all lines together cover every seq exactly once', async () => {
      const { rt } = t;
      const org = await rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' });
      const created = await rt.streamDestinations.create(ctx, { name: 'files', kind: 'jsonl_file', config: { directory: dir, maxBytes: 32_768, maxAgeSeconds: 60, batchSize: 5 } });
      const append = async (n: number) => {
        for (let i = 0; i < n; i++) await rt.runner.run(ctx, async ({ record }) => record({ action: 'identity.organization.updated', org: org.id, targets: [{ type: 'organization', id: org.id }], data: { before: {}, after: { i, pad: 'x'.repeat(200) } } }));
      };
      await append(60);
      await rt.streamDelivery.deliverOnce();
      const bySize = readdirSync(dir).filter((f) => /^keyledger-\d+-\d+\.jsonl$/.test(f));
      expect(bySize.length).toBeGreaterThan(1);

      // Age: the open file is closed at the next delivery once it is older than maxAgeSeconds, even if small.
      await append(2);
      await rt.streamDelivery.deliverOnce();
      const before = readdirSync(dir).filter((f) => /^keyledger-\d+-\d+\.jsonl$/.test(f)).length;
      // The open file holds lines below the size limit: only its age can close it now.
      expect(readFileSync(join(dir, 'keyledger-open.jsonl'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(0);
      clock.advance(61_000);
      await append(1);
      await rt.streamDelivery.deliverOnce();
      const closed = readdirSync(dir).filter((f) => /^keyledger-\d+-\d+\.jsonl$/.test(f));
      expect(closed.length).toBe(before + 1);

      const events = await rt.database.db.selectFrom('audit_events').select(['seq', 'body']).where('seq', '>', created.destination.health.cursorSeq).orderBy('seq').execute();
      const seqOf = new Map(events.map((e) => [(JSON.parse(e.body) as { id: string }).id, Number(e.seq)]));
      const seen: number[] = [];
      for (const file of closed) {
        const [, first, last] = /^keyledger-(\d+)-(\d+)\.jsonl$/.exec(file)!.map(Number);
        const seqs = readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean).flatMap((l) => {
          const uid = (JSON.parse(l) as { metadata: { uid: string } }).metadata.uid;
          return seqOf.has(uid) ? [seqOf.get(uid)!] : [];
        });
        expect({ file, first: seqs[0], last: seqs[seqs.length - 1] }).toEqual({ file, first, last });
        seen.push(...seqs);
      }
      const open = readdirSync(dir).includes('keyledger-open.jsonl') ? readFileSync(join(dir, 'keyledger-open.jsonl'), 'utf8').split('\n').filter(Boolean) : [];
      for (const l of open) {
        const uid = (JSON.parse(l) as { metadata: { uid: string } }).metadata.uid;
        if (seqOf.has(uid)) seen.push(seqOf.get(uid)!);
      }
      expect(seen.sort((a, b) => a - b)).toEqual(events.map((e) => Number(e.seq)));
      // Nothing half-written: no temporary files are left behind.
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  });
}
