/**
 * `audit verify --expect-checkpoint`: the ledger must contain a signed
 * checkpoint kept outside the database. Contained checkpoints pass — the
 * newest, an older one, one over events not yet checkpointed in this
 * database — and a checkpoint for more events than the ledger has
 * (`rolled_back`), one whose root differs (`forked`) or one not signed by the
 * verifier key (`expected_checkpoint_invalid`) fail. The file may hold the
 * note, `audit checkpoint --json`, or an OCSF checkpoint record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { envForDatabase, parseJson, runCli } from '../support/cli.ts';
import { systemContext } from '../../src/audit/event.ts';
import { formatCheckpointBody, signCheckpoint, verifierKeyString } from '../../src/audit/checkpoint-note.ts';
import { CompactRange } from '../../src/audit/merkle-tree.ts';
import { verifyLedger, type VerifyReport } from '../../src/audit/verify-ledger.ts';
import { checkpointNoteFromFile } from '../../src/audit/expected-checkpoint.ts';
import type { Checkpoint } from '../../src/audit/sequencer.ts';
import { isKeyledgerError } from '../../src/platform/errors.ts';

const ctx = systemContext('test', 'expected checkpoint test');

describe('checkpointNoteFromFile', () => {
  const note = 'id.example.com/keyledger\n3\nAAAA\n\n— id.example.com/keyledger abc=\n';
  it.each([
    ['the note as printed', note],
    ['the note without its final newline', note.trimEnd()],
    ['the note with CRLF line ends', note.replace(/\n/g, '\r\n')],
    ['`audit checkpoint --json`', JSON.stringify({ size: 3, rootHash: 'AAAA', note })],
    ['an OCSF checkpoint record', JSON.stringify({ class_uid: 0, unmapped: { keyledger: { kind: 'checkpoint', size: 3, note } } })],
  ])('reads %s', (_name, text) => {
    expect(checkpointNoteFromFile(text)).toBe(note);
  });

  it.each([
    ['JSON without a note', JSON.stringify({ size: 3 })],
    ['JSON whose note is not a string', JSON.stringify({ note: 3 })],
    ['broken JSON', '{ "note": '],
    ['text that is no signed note', 'id.example.com/keyledger\n3\nAAAA\n'],
    ['an empty file', ''],
  ])('refuses %s with ledger.checkpoint_invalid', (_name, text) => {
    let thrown: unknown;
    try {
      checkpointNoteFromFile(text);
    } catch (err) {
      thrown = err;
    }
    expect(isKeyledgerError(thrown) && thrown.code).toBe('ledger.checkpoint_invalid');
  });
});

describe.each(DIALECTS)('audit verify --expect-checkpoint (%s)', (dialect) => {
  let t: TestRuntime;
  let cp1: Checkpoint;
  let cp2: Checkpoint;
  let leaves: Buffer[];
  let dir: string;
  /** A note over the first `size` events as this ledger has them (or with `root`), signed with the ledger's own key. */
  const signed = (size: number, root?: Buffer) => {
    const range = new CompactRange();
    for (const leaf of leaves.slice(0, size)) range.append(leaf);
    const body = formatCheckpointBody({ origin: t.rt.signer.keyName, size, rootHash: root ?? range.root() });
    return signCheckpoint(body, { keyName: t.rt.signer.keyName, privateKey: t.rt.signer.privateKey });
  };
  const verify = (expectCheckpoint: string, key: { verifierKey?: string } = { verifierKey: t.rt.signer.verifierKey }) => verifyLedger(t.rt.database.db, { ...key, expectCheckpoint });

  beforeAll(async () => {
    t = await createTestRuntime(dialect);
    dir = mkdtempSync(join(tmpdir(), 'keyledger-expect-'));
    for (let i = 1; i <= 10; i++) await t.rt.identity.createUser(ctx, { email: `a${i}@example.com`, name: `A ${i}` });
    cp1 = (await t.rt.sequencer.integrateAll())!;
    for (let i = 1; i <= 5; i++) await t.rt.identity.createUser(ctx, { email: `b${i}@example.com`, name: `B ${i}` });
    cp2 = (await t.rt.sequencer.integrateAll())!;
    // Three more events the sequencer has not integrated yet.
    for (let i = 1; i <= 3; i++) await t.rt.identity.createUser(ctx, { email: `c${i}@example.com`, name: `C ${i}` });
    leaves = (await t.rt.database.db.selectFrom('audit_events').select('leaf_hash').orderBy('seq').execute()).map((r) => Buffer.from(r.leaf_hash));
    expect([cp1.size, cp2.size, leaves.length]).toEqual([11, 16, 19]);
  });

  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes for the newest checkpoint, an older one, and one over events this database has not checkpointed', async () => {
    for (const [note, size] of [[cp2.note, 16], [cp1.note, 11], [signed(18), 18], [signed(19), 19]] as const) {
      const report = await verify(note);
      expect(report.problem).toBeUndefined();
      expect(report).toMatchObject({ ok: true, treeSize: 16, unsignedEvents: 3, expectedCheckpoint: { size } });
    }
    // Without --verifier-key the key recorded in the database opens it (and the report says which key was used).
    await expect(verify(cp2.note, {})).resolves.toMatchObject({ ok: true, keySource: 'database', expectedCheckpoint: { size: 16 } });
  });

  it('fails with rolled_back when the saved checkpoint covers more events than the ledger has', async () => {
    const report = await verify(signed(25, leaves[0]));
    expect(report.ok).toBe(false);
    expect(report.expectedCheckpoint).toBeUndefined();
    expect(report.problem).toMatchObject({ code: 'rolled_back', checkpointSize: 25, seq: 19 });
    expect(report.problem!.message).toContain('lost the 6 newest events');
  });

  it('fails with forked when the ledger holds that many events but not the signed history', async () => {
    const other = new CompactRange();
    for (const leaf of [...leaves.slice(0, 13), leaves[0]]) other.append(leaf);
    const report = await verify(signed(14, other.root()));
    expect(report.problem).toMatchObject({ code: 'forked', checkpointSize: 14 });
    expect(report.problem!.message).toContain(other.root().toString('base64'));
  });

  it('refuses a saved checkpoint not signed by the verifier key (a forged "newer" head proves nothing)', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = signCheckpoint(formatCheckpointBody({ origin: t.rt.signer.keyName, size: 40, rootHash: leaves[0] }), { keyName: t.rt.signer.keyName, privateKey });
    const report = await verify(forged);
    expect(report).toMatchObject({ ok: false, problem: { code: 'expected_checkpoint_invalid' } });
    // Nor does a genuine note pass against another verifier key.
    const { publicKey } = generateKeyPairSync('ed25519');
    await expect(verify(cp2.note, { verifierKey: verifierKeyString(t.rt.signer.keyName, publicKey) })).resolves.toMatchObject({ ok: false });
  });

  it('the CLI reads the file, says what it found, and exits 1 on a rollback or a file with no note', async () => {
    const env = envForDatabase(t.database.target);
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ size: cp2.size, rootHash: cp2.rootHash.toString('base64'), note: cp2.note }));
    const ok = await runCli(['audit', 'verify', '--verifier-key', t.rt.signer.verifierKey, '--expect-checkpoint', good], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`contains the expected checkpoint: tree size 16, root ${cp2.rootHash.toString('base64')}`);

    const ahead = join(dir, 'ahead.txt');
    writeFileSync(ahead, signed(30, leaves[0]));
    const rolled = await runCli(['audit', 'verify', '--json', '--verifier-key', t.rt.signer.verifierKey, '--expect-checkpoint', ahead], env);
    expect(rolled.code).toBe(1);
    expect(parseJson<VerifyReport>(rolled).problem).toMatchObject({ code: 'rolled_back', checkpointSize: 30 });

    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'not a checkpoint');
    const refused = await runCli(['audit', 'verify', '--json', '--expect-checkpoint', junk], env);
    expect(refused.code).toBe(1);
    expect(parseJson(refused).error.code).toBe('ledger.checkpoint_invalid');
  });
});
