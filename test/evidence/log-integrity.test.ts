import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { verifyProofDocument } from '../../src/audit/verify-proof-file.ts';
import { collectLogIntegrity } from '../../src/evidence/criteria/log-integrity.ts';
import { rowsNotRecomputable, sectionFor, table } from './sections.ts';

const admin = systemContext('test', 'log integrity test');
const HOUR = 3_600_000;

for (const dialect of DIALECTS) {
  describe(`evidence log integrity on ${dialect}`, () => {
    const clock = new ManualClock('2026-05-01T08:00:00.000Z');
    let t: TestRuntime;
    let startSize: number;

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      await t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme' });
      await t.rt.identity.createUser(admin, { email: 'ada@acme.test', name: 'Ada' }, { orgRef: 'acme' });
      await t.rt.sequencer.integrateAll();
      startSize = (await t.rt.ledger.latestCheckpoint())!.size;
      clock.advance(2 * HOUR);
      for (const name of ['bob', 'carol', 'dan']) await t.rt.identity.createUser(admin, { email: `${name}@acme.test`, name }, { orgRef: 'acme' });
      clock.advance(HOUR);
    });
    afterAll(async () => t?.close());

    it('proves the package checkpoint extends the last checkpoint before the window, with both signed notes', async () => {
      const window = { org: 'acme', from: '2026-05-01T09:00:00.000Z', to: '2026-05-01T12:00:00.000Z' };
      const section = await sectionFor(t.rt, collectLogIntegrity, window);
      const end = (await t.rt.ledger.latestCheckpoint())!;
      expect(end.size).toBeGreaterThan(startSize);
      expect(section).toMatchObject({ id: 'log-integrity', status: 'pass' });
      expect(section.attachments.map((a) => a.name)).toEqual(['consistency-proof.json', 'checkpoint-window-start.txt', 'checkpoint-window-end.txt']);
      const proof = JSON.parse(section.attachments[0].content);
      expect(proof).toEqual(await t.rt.ledger.consistencyProof(startSize, end.size));
      expect(Object.keys(proof)).toEqual(['fromSize', 'toSize', 'fromRoot', 'toRoot', 'proof', 'fromCheckpoint', 'toCheckpoint']);
      expect(section.attachments[1].content).toBe((await t.rt.ledger.checkpointAt(startSize))!.note);
      expect(section.attachments[2].content).toBe(end.note);
      // The proof checks offline against the published verifier key.
      const keys = table(section, 'signing-keys').rows;
      expect(keys).toHaveLength(1);
      const verified = verifyProofDocument(proof, keys[0].row.verifier_key as string);
      expect(verified).toMatchObject({ kind: 'consistency', treeSize: end.size });
      expect(await rowsNotRecomputable(t.rt, table(section, 'signing-keys'), window)).toEqual([]);

      expect(table(section, 'checkpoints').rows.map((r) => [r.row.checkpoint, r.row.tree_size, r.row.file])).toEqual([
        ['window_start', startSize, 'checkpoint-window-start.txt'],
        ['package', end.size, 'checkpoint-window-end.txt'],
      ]);
      expect(table(section, 'checkpoints').rows[1].row.root_hash).toBe(end.rootHash.toString('base64'));
      expect(table(section, 'retention').rows[0].row.statement).toMatch(/^Keyledger keeps every ledger event\. No pruning is configured/);
      expect(table(section, 'verification').rows.map((r) => r.row.command)).toContain('keyledger evidence verify FILE.zip');
      expect(section.facts.find((f) => f.label === 'Events appended from that checkpoint to the package checkpoint')?.value).toBe(end.size - startSize);
    });

    it('a tampered proof does not verify', async () => {
      const window = { org: 'acme', from: '2026-05-01T09:00:00.000Z', to: '2026-05-01T12:00:00.000Z' };
      const section = await sectionFor(t.rt, collectLogIntegrity, window);
      const proof = JSON.parse(section.attachments[0].content);
      const key = table(section, 'signing-keys').rows[0].row.verifier_key as string;
      const flip = (b64: string) => {
        const b = Buffer.from(b64, 'base64');
        b[0] ^= 1;
        return b.toString('base64');
      };
      const codeOf = (doc: Record<string, unknown>) => {
        try {
          verifyProofDocument(doc, key);
          return 'verified';
        } catch (err) {
          return (err as { code?: string }).code;
        }
      };
      expect(codeOf(proof)).toBe('verified');
      expect(proof.proof.length).toBeGreaterThan(0);
      expect(codeOf({ ...proof, fromRoot: flip(proof.fromRoot) })).toBe('ledger.proof_invalid');
      expect(codeOf({ ...proof, proof: [flip(proof.proof[0]), ...proof.proof.slice(1)] })).toBe('ledger.proof_invalid');
    });

    it('with no checkpoint before the window it proves from the first event and says so, with no window-start note', async () => {
      const window = { org: 'acme', from: '2026-04-01T00:00:00.000Z', to: '2026-05-01T12:00:00.000Z' };
      const section = await sectionFor(t.rt, collectLogIntegrity, window);
      expect(section.status).toBe('pass');
      expect(section.attachments.map((a) => a.name)).toEqual(['consistency-proof.json', 'checkpoint-window-end.txt']);
      expect(JSON.parse(section.attachments[0].content)).toMatchObject({ fromSize: 1 });
      expect(table(section, 'checkpoints').rows[0].row).toMatchObject({ checkpoint: 'window_start', tree_size: null, file: expect.stringMatching(/^none: no checkpoint was signed before the window start/) });
      expect(section.facts.find((f) => f.label === 'Checkpoint before the window')?.value).toMatch(/^none/);
    });
  });
}
