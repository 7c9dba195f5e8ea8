/**
 * The console's "verify" button end to end: events appended through the API,
 * a checkpoint signed, then the event, its proof, the checkpoint and the
 * published key read back through the HTTP API exactly as the console reads
 * them, and checked with nothing but Web Crypto. Each tampering is tried and
 * must fail at the step that names it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createUser, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { formatCheckpointBody, signCheckpoint, verifierKeyString } from '../../src/audit/checkpoint-note.ts';
import { canonicalize } from '../../console/src/ledger/canonical-json.ts';
import { verifyEventInclusion, type InclusionVerification, type VerificationStepName, type VerifyEventInclusionInput } from '../../console/src/ledger/verify-event-inclusion.ts';

const ALL_STEPS: VerificationStepName[] = ['leaf_index', 'leaf_hash', 'inclusion_proof', 'tree_size', 'checkpoint_root', 'key_id', 'signature'];
type Proof = VerifyEventInclusionInput['proof'] & { canonicalEvent: string; checkpoint: string };

const failing = (r: InclusionVerification) => r.steps.filter((s) => !s.ok).map((s) => s.step);
const detailOf = (r: InclusionVerification, step: VerificationStepName) => r.steps.find((s) => s.step === step)!.detail;
const flipBase64Bit = (b64: string, byte: number) => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[byte] ^= 0x01;
  return bytes.toString('base64');
};
/** Flips a bit in the Ed25519 part of the note's (only) signature line, keeping its key ID. */
const flipSignatureBit = (note: string) =>
  note.replace(/^(— \S+ )(\S+)$/m, (_line, head: string, sig: string) => head + flipBase64Bit(sig, 4 + 20));

for (const dialect of DIALECTS) {
  describe(`console ledger verification through the API, on ${dialect}`, () => {
    let s: HttpSuite;
    let published: { keyName: string; keyId: string; verifierKey: string };
    let eventIds: string[] = [];

    /** What the console fetches for one event, in order: event, proof, checkpoint of the proof's tree size. */
    async function fetchForVerify(id: string, treeSize?: number) {
      const event = await ok(s, 200, 'GET', `/api/v1/audit/events/${id}`);
      const proof = await ok<Proof>(s, 200, 'GET', `/api/v1/audit/events/${id}/proof${treeSize ? `?treeSize=${treeSize}` : ''}`);
      const checkpoint = await ok<{ note: string; size: number }>(s, 200, 'GET', `/api/v1/audit/checkpoints/${proof.treeSize}`);
      return { event, proof, checkpointNote: checkpoint.note, verifierKey: published.verifierKey };
    }

    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      await createOrg(s, 'acme', 'Äcme “Ltd” — 𝄞 \u2028 über');
      await createUser(s, { email: 'mia@acme.test', org: 'acme' });
      await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      expect(await s.rt.sequencer.integrateAll()).not.toBeNull();
      await createUser(s, { email: 'olga@acme.test', org: 'acme' });
      expect(await s.rt.sequencer.integrateAll()).not.toBeNull();
      const key = await s.request('GET', '/.well-known/keyledger/ledger-key', { key: null });
      expect(key.statusCode).toBe(200);
      published = key.json();
      eventIds = (await listEventsViaApi(s)).map((e) => e.id);
      expect(eventIds.length).toBeGreaterThanOrEqual(6);
    });
    afterAll(async () => s?.close());

    it('verifies every event from its API fields alone, each step passing', async () => {
      for (const id of eventIds) {
        const input = await fetchForVerify(id);
        // The fields of GET /audit/events/{id} re-encode to exactly the bytes the server hashed.
        expect(canonicalize(input.event)).toBe(input.proof.canonicalEvent);
        const r = await verifyEventInclusion(input);
        expect(r.steps.map((st) => st.step)).toEqual(ALL_STEPS);
        expect(r, id).toMatchObject({ ok: true, failedStep: null, leafHash: input.proof.leafHash });
        expect(r.pinnedKey).toEqual({ keyName: published.keyName, keyId: published.keyId });
        expect(r.checkpoint).toEqual({ origin: published.keyName, size: input.proof.treeSize, rootHash: input.proof.rootHash });
        expect(r.noteSigners).toEqual([`${published.keyName}+${published.keyId}`]);
      }
    });

    it('verifies against an older checkpoint when the proof asks for it', async () => {
      const first = (await s.rt.database.db.selectFrom('ledger_checkpoints').select('size').orderBy('size').executeTakeFirstOrThrow()).size;
      const r = await verifyEventInclusion(await fetchForVerify(eventIds[0], Number(first)));
      expect(r).toMatchObject({ ok: true, checkpoint: { size: Number(first) } });
    });

    it('one changed field of the event fails at leaf_hash, and the signed root still refuses it without the server claims', async () => {
      const input = await fetchForVerify(eventIds[2]);
      const event = structuredClone(input.event);
      event.actor.display = `${event.actor.display} (edited)`;
      const r = await verifyEventInclusion({ ...input, event });
      expect(r.failedStep).toBe('leaf_hash');
      expect(failing(r)).toEqual(['leaf_hash', 'inclusion_proof', 'checkpoint_root']);
      // A server lying consistently drops its leafHash/rootHash claims: the signed root is what refuses the event.
      const { leafHash: _l, rootHash: _r, ...bare } = input.proof;
      const r2 = await verifyEventInclusion({ ...input, event, proof: bare });
      expect(failing(r2)).toEqual(['checkpoint_root']);
      for (const change of [(e: any) => (e.data.extra = 1), (e: any) => (e.time = e.time.replace('Z', '+00:00')), (e: any) => (e.v += 1)]) {
        const tampered = structuredClone(input.event);
        change(tampered);
        expect((await verifyEventInclusion({ ...input, event: tampered })).failedStep).toBe('leaf_hash');
      }
    });

    it('a changed proof hash fails at inclusion_proof', async () => {
      const input = await fetchForVerify(eventIds[1]);
      expect(input.proof.proof.length).toBeGreaterThan(1);
      const proof = { ...input.proof, proof: input.proof.proof.map((h, i) => (i === 1 ? flipBase64Bit(h, 31) : h)) };
      const r = await verifyEventInclusion({ ...input, proof });
      expect(r.failedStep).toBe('inclusion_proof');
      expect(failing(r)).toEqual(['inclusion_proof', 'checkpoint_root']);
      const truncated = await verifyEventInclusion({ ...input, proof: { ...input.proof, proof: input.proof.proof.slice(1) } });
      expect(truncated.failedStep).toBe('inclusion_proof');
      expect(detailOf(truncated, 'inclusion_proof')).toContain(`expected ${input.proof.proof.length}`);
    });

    it('a proof for another leaf index fails at leaf_index, and its path fails at inclusion_proof when relabelled', async () => {
      const input = await fetchForVerify(eventIds[3]);
      const other = await fetchForVerify(eventIds[4]);
      const r = await verifyEventInclusion({ ...input, proof: other.proof });
      expect(r.failedStep).toBe('leaf_index');
      expect(detailOf(r, 'leaf_index')).toContain(`the event is at seq ${input.event.seq}, the proof is for leaf ${other.proof.leafIndex}`);
      // The other leaf's path, claimed to be this leaf's: it recomputes no signed root.
      const relabelled = { ...other.proof, leafIndex: input.proof.leafIndex, leafHash: input.proof.leafHash, rootHash: input.proof.rootHash };
      const r2 = await verifyEventInclusion({ ...input, proof: relabelled });
      expect(r2.failedStep).toBe('inclusion_proof');
      expect(failing(r2)).toEqual(['inclusion_proof', 'checkpoint_root']);
    });

    it('a changed checkpoint root fails at checkpoint_root (and its signature no longer verifies)', async () => {
      const input = await fetchForVerify(eventIds[0]);
      const [origin, size, root] = input.checkpointNote.split('\n');
      const edited = input.checkpointNote.replace(`${origin}\n${size}\n${root}\n`, `${origin}\n${size}\n${flipBase64Bit(root, 0)}\n`);
      const r = await verifyEventInclusion({ ...input, checkpointNote: edited });
      expect(r.failedStep).toBe('checkpoint_root');
      expect(failing(r)).toEqual(['checkpoint_root', 'signature']);
      // The real key signing a wrong root (a forked log): the signature is good, the root comparison refuses it.
      const forged = signCheckpoint(formatCheckpointBody({ origin, size: Number(size), rootHash: Buffer.from(flipBase64Bit(root, 0), 'base64') }), s.rt.signer);
      const r2 = await verifyEventInclusion({ ...input, checkpointNote: forged });
      expect(failing(r2)).toEqual(['checkpoint_root']);
    });

    it('a checkpoint of another tree size fails at tree_size', async () => {
      const input = await fetchForVerify(eventIds[0]);
      const first = await s.rt.database.db.selectFrom('ledger_checkpoints').select(['size', 'note']).orderBy('size').executeTakeFirstOrThrow();
      expect(Number(first.size)).toBeLessThan(input.proof.treeSize);
      const r = await verifyEventInclusion({ ...input, checkpointNote: first.note });
      expect(r.failedStep).toBe('tree_size');
      expect(failing(r)).toEqual(['tree_size', 'checkpoint_root']);
    });

    it('a changed signature fails at signature only', async () => {
      const input = await fetchForVerify(eventIds[0]);
      const r = await verifyEventInclusion({ ...input, checkpointNote: flipSignatureBit(input.checkpointNote) });
      expect(failing(r)).toEqual(['signature']);
      expect(detailOf(r, 'signature')).toContain('does not verify');
    });

    it('a different pinned verifier key fails at key_id', async () => {
      const input = await fetchForVerify(eventIds[0]);
      const otherKey = verifierKeyString('other.example.com/keyledger', generateKeyPairSync('ed25519').publicKey);
      const r = await verifyEventInclusion({ ...input, verifierKey: otherKey });
      expect(r.failedStep).toBe('key_id');
      expect(failing(r)).toEqual(['key_id', 'signature']);
      expect(r.pinnedKey?.keyName).toBe('other.example.com/keyledger');
      // A key string carrying the published name and ID but other key bytes is refused as malformed.
      const grafted = [published.keyName, published.keyId, otherKey.split('+').slice(2).join('+')].join('+');
      const r2 = await verifyEventInclusion({ ...input, verifierKey: grafted });
      expect(r2.failedStep).toBe('key_id');
      expect(detailOf(r2, 'key_id')).toContain('does not match its name and key');
    });

    it('a note signed by another key under the same name fails at key_id', async () => {
      const input = await fetchForVerify(eventIds[0]);
      const impostor = generateKeyPairSync('ed25519');
      const body = input.checkpointNote.slice(0, input.checkpointNote.lastIndexOf('\n\n') + 1);
      const note = signCheckpoint(body, { keyName: published.keyName, privateKey: impostor.privateKey });
      const r = await verifyEventInclusion({ ...input, checkpointNote: note });
      expect(r.failedStep).toBe('key_id');
      expect(failing(r)).toEqual(['key_id', 'signature']);
      const impostorId = verifierKeyString(published.keyName, impostor.publicKey).split('+')[1];
      expect(detailOf(r, 'key_id')).toContain(`key ID ${impostorId} under that name`);
      // Pinning the impostor's key instead verifies the impostor's note: the pinned key is what the operator must compare.
      const r2 = await verifyEventInclusion({ ...input, checkpointNote: note, verifierKey: verifierKeyString(published.keyName, impostor.publicKey) });
      expect(r2.ok).toBe(true);
      expect(r2.pinnedKey?.keyId).not.toBe(published.keyId);
    });

    it('never throws on malformed input; every step is reported', async () => {
      const input = await fetchForVerify(eventIds[0]);
      const garbage: unknown[] = [
        {},
        { event: null, proof: null, checkpointNote: null, verifierKey: null },
        { ...input, event: { ...input.event, data: { n: Number.NaN } } },
        { ...input, proof: { ...input.proof, proof: ['not base64!'] } },
        { ...input, proof: { ...input.proof, treeSize: 'ten' } },
        { ...input, checkpointNote: 'not a note' },
        { ...input, verifierKey: '' },
      ];
      for (const bad of garbage) {
        const r = await verifyEventInclusion(bad as VerifyEventInclusionInput);
        expect(r.ok).toBe(false);
        expect(r.steps.map((st) => st.step)).toEqual(ALL_STEPS);
        for (const st of r.steps) expect(st.detail.length).toBeGreaterThan(0);
      }
    });
  });
}
