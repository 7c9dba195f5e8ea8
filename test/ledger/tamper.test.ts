/**
 * `keyledger audit verify` passes on an intact ledger and fails, naming the
 * event, after a row is altered directly in the database (the test drops the
 * append-only triggers to do it), after a row is deleted, after two rows are
 * swapped and after the tail is cut off. With the triggers in place the
 * database itself refuses those changes.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { DIALECTS } from '../support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { dropLedgerTriggers, envForDatabase, parseJson, rawConnection, runCli, type RawConnection } from '../support/cli.ts';
import { systemContext } from '../../src/audit/event.ts';
import { verifyLedger, type VerifyProblem, type VerifyReport } from '../../src/audit/verify-ledger.ts';
import { LEDGER_TABLES } from '../../src/platform/migrations/2026-11-28-foundation.ts';
import type { Dialect } from '../../src/platform/database.ts';

const ctx = systemContext('test', 'tamper test');
const USERS = 50; // events: seq 0 is the ledger key, seq i (1..50) creates user i
const FIRST_CHECKPOINT = 21; // after users 1..20; the second covers all 51 events
const leafHash = (body: string) => createHash('sha256').update(Buffer.from([0x00])).update(body, 'utf8').digest();

interface Ledger {
  t: TestRuntime;
  /** Event ids by sequence number, as appended. */
  ids: string[];
}

async function buildLedger(dialect: Dialect): Promise<Ledger> {
  const t = await createTestRuntime(dialect);
  for (let i = 1; i <= USERS; i++) {
    await t.rt.identity.createUser(ctx, { email: `user${i}@example.com`, name: `User ${i}` });
    if (i === FIRST_CHECKPOINT - 1) expect((await t.rt.sequencer.integrateAll())?.size).toBe(FIRST_CHECKPOINT);
  }
  expect((await t.rt.sequencer.integrateAll())?.size).toBe(USERS + 1);
  const rows = await t.rt.database.db.selectFrom('audit_events').select(['seq', 'id']).orderBy('seq').execute();
  expect(rows.map((r) => Number(r.seq))).toEqual([...Array(USERS + 1).keys()]);
  const intact = await verifyLedger(t.rt.database.db);
  expect(intact).toMatchObject({ ok: true, events: USERS + 1, treeSize: USERS + 1, checkpoints: 2, unsignedEvents: 0 });
  return { t, ids: rows.map((r) => r.id) };
}

/** `keyledger audit verify --json` on the runtime's database: the exit code and the report. */
async function cliVerify(t: TestRuntime): Promise<{ code: number; report: VerifyReport }> {
  const r = await runCli(['audit', 'verify', '--json'], envForDatabase(t.database.target));
  return { code: r.code, report: parseJson<VerifyReport>(r) };
}

async function deleteEvents(conn: RawConnection, where: string, params: unknown[]): Promise<void> {
  await conn.run(`delete from audit_event_targets where ${where}`, params);
  await conn.run(`delete from audit_events where ${where}`, params);
}

interface TamperCase {
  name: string;
  tamper(conn: RawConnection, ledger: Ledger): Promise<void>;
  check(problem: VerifyProblem, ledger: Ledger, conn: RawConnection): Promise<void> | void;
}

const CASES: TamperCase[] = [
  {
    name: "an event's content altered in place (seq 17: another email)",
    async tamper(conn) {
      await dropLedgerTriggers(conn, 'audit_events');
      await conn.run("update audit_events set body = replace(body, 'user17@example.com', 'mallory@example.com') where seq = 17");
      const [row] = await conn.query<{ body: string }>('select body from audit_events where seq = 17');
      expect(row.body).toContain('mallory@example.com');
    },
    check(problem, { ids }) {
      expect(problem).toMatchObject({ code: 'leaf_hash_mismatch', seq: 17, eventId: ids[17] });
      expect(problem.message).toContain(ids[17]);
    },
  },
  {
    name: 'content and its leaf hash rewritten consistently (seq 17): only the signed root catches it',
    async tamper(conn) {
      await dropLedgerTriggers(conn, 'audit_events');
      const [row] = await conn.query<{ body: string }>('select body from audit_events where seq = 17');
      const body = row.body.replace('user17@example.com', 'mallory@example.com');
      expect(body).not.toBe(row.body);
      await conn.run('update audit_events set body = ?, leaf_hash = ? where seq = 17', [body, leafHash(body)]);
      const [after] = await conn.query<{ leaf_hash: Buffer }>('select leaf_hash from audit_events where seq = 17');
      expect(Buffer.from(after.leaf_hash).equals(leafHash(body))).toBe(true);
    },
    check(problem, { ids }) {
      expect(problem).toMatchObject({ code: 'root_mismatch', checkpointSize: FIRST_CHECKPOINT });
      expect(problem.message).toContain(`tree size ${FIRST_CHECKPOINT}`);
      // Both leaves of the pair now hash as recorded, so the stored parent node can only point at the pair (16, 17).
      expect([16, 17]).toContain(problem.seq);
      expect(problem.eventId).toBe(ids[problem.seq!]);
    },
  },
  {
    name: 'an event deleted (seq 23)',
    async tamper(conn) {
      await dropLedgerTriggers(conn, 'audit_event_targets');
      await dropLedgerTriggers(conn, 'audit_events');
      await deleteEvents(conn, 'seq = ?', [23]);
    },
    check(problem, { ids }) {
      expect(problem).toMatchObject({ code: 'sequence_gap', seq: 23 });
      expect(problem.message).toContain('sequence 23 is missing');
      expect(problem.eventId).toBe(ids[24]); // what sits in its place
    },
  },
  {
    name: 'two events swapped (seq 30 and 31: ids, bodies, hashes, everything but seq)',
    async tamper(conn, { ids }) {
      await dropLedgerTriggers(conn, 'audit_event_targets');
      await dropLedgerTriggers(conn, 'audit_events');
      const cols = ['id', 'time', 'action', 'outcome', 'actor_type', 'actor_id', 'org_id', 'body', 'leaf_hash'];
      const rows = await conn.query(`select ${cols.join(', ')} from audit_events where seq in (30, 31) order by seq`);
      expect(rows.map((r) => r.id)).toEqual([ids[30], ids[31]]);
      const set = `update audit_events set ${cols.map((c) => `${c} = ?`).join(', ')} where seq = ?`;
      await conn.run('update audit_events set id = ? where seq = 30', ['swap-in-progress']); // ids are unique
      await conn.run(set, [...cols.map((c) => rows[0][c]), 31]);
      await conn.run(set, [...cols.map((c) => rows[1][c]), 30]);
      await conn.run('update audit_event_targets set seq = case when seq = 30 then 31 else 30 end where seq in (30, 31)');
      expect((await conn.query('select id from audit_events where seq = 30'))[0].id).toBe(ids[31]);
    },
    async check(problem, { ids }, conn) {
      expect(problem.code).toBe('event_moved');
      expect([30, 31]).toContain(problem.seq);
      expect([ids[30], ids[31]]).toContain(problem.eventId);
      // the id named is the event now stored at the position named
      expect((await conn.query('select id from audit_events where seq = ?', [problem.seq]))[0].id).toBe(problem.eventId);
      expect(problem.message).toContain(problem.eventId);
    },
  },
  {
    name: 'the tail cut off (the last 5 events deleted)',
    async tamper(conn) {
      await dropLedgerTriggers(conn, 'audit_event_targets');
      await dropLedgerTriggers(conn, 'audit_events');
      await deleteEvents(conn, 'seq > ?', [USERS - 5]);
      expect((await conn.query('select max(seq) as m from audit_events'))[0].m).toEqual(dialectMax(conn, USERS - 5));
    },
    check(problem) {
      expect(problem).toMatchObject({ code: 'events_missing', checkpointSize: USERS + 1 });
      expect(problem.message).toContain(`tree size ${USERS + 1}`);
    },
  },
];

/** `max(seq)` as each driver returns it over a raw connection (pg: int8 as a string). */
const dialectMax = (conn: RawConnection, n: number) => (conn.dialect === 'postgres' ? String(n) : n);

/** Ledger rows of each table, and a statement that would rewrite them in place. */
const REWRITE: Record<(typeof LEDGER_TABLES)[number], string> = {
  audit_events: 'update audit_events set body = body',
  audit_event_targets: 'update audit_event_targets set target_id = target_id',
  merkle_nodes: 'update merkle_nodes set hash = hash',
  ledger_checkpoints: 'update ledger_checkpoints set note = note',
};

async function counts(conn: RawConnection): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of LEDGER_TABLES) out[table] = Number((await conn.query<{ n: number | string }>(`select count(*) as n from ${table}`))[0].n);
  return out;
}

/** Statements that replace existing rows through INSERT instead of UPDATE/DELETE. */
function replacements(dialect: Dialect): string[] {
  const events = 'seq, id, time, action, outcome, actor_type, actor_id, org_id, body, leaf_hash';
  const upserts = [
    `insert into audit_events (${events}) select ${events} from audit_events where seq = 17 on conflict (seq) do update set body = excluded.body`,
    'insert into ledger_checkpoints (size, root_hash, note, key_id, created_at) select size, root_hash, note, key_id, created_at from ledger_checkpoints where size > 0 on conflict (size) do update set note = excluded.note',
  ];
  if (dialect === 'postgres') return upserts;
  return [
    ...upserts,
    // SQLite's REPLACE deletes the existing row without firing DELETE triggers (recursive_triggers is off by default)
    `insert or replace into audit_events (${events}) select seq, id, time, action, outcome, actor_type, actor_id, org_id, replace(body, 'user17@', 'mallory@'), leaf_hash from audit_events where seq = 17`,
    `replace into audit_events (${events}) select 99, id, time, action, outcome, actor_type, actor_id, org_id, body, leaf_hash from audit_events where seq = 23`,
    'insert or replace into merkle_nodes (level, idx, hash) select level, idx, zeroblob(32) from merkle_nodes where level = 1 and idx = 0',
    'insert or replace into ledger_checkpoints (size, root_hash, note, key_id, created_at) select size, root_hash, note, key_id, created_at from ledger_checkpoints where size > 0',
  ];
}

for (const dialect of DIALECTS) {
  describe(`tampering with the ledger on ${dialect}`, () => {
    it('audit verify passes on an intact ledger', async () => {
      const { t } = await buildLedger(dialect);
      try {
        const { code, report } = await cliVerify(t);
        expect(code).toBe(0);
        expect(report).toMatchObject({ ok: true, events: USERS + 1, treeSize: USERS + 1, checkpoints: 2, unsignedEvents: 0 });
      } finally {
        await t.close();
      }
    }, 60_000);

    for (const c of CASES) {
      it(`audit verify fails, naming the event: ${c.name}`, async () => {
        const ledger = await buildLedger(dialect);
        const conn = await rawConnection(ledger.t.database.target);
        try {
          await c.tamper(conn, ledger);
          const direct = await verifyLedger(ledger.t.rt.database.db);
          expect(direct.ok).toBe(false);
          await c.check(direct.problem!, ledger, conn);
          const { code, report } = await cliVerify(ledger.t);
          expect(code).toBe(1);
          expect(report.ok).toBe(false);
          expect(report.problem).toEqual(direct.problem);
        } finally {
          await conn.close();
          await ledger.t.close();
        }
      }, 60_000);
    }

    it('with the triggers in place, the database refuses to update, delete, truncate or replace ledger rows', async () => {
      const ledger = await buildLedger(dialect);
      const conn = await rawConnection(ledger.t.database.target);
      try {
        const before = await counts(conn);
        for (const table of LEDGER_TABLES) expect(before[table], table).toBeGreaterThan(0);
        const attacks = [
          ...LEDGER_TABLES.flatMap((table) => [REWRITE[table], `delete from ${table}`, `delete from ${table} where 1 = 1`]),
          ...(dialect === 'postgres' ? LEDGER_TABLES.flatMap((table) => [`truncate ${table}`, `truncate ${table} cascade`]) : []),
          ...replacements(dialect),
        ];
        const results: Array<{ attack: string; refusal: string | null }> = [];
        for (const attack of attacks) {
          results.push({ attack, refusal: await conn.run(attack).then(() => null, (err: Error) => err.message) });
        }
        // Plain `truncate audit_events` may already fail on the foreign key; every other refusal must be the trigger's.
        const notRefused = results.filter((r) => (r.attack === 'truncate audit_events' ? r.refusal === null : !r.refusal?.includes('append-only')));
        expect(notRefused).toEqual([]);
        expect(await counts(conn)).toEqual(before);
        expect(await verifyLedger(ledger.t.rt.database.db)).toMatchObject({ ok: true, events: USERS + 1, treeSize: USERS + 1 });
      } finally {
        await conn.close();
        await ledger.t.close();
      }
    }, 60_000);
  });
}
