/**
 * Backup and restore of a PostgreSQL ledger, as docs/operations-cluster.md
 * describes it: `pg_dump -Fc`, `pg_restore` into a new database, then
 * `keyledger audit verify --verifier-key <published key>` against it. A
 * restore of the newest dump verifies and keeps serving (new events extend
 * the same signed tree). A restore of an OLDER dump verifies too — it is a
 * consistent ledger, just an old one — and only a checkpoint kept outside the
 * database shows what was lost: `--expect-checkpoint` fails with
 * `rolled_back`, and once the restored node has appended past the lost size,
 * with `forked`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { envForDatabase, parseJson, rawConnection, runCli } from '../support/cli.ts';
import { systemContext } from '../../src/audit/event.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createRuntime } from '../../src/runtime.ts';
import { pendingMigrations } from '../../src/platform/migrations/index.ts';
import type { Checkpoint } from '../../src/audit/sequencer.ts';
import type { VerifyReport } from '../../src/audit/verify-ledger.ts';

const run = promisify(execFile);
const ctx = systemContext('test', 'backup and restore test');
/** The client tools must be at least the server's major version (15). */
const pgTool = (name: string) => (existsSync(`/usr/lib/postgresql/15/bin/${name}`) ? `/usr/lib/postgresql/15/bin/${name}` : name);

async function dump(databaseUrl: string, file: string): Promise<void> {
  await run(pgTool('pg_dump'), ['--format=custom', `--file=${file}`, databaseUrl]);
}

/** A new, empty database with the dump restored into it. */
async function restore(file: string): Promise<TestDatabase> {
  const database = await createTestDatabase('postgres', { migrate: false });
  await run(pgTool('pg_restore'), ['--exit-on-error', '--no-owner', `--dbname=${database.target.databaseUrl}`, file]);
  return database;
}

async function verify(target: TestDatabase['target'], args: string[]): Promise<{ code: number; report: VerifyReport; stdout: string }> {
  const r = await runCli(['audit', 'verify', '--json', ...args], envForDatabase(target));
  return { code: r.code, report: parseJson<VerifyReport>(r), stdout: r.stdout };
}

async function addUsers(rt: TestRuntime['rt'], from: number, count: number): Promise<Checkpoint> {
  for (let i = from; i < from + count; i++) await rt.identity.createUser(ctx, { email: `user${i}@example.com`, name: `User ${i}` });
  const cp = await rt.sequencer.integrateAll();
  expect(cp).not.toBeNull();
  return cp!;
}

/** A node of the same cluster (same master key and public URL) on a restored database; it must not migrate anything. */
async function nodeOn(database: TestDatabase, env: Record<string, string>) {
  const config = loadConfig({ ...env, KEYLEDGER_DATA_DIR: mkdtempSync(join(tmpdir(), 'keyledger-restored-')), PORT: '0' });
  const rt = await createRuntime(config, { database, logger: createLogger('silent') });
  return {
    rt,
    async close() {
      await rt.sequencer.stop();
      await rt.lockouts.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

describe('backup and restore of the ledger (postgres)', () => {
  const clusterEnv = { KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64'), KEYLEDGER_PUBLIC_URL: 'https://id.example.com' };
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-backup-'));
  const older = join(dir, 'older.dump');
  const newer = join(dir, 'newer.dump');
  /** Where an operator keeps the newest checkpoint outside the database (here: as a SIEM would store it). */
  const siemCopy = join(dir, 'siem-checkpoint.json');
  const restored: TestDatabase[] = [];
  let t: TestRuntime;
  let verifierKey: string;
  let cpOld: Checkpoint;
  let cpNew: Checkpoint;

  beforeAll(async () => {
    t = await createTestRuntime('postgres', { env: clusterEnv });
    verifierKey = t.rt.signer.verifierKey;
    cpOld = await addUsers(t.rt, 1, 20);
    await dump(t.database.target.databaseUrl!, older);
    cpNew = await addUsers(t.rt, 21, 15);
    expect(cpNew.size).toBeGreaterThan(cpOld.size);
    writeFileSync(siemCopy, JSON.stringify({ kind: 'checkpoint', size: cpNew.size, root_hash: cpNew.rootHash.toString('base64'), note: cpNew.note }));
    await dump(t.database.target.databaseUrl!, newer);
  });

  afterAll(async () => {
    for (const database of restored) await database.drop();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the newest dump restores into a new database that verifies against the published key and contains the saved checkpoint', async () => {
    const database = await restore(newer);
    restored.push(database);
    const { code, report } = await verify(database.target, ['--verifier-key', verifierKey, '--expect-checkpoint', siemCopy]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, keySource: 'given', events: cpNew.size, treeSize: cpNew.size, root: cpNew.rootHash.toString('base64'), unsignedEvents: 0 });
    expect(report.expectedCheckpoint).toEqual({ size: cpNew.size, root: cpNew.rootHash.toString('base64') });

    // The restore kept the append-only triggers: the restored ledger refuses rewrites as the original did.
    const conn = await rawConnection(database.target);
    try {
      await expect(conn.run('update audit_events set body = body where seq = 1')).rejects.toThrow(/append-only|ledger/i);
      await expect(conn.run('delete from ledger_checkpoints')).rejects.toThrow(/append-only|ledger/i);
      const [{ n }] = await conn.query<{ n: number }>('select count(*)::int as n from audit_events');
      expect(n).toBe(cpNew.size);
    } finally {
      await conn.close();
    }
  });

  it('a node on the restored database carries on: no migration is pending, and new events extend the same signed tree', async () => {
    const database = await restore(newer);
    restored.push(database);
    expect(await pendingMigrations(database.db, 'postgres')).toEqual([]); // the schema came with the dump
    const node = await nodeOn(database, clusterEnv);
    try {
      expect(node.rt.signer.verifierKey).toBe(verifierKey); // the same key, unwrapped with the shared master key
      const next = await addUsers(node.rt, 100, 3);
      expect(next.size).toBe(cpNew.size + 3);
      const proof = await node.rt.ledger.consistencyProof(cpNew.size, next.size);
      expect(proof).toMatchObject({ fromSize: cpNew.size, toSize: next.size });
    } finally {
      await node.close();
    }
    const { code, report } = await verify(database.target, ['--verifier-key', verifierKey, '--expect-checkpoint', siemCopy]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, treeSize: cpNew.size + 3, expectedCheckpoint: { size: cpNew.size } });
  });

  it('an older dump verifies on its own, but the checkpoint kept outside shows the rollback', async () => {
    const database = await restore(older);
    restored.push(database);
    // On its own the old ledger is intact: a rollback is not tampering with any event, so plain verification passes.
    const alone = await verify(database.target, ['--verifier-key', verifierKey]);
    expect(alone.code).toBe(0);
    expect(alone.report).toMatchObject({ ok: true, events: cpOld.size, treeSize: cpOld.size });
    expect(alone.report.treeSize).toBeLessThan(cpNew.size);

    const rolledBack = await verify(database.target, ['--verifier-key', verifierKey, '--expect-checkpoint', siemCopy]);
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.report.ok).toBe(false);
    expect(rolledBack.report.problem).toMatchObject({ code: 'rolled_back', checkpointSize: cpNew.size, seq: cpOld.size });
    expect(rolledBack.report.problem!.message).toContain(`lost the ${cpNew.size - cpOld.size} newest events`);

    // The text output says the same for a person reading it.
    const text = await runCli(['audit', 'verify', '--verifier-key', verifierKey, '--expect-checkpoint', siemCopy], envForDatabase(database.target));
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^LEDGER VERIFICATION FAILED: the ledger has \d+ events, but a checkpoint signed for tree size \d+ exists elsewhere/);

    // The older checkpoint itself is contained.
    const oldCopy = join(dir, 'old-checkpoint.txt');
    writeFileSync(oldCopy, cpOld.note);
    const contained = await verify(database.target, ['--verifier-key', verifierKey, '--expect-checkpoint', oldCopy]);
    expect(contained.code).toBe(0);
    expect(contained.report.expectedCheckpoint).toEqual({ size: cpOld.size, root: cpOld.rootHash.toString('base64') });
  });

  it('a node that kept writing on the older restore grows a different history: past the lost size it shows as forked', async () => {
    const database = await restore(older);
    restored.push(database);
    const node = await nodeOn(database, clusterEnv);
    try {
      const grown = await addUsers(node.rt, 200, cpNew.size - cpOld.size + 2);
      expect(grown.size).toBeGreaterThan(cpNew.size);
      // Its own checkpoints are well signed and consistent with each other …
      await expect(node.rt.ledger.consistencyProof(cpOld.size, grown.size)).resolves.toMatchObject({ toSize: grown.size });
    } finally {
      await node.close();
    }
    const alone = await verify(database.target, ['--verifier-key', verifierKey]);
    expect(alone.code).toBe(0);
    // … but the tree of size cpNew.size it now has is not the one the SIEM received.
    const forked = await verify(database.target, ['--verifier-key', verifierKey, '--expect-checkpoint', siemCopy]);
    expect(forked.code).toBe(1);
    expect(forked.report.problem).toMatchObject({ code: 'forked', checkpointSize: cpNew.size });
    expect(forked.report.problem!.message).toContain(cpNew.rootHash.toString('base64'));
  });
});
