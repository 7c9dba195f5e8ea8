import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, hash as oneShotHash } from 'node:crypto';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { openDatabase, type DatabaseHandle } from '../src/platform/database.ts';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import { systemContext, type EventDraft } from '../src/audit/event.ts';
import { verifyLedger } from '../src/audit/verify-ledger.ts';
import { migrateToLatest } from '../src/platform/migrations/index.ts';
import { timed, type BenchRow } from './harness.ts';
import { createPgDatabase } from './bench-runtime.ts';

const ctx = { ...systemContext('bench', 'ledger benchmark'), request: { requestId: 'bench', ip: '127.0.0.1', userAgent: 'keyledger-bench/1' } };

/** A profile change of one of 100,000 users, picked at random (so the target index sees random inserts). */
function draft(i: number): EventDraft {
  const user = (i * 2654435761) % 100_000;
  return {
    action: 'identity.user.updated',
    org: '0192f0c4-7a1e-7000-8000-000000000001',
    targets: [{ type: 'user', id: `0192f0c4-7a1e-7000-8000-${String(user).padStart(12, '0')}`, display: `user${user}@example.com` }],
    data: { before: { department: 'Sales', title: 'Account Executive' }, after: { department: 'Engineering', title: `Engineer ${i}` } },
  };
}

async function openRuntime(database: DatabaseHandle, dataDir: string): Promise<Runtime> {
  const config = loadConfig({ KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64') });
  return createRuntime(config, { database, logger: createLogger('silent') });
}

/** Appends `total` events in commands of `batch` events each, then integrates them as the sequencer does. */
async function appendAndIntegrate(rt: Runtime, total: number, batch: number): Promise<number> {
  const { seconds } = await timed(async () => {
    for (let done = 0; done < total; done += batch) {
      const n = Math.min(batch, total - done);
      await rt.runner.run(ctx, async ({ record }) => {
        for (let i = 0; i < n; i++) record(draft(done + i));
      });
      if ((done / batch) % 50 === 49) await rt.sequencer.integrate();
    }
    await rt.sequencer.integrateAll();
  });
  return total / seconds;
}

/** SHA-256 of the same canonical bytes a leaf hashes, plus one interior node per leaf: the physical limit. */
async function rawHashRate(rt: Runtime, sample: number): Promise<number> {
  const rows = await rt.database.db.selectFrom('audit_events').select('body').orderBy('seq').limit(sample).execute();
  const bodies = rows.map((r) => Buffer.concat([Buffer.from([0]), Buffer.from(r.body, 'utf8')]));
  const node = randomBytes(65);
  // latin1 output is Node 20's fastest one-shot form (see merkle-hash.ts).
  const { seconds } = await timed(() => {
    for (const b of bodies) {
      oneShotHash('sha256', b, 'binary');
      oneShotHash('sha256', node, 'binary');
    }
  });
  return bodies.length / seconds;
}

export async function ledgerBench(options: { verifyEvents: number; pgUrl: string | null }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-'));
  try {
    // SQLite: per-command appends, batched appends, then a large ledger to verify.
    const sqlite = openDatabase({ databaseUrl: null, sqliteFile: join(dataDir, 'bench.db') });
    const rt = await openRuntime(sqlite, dataDir);
    const single = await appendAndIntegrate(rt, 5_000, 1);
    const batched = await appendAndIntegrate(rt, 200_000, 500);
    const raw = await rawHashRate(rt, 200_000);
    rows.push({ name: 'SQLite append, one event per command (commit each), incl. sequencing', value: single, unit: 'events/s', baseline: { name: 'raw SHA-256 of the same bytes', value: raw } });
    rows.push({ name: 'SQLite append, 500 events per command, incl. sequencing + signed checkpoints', value: batched, unit: 'events/s', baseline: { name: 'raw SHA-256 of the same bytes', value: raw }, target: '≥ 20,000 events/s' });
    const floor = await rawSqliteInsertRate(rt, join(dataDir, 'floor.db'), 100_000);
    rows.push({ name: 'SQLite append, 500 events per command (same as above)', value: batched, unit: 'events/s', baseline: { name: 'raw better-sqlite3 prepared INSERTs of the same rows into the same schema, no ledger code', value: floor } });

    const have = 200_000 + 5_000 + 1;
    if (options.verifyEvents > have) await appendAndIntegrate(rt, options.verifyEvents - have, 2_000);
    const memBefore = process.memoryUsage().rss;
    const { result: report, seconds } = await timed(() => verifyLedger(rt.database.db, { parallel: { target: rt.database.target } }));
    if (!report.ok) throw new Error(`benchmark ledger failed verification: ${report.problem?.message}`);
    const rawVerify = await rawHashRate(rt, 200_000);
    rows.push({
      name: `full verify of ${report.events.toLocaleString('en-US')} events (read, re-hash, rebuild tree, check ${report.checkpoints} signatures)`,
      value: report.events / seconds,
      unit: 'events/s',
      baseline: { name: 'raw SHA-256 of the same bytes', value: rawVerify },
      target: `1,000,000 events < 5 s (took ${seconds.toFixed(2)} s)`,
    });
    rows.push({ name: 'verify: resident memory growth', value: (process.memoryUsage().rss - memBefore) / 1048576, unit: 'MiB' });
    await rt.close();

    if (options.pgUrl) {
      const pg = await createPgDatabase(options.pgUrl);
      try {
        const prt = await openRuntime(pg.handle, dataDir);
        const pgSingle = await appendAndIntegrate(prt, 2_000, 1);
        const pgBatched = await appendAndIntegrate(prt, 50_000, 500);
        rows.push({ name: 'PostgreSQL append, one event per command, incl. sequencing', value: pgSingle, unit: 'events/s', baseline: { name: 'SQLite, same workload', value: single } });
        rows.push({ name: 'PostgreSQL append, 500 events per command, incl. sequencing', value: pgBatched, unit: 'events/s', baseline: { name: 'SQLite, same workload', value: batched } });
        await prt.close();
      } finally {
        await pg.drop();
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * The storage engine's own limit: the rows the ledger wrote, inserted again
 * into a fresh copy of the schema with prepared statements, 500 per
 * transaction, and no ledger code at all (no JSON, hashing, ids or tree).
 */
async function rawSqliteInsertRate(rt: Runtime, file: string, count: number): Promise<number> {
  const events = await rt.database.db.selectFrom('audit_events').selectAll().orderBy('seq').limit(count).execute();
  const targets = await rt.database.db.selectFrom('audit_event_targets').selectAll().where('seq', '<', count).orderBy('seq').execute();
  const copy = openDatabase({ databaseUrl: null, sqliteFile: file });
  try {
    await migrateToLatest(copy.db, 'sqlite');
    const sqlite = copy.sqlite!;
    const insertEvent = sqlite.prepare('insert into audit_events (seq, id, time, action, outcome, actor_type, actor_id, org_id, body, leaf_hash) values (@seq, @id, @time, @action, @outcome, @actor_type, @actor_id, @org_id, @body, @leaf_hash)');
    const insertTarget = sqlite.prepare('insert into audit_event_targets (seq, target_type, target_id) values (@seq, @target_type, @target_id)');
    const batches = Array.from({ length: Math.ceil(events.length / 500) }, (_, i) => ({
      events: events.slice(i * 500, i * 500 + 500),
      targets: targets.filter((t) => Math.floor(Number(t.seq) / 500) === i),
    }));
    const write = sqlite.transaction((b: (typeof batches)[number]) => {
      for (const e of b.events) insertEvent.run(e);
      for (const t of b.targets) insertTarget.run(t);
    });
    const { seconds } = await timed(() => {
      for (const b of batches) write(b);
    });
    return events.length / seconds;
  } finally {
    await copy.destroy();
  }
}

