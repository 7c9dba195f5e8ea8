import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzipSync, zipSync } from 'fflate';
import { systemContext } from '../../src/audit/event.ts';
import { createEvidenceContext } from '../../src/evidence/collect.ts';
import type { CriterionSection } from '../../src/evidence/model.ts';
import { embedCitedEvents } from '../../src/evidence/package/embed-ledger.ts';
import { verifyEvidencePackage } from '../../src/evidence/package/verify-package.ts';
import { writeEvidencePackage } from '../../src/evidence/package/write-package.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BUILDERS, newSigner, newUserRow } from './package-fixture.ts';

const ctx = systemContext('test', 'evidence package test');

describe.each(DIALECTS)('an evidence package from a real ledger on %s', (dialect) => {
  const clock = new ManualClock('2026-03-01T08:00:00.000Z');
  let t: TestRuntime;
  beforeAll(async () => {
    t = await createTestRuntime(dialect, { clock });
    await t.rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' });
    await t.rt.identity.createOrganization(ctx, { slug: 'other', name: 'Other' });
    for (let i = 0; i < 12; i++) {
      clock.advance(3_600_000);
      await t.rt.identity.createUser(ctx, { email: `user${i}@acme.example` }, { orgRef: i % 3 === 2 ? 'other' : 'acme' });
    }
    await t.rt.sequencer.integrateAll();
    clock.advance(3_600_000);
    for (let i = 0; i < 5; i++) await t.rt.identity.createUser(ctx, { email: `late${i}@acme.example` }, { orgRef: 'acme' });
  }, 60_000);
  afterAll(async () => t?.close());

  async function build() {
    const rt = t.rt;
    const window = { org: 'acme', from: '2026-03-01T10:00:00.000Z', to: '2026-03-02T00:00:00.000Z' };
    const ectx = await createEvidenceContext(rt, window);
    const { events } = await rt.ledger.listEvents({ actionPrefix: 'identity.user.created' }, { limit: 100 });
    const created = events.filter((e) => e.action === 'identity.user.created' && e.org === ectx.org.id && e.seq < ectx.checkpoint.size).sort((a, b) => a.seq - b.seq);
    const consistency = await rt.ledger.consistencyProof(3);
    const section: CriterionSection = {
      id: 'CC6.2',
      title: 'New users',
      summary: 'Users created.',
      status: 'info',
      headline: `${created.length} users were created.`,
      facts: [],
      tables: [
        {
          name: 'new-users',
          title: 'New users',
          description: 'From the ledger.',
          columns: ['user_id', 'email', 'created_at', 'in_window'].map((name) => ({ name, description: name })),
          rows: created.map((e) => ({ row: newUserRow([e], ectx.params), cites: [e.id] })),
          recompute: 'test.new-user',
          sampleKey: 'user_id',
        },
      ],
      charts: [],
      attachments: [],
    };
    const integrity: CriterionSection = { ...section, id: 'log-integrity', tables: [], attachments: [{ name: 'consistency-proof.json', content: JSON.stringify(consistency, null, 2) + '\n', description: 'proof' }] };
    const ledger = await embedCitedEvents(rt, ectx, [section, integrity]);
    return { ectx, created, ledger, zip: writeEvidencePackage({ ctx: ectx, sections: [section, integrity], ledger, signer: rt.signer, sampling: { seed: 's1', sizes: { 'CC6.2/new-users': 4 } } }) };
  }

  it('embeds exactly the cited events with a batch proof that verifies against the signed checkpoint', async () => {
    const { ectx, created, ledger, zip } = await build();
    expect(created).toHaveLength(13);
    expect(ledger.events.map((e) => e.seq)).toEqual(created.map((e) => e.seq));
    expect(ledger.proof.treeSize).toBe(ectx.checkpoint.size);
    expect(ledger.proof.hashes.length).toBeGreaterThan(0);
    const r = verifyEvidencePackage(zip, { verifierKey: t.rt.signer.verifierKey, builders: BUILDERS });
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, pinned: true, checkpoint: { size: ectx.checkpoint.size, rootHash: ectx.checkpoint.rootHash }, counts: { events: 13, rows: 13, rowsRecomputed: 13 } });
    expect(r.checks.filter((c) => c.result !== 'ok')).toEqual([]);
  });

  it('is refused when an embedded event is changed, or when pinned to another key', async () => {
    const { zip } = await build();
    const files = unzipSync(zip);
    files['ledger/events.jsonl'] = Buffer.from(Buffer.from(files['ledger/events.jsonl']).toString().replace('user4@', 'user5@'));
    const r = verifyEvidencePackage(zipSync(files), { verifierKey: t.rt.signer.verifierKey, builders: BUILDERS });
    expect(r.problems.map((p) => p.code)).toEqual(['file.digest_mismatch', 'events.leaf_mismatch', 'proof.root_mismatch', 'table.row_mismatch']);
    const other = verifyEvidencePackage(zip, { verifierKey: newSigner(t.rt.signer.keyName).verifierKey, builders: BUILDERS });
    expect(other.ok).toBe(false);
    expect(other.problems[0]).toMatchObject({ code: 'key.mismatch', file: 'ledger/verifier-key.txt' });
  });

  it('refuses to embed an event the checkpoint does not cover', async () => {
    const ectx = await createEvidenceContext(t.rt, { org: 'acme', from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' });
    const section = { id: 'CC6.2', tables: [{ rows: [{ row: {}, cites: ['0190a000-0000-7000-8000-000000000000'] }] }] } as unknown as CriterionSection;
    await expect(embedCitedEvents(t.rt, ectx, [section])).rejects.toMatchObject({ code: 'ledger.event_not_found' });
  });
});
