/**
 * The ledger's read side through the services: inclusion proofs of every
 * event against every signed checkpoint that covers it, consistency proofs
 * between every pair of checkpoints, the refusals, and gap-free sequence
 * numbers under concurrent and rolled-back commands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { systemContext } from '../../src/audit/event.ts';
import { appendEvents } from '../../src/audit/append-events.ts';
import { verifyLedger } from '../../src/audit/verify-ledger.ts';
import { verifyConsistency, verifyInclusion } from '../../src/audit/merkle-proof.ts';
import { openCheckpoint } from '../../src/audit/checkpoint-note.ts';
import type { Checkpoint } from '../../src/audit/sequencer.ts';

const ctx = systemContext('test', 'ledger proofs test');
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafOf = (body: string) => sha256(Buffer.from([0x00]), Buffer.from(body, 'utf8'));
const b64 = (s: string) => Buffer.from(s, 'base64');

/** RFC 6962 §2.1 Merkle Tree Hash, written out plainly as the reference. */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256(Buffer.alloc(0));
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([0x01]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

async function seqs(t: TestRuntime): Promise<number[]> {
  return (await t.rt.database.db.selectFrom('audit_events').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
}

let emails = 0;
const newUser = (t: TestRuntime) => t.rt.identity.createUser(ctx, { email: `person${++emails}@example.com` });

for (const dialect of DIALECTS) {
  describe(`ledger proofs on ${dialect}`, () => {
    let t: TestRuntime;
    const checkpoints: Checkpoint[] = [];
    let events: Array<{ id: string; seq: number; body: string }> = [];
    let leaves: Buffer[] = [];
    let verifierKey = '';
    /** The signed root of a checkpoint, read from its note under the published key. */
    const signedRoot = (cp: Checkpoint) => {
      const opened = openCheckpoint(cp.note, verifierKey, t.rt.signer.keyName);
      expect(opened.size).toBe(cp.size);
      return opened.rootHash;
    };

    beforeAll(async () => {
      t = await createTestRuntime(dialect);
      verifierKey = t.rt.signer.verifierKey;
      const take = (cp: Checkpoint | null) => {
        expect(cp).not.toBeNull();
        checkpoints.push(cp!);
      };
      take(await t.rt.sequencer.integrateAll()); // size 1: the ledger key event alone
      for (const batch of [2, 5, 8, 1, 15]) {
        for (let i = 0; i < batch; i++) await newUser(t);
        take(await t.rt.sequencer.integrateAll());
      }
      // one pile of appends integrated in several smaller batches: several checkpoints
      for (let i = 0; i < 11; i++) await newUser(t);
      for (let i = 0; i < 3; i++) take(await t.rt.sequencer.integrate(4));
      expect(await t.rt.sequencer.integrate(4)).toBeNull();
      events = (await t.rt.database.db.selectFrom('audit_events').select(['id', 'seq', 'body']).orderBy('seq').execute()).map((r) => ({ ...r, seq: Number(r.seq) }));
      leaves = events.map((e) => leafOf(e.body));
    }, 60_000);
    afterAll(async () => t?.close());

    it('signs a checkpoint per batch, each the RFC 6962 root of the events it covers', async () => {
      expect(checkpoints.map((c) => c.size)).toEqual([1, 3, 8, 16, 17, 32, 36, 40, 43]);
      const stored = await t.rt.database.db.selectFrom('ledger_checkpoints').select('size').orderBy('size').execute();
      expect(stored.map((r) => Number(r.size))).toEqual(checkpoints.map((c) => c.size));
      expect(events.map((e) => e.seq)).toEqual([...Array(43).keys()]);
      for (const cp of checkpoints) expect(signedRoot(cp).equals(mth(leaves.slice(0, cp.size))), `size ${cp.size}`).toBe(true);
      expect((await t.rt.ledger.latestCheckpoint())?.size).toBe(43);
    });

    it('proves every event against the latest checkpoint and against every older checkpoint that contains it', async () => {
      let proofs = 0;
      for (const event of events) {
        const latest = await t.rt.ledger.inclusionProof(event.id);
        expect(latest.treeSize).toBe(43);
        for (const cp of checkpoints) {
          if (cp.size <= event.seq) {
            await expect(t.rt.ledger.inclusionProof(event.id, cp.size), `seq ${event.seq} in ${cp.size}`).rejects.toMatchObject({ code: 'ledger.event_not_sequenced' });
            continue;
          }
          const proof = await t.rt.ledger.inclusionProof(event.id, cp.size);
          expect(proof).toMatchObject({ eventId: event.id, leafIndex: event.seq, treeSize: cp.size, checkpoint: cp.note, canonicalEvent: event.body });
          const leaf = leafOf(proof.canonicalEvent);
          expect(proof.leafHash).toBe(leaf.toString('base64'));
          const path = proof.proof.map(b64);
          expect(() => verifyInclusion(leaf, event.seq, cp.size, path, signedRoot(cp)), `seq ${event.seq} in ${cp.size}`).not.toThrow();
          if (path.length > 0) {
            const bent = path.map((h, i) => (i === 0 ? sha256(h) : h));
            expect(() => verifyInclusion(leaf, event.seq, cp.size, bent, signedRoot(cp))).toThrow();
          }
          proofs++;
        }
      }
      expect(proofs).toBeGreaterThan(events.length * 3);
    }, 120_000);

    it('proves consistency between every pair of checkpoints, and from every size to the latest', async () => {
      for (const from of checkpoints) {
        for (const to of checkpoints) {
          if (from.size > to.size) {
            await expect(t.rt.ledger.consistencyProof(from.size, to.size)).rejects.toMatchObject({ code: 'ledger.range_invalid' });
            continue;
          }
          const proof = await t.rt.ledger.consistencyProof(from.size, to.size);
          expect(proof).toMatchObject({ fromSize: from.size, toSize: to.size, fromCheckpoint: from.note, toCheckpoint: to.note, fromRoot: from.rootHash.toString('base64') });
          const path = proof.proof.map(b64);
          expect(() => verifyConsistency(from.size, to.size, path, signedRoot(from), signedRoot(to)), `${from.size} -> ${to.size}`).not.toThrow();
          if (from.size < to.size) expect(() => verifyConsistency(from.size, to.size, path, sha256(signedRoot(from)), signedRoot(to))).toThrow();
        }
      }
      const latest = checkpoints[checkpoints.length - 1];
      for (let m = 1; m <= latest.size; m++) {
        const proof = await t.rt.ledger.consistencyProof(m);
        expect(proof.fromRoot).toBe(mth(leaves.slice(0, m)).toString('base64'));
        expect(() => verifyConsistency(m, latest.size, proof.proof.map(b64), mth(leaves.slice(0, m)), signedRoot(latest)), `${m} -> ${latest.size}`).not.toThrow();
      }
    }, 120_000);

    it('refuses proofs it cannot give, with stable codes', async () => {
      const latest = checkpoints[checkpoints.length - 1];
      await expect(t.rt.ledger.consistencyProof(0)).rejects.toMatchObject({ code: 'ledger.range_invalid' });
      await expect(t.rt.ledger.consistencyProof(0, 8)).rejects.toMatchObject({ code: 'ledger.range_invalid' });
      await expect(t.rt.ledger.consistencyProof(latest.size + 1)).rejects.toMatchObject({ code: 'ledger.range_invalid' });
      await expect(t.rt.ledger.consistencyProof(16, 8)).rejects.toMatchObject({ code: 'ledger.range_invalid' });
      await expect(t.rt.ledger.consistencyProof(2, 5)).rejects.toMatchObject({ code: 'ledger.checkpoint_not_found' });
      await expect(t.rt.ledger.inclusionProof(events[1].id, 5)).rejects.toMatchObject({ code: 'ledger.checkpoint_not_found' });
      await expect(t.rt.ledger.inclusionProof('01900000-0000-7000-8000-000000000000')).rejects.toMatchObject({ code: 'ledger.event_not_found' });
      // appended but not yet integrated: beyond every signed checkpoint
      const user = await newUser(t);
      const [pending] = await t.rt.database.db.selectFrom('audit_events').select(['id', 'seq']).where('seq', '=', latest.size).execute();
      expect(pending).toBeDefined();
      expect(JSON.parse((await t.rt.database.db.selectFrom('audit_events').select('body').where('id', '=', pending.id).executeTakeFirstOrThrow()).body).targets[0].id).toBe(user.id);
      await expect(t.rt.ledger.inclusionProof(pending.id)).rejects.toMatchObject({ code: 'ledger.event_not_sequenced' });
      await expect(t.rt.ledger.inclusionProof(pending.id, latest.size)).rejects.toMatchObject({ code: 'ledger.event_not_sequenced' });
      const next = await t.rt.sequencer.integrateAll();
      expect(next?.size).toBe(latest.size + 1);
      const proof = await t.rt.ledger.inclusionProof(pending.id);
      expect(() => verifyInclusion(b64(proof.leafHash), proof.leafIndex, proof.treeSize, proof.proof.map(b64), signedRoot(next!))).not.toThrow();
    });
  });

  describe(`sequence numbers on ${dialect}`, () => {
    /** A command whose event is appended, after which its transaction fails and rolls back. */
    const failAfterRecording = (t: TestRuntime) =>
      t.rt.runner.run(ctx, async ({ record }) => {
        // appendEvents inserts the event, then its target row fails NOT NULL
        record({ action: 'identity.user.created', targets: [{ type: 'user', id: null as unknown as string }], data: {} });
      });
    /** Appends through appendEvents itself, then throws inside the same transaction. */
    const appendThenThrow = (t: TestRuntime, marker: string) =>
      t.rt.database.db.transaction().execute(async (trx) => {
        const [event] = await appendEvents(trx, ctx, [{ action: 'identity.user.created', targets: [{ type: 'user', id: marker }], data: {} }], { time: new Date().toISOString(), newId: t.rt.newId });
        expect(event.seq).toBeGreaterThan(0);
        throw new Error(`rolled back after appending ${marker}`);
      });

    it('200 concurrent commands, with failures among them, get sequence numbers 0..N-1 with no gap or duplicate', async () => {
      const t = await createTestRuntime(dialect);
      try {
        const base = emails;
        const ok: Array<Promise<{ id: string; email: string }>> = [];
        const duplicates: typeof ok = [];
        const failing: Array<Promise<unknown>> = [];
        for (let i = 0; i < 200; i++) {
          ok.push(t.rt.identity.createUser(ctx, { email: `person${base + i}@example.com` }));
          if (i % 20 === 0) {
            // the same email, submitted right after: the two race, exactly one may win
            duplicates.push(t.rt.identity.createUser(ctx, { email: `PERSON${base + i}@example.com` }));
            failing.push(failAfterRecording(t), appendThenThrow(t, `ghost-${i}`));
          }
        }
        emails += 200;
        const [created, refused, dup] = await Promise.all([Promise.allSettled(ok), Promise.allSettled(failing), Promise.allSettled(duplicates)]);
        expect(refused.every((r) => r.status === 'rejected')).toBe(true);
        const lost = [...created, ...dup].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(lost).toHaveLength(10);
        expect(lost.map((r) => (r.reason as { code?: string }).code ?? String(r.reason))).toEqual(Array(10).fill('user.email_taken'));
        const winners = [...created, ...dup].filter((r): r is PromiseFulfilledResult<{ id: string; email: string }> => r.status === 'fulfilled').map((r) => r.value);
        expect(new Set(winners.map((u) => u.email)).size).toBe(200);

        const n = 1 + 200;
        expect(await seqs(t)).toEqual([...Array(n).keys()]);
        const head = await t.rt.database.db.selectFrom('ledger_head').select('next_seq').executeTakeFirstOrThrow();
        expect(Number(head.next_seq)).toBe(n);
        const targets = await t.rt.database.db.selectFrom('audit_event_targets').select('target_id').execute();
        expect(targets.map((r) => r.target_id).filter((id) => id === null || id.startsWith('ghost-'))).toEqual([]);
        const userIds = new Set(winners.map((u) => u.id));
        expect(new Set(targets.map((r) => r.target_id))).toEqual(new Set([...userIds, 'ledger-key-1']));

        expect((await t.rt.sequencer.integrateAll())?.size).toBe(n);
        expect(await verifyLedger(t.rt.database.db)).toMatchObject({ ok: true, events: n, treeSize: n, unsignedEvents: 0 });
      } finally {
        await t.close();
      }
    }, 120_000);

    it('a command that fails, before or after recording its event, leaves no gap', async () => {
      const t = await createTestRuntime(dialect);
      try {
        const first = await newUser(t);
        await expect(t.rt.identity.createUser(ctx, { email: first.email.toUpperCase() })).rejects.toMatchObject({ code: 'user.email_taken' });
        await expect(failAfterRecording(t)).rejects.toThrow();
        await expect(appendThenThrow(t, 'ghost')).rejects.toThrow('rolled back after appending ghost');
        expect(await seqs(t)).toEqual([0, 1]);
        const second = await newUser(t);
        expect(await seqs(t)).toEqual([0, 1, 2]);
        const { events } = await t.rt.ledger.listEvents({}, { limit: 10 });
        expect(events.map((e) => [e.seq, e.action, e.targets[0].id])).toEqual([
          [0, 'ledger.signing_key.created', 'ledger-key-1'],
          [1, 'identity.user.created', first.id],
          [2, 'identity.user.created', second.id],
        ]);
        await t.rt.sequencer.integrateAll();
        expect(await verifyLedger(t.rt.database.db)).toMatchObject({ ok: true, events: 3, treeSize: 3 });
      } finally {
        await t.close();
      }
    }, 60_000);
  });
}
