import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable, Transaction } from 'kysely';
import type { AuditEventTargetsTable, AuditEventsTable, Database } from '../platform/schema.ts';
import type { DatabaseHandle } from '../platform/database.ts';

export type EventRow = Insertable<AuditEventsTable>;
export type TargetRow = Insertable<AuditEventTargetsTable>;

/**
 * Writes ledger rows inside a command's transaction. One strategy per engine:
 * the same statements, but SQLite runs them as cached prepared statements on
 * the transaction's own connection (the Kysely layer would re-build and
 * re-prepare a multi-row INSERT per command), PostgreSQL as multi-row INSERTs.
 */
export interface LedgerWriter {
  /** Takes `count` sequence numbers from the ledger head (row-locked until commit) and returns the first. */
  reserve(trx: Transaction<Database>, count: number): Promise<number>;
  insert(trx: Transaction<Database>, events: EventRow[], targets: TargetRow[]): Promise<void>;
}

/** Rows per INSERT statement: keeps below the engines' bound-parameter limits. */
const INSERT_CHUNK = 2_000;

export const kyselyLedgerWriter: LedgerWriter = {
  async reserve(trx, count) {
    const head = await trx
      .updateTable('ledger_head')
      .set((eb) => ({ next_seq: eb('next_seq', '+', count) }))
      .where('id', '=', 1)
      .returning('next_seq')
      .executeTakeFirstOrThrow();
    return Number(head.next_seq) - count;
  },
  async insert(trx, events, targets) {
    for (let i = 0; i < events.length; i += INSERT_CHUNK) await trx.insertInto('audit_events').values(events.slice(i, i + INSERT_CHUNK)).execute();
    for (let i = 0; i < targets.length; i += INSERT_CHUNK * 2) await trx.insertInto('audit_event_targets').values(targets.slice(i, i + INSERT_CHUNK * 2)).execute();
  },
};

/**
 * SQLite: Kysely runs every transaction on the one better-sqlite3 connection,
 * so statements prepared once on that connection run inside the open
 * transaction. The `trx` argument is the proof that one is open.
 */
export function sqliteLedgerWriter(sqlite: BetterSqlite3.Database): LedgerWriter {
  const reserve = sqlite.prepare('update ledger_head set next_seq = next_seq + ? where id = 1 returning next_seq').pluck(true);
  const insertEvent = sqlite.prepare(
    'insert into audit_events (seq, id, time, action, outcome, actor_type, actor_id, org_id, body, leaf_hash) values (@seq, @id, @time, @action, @outcome, @actor_type, @actor_id, @org_id, @body, @leaf_hash)',
  );
  const insertTarget = sqlite.prepare('insert into audit_event_targets (seq, target_type, target_id) values (@seq, @target_type, @target_id)');
  return {
    async reserve(_trx, count) {
      if (!sqlite.inTransaction) throw new Error('ledger append outside a transaction');
      return Number(reserve.get(count)) - count;
    },
    async insert(_trx, events, targets) {
      if (!sqlite.inTransaction) throw new Error('ledger append outside a transaction');
      for (const e of events) insertEvent.run(e);
      for (const t of targets) insertTarget.run(t);
    },
  };
}

/** The writer for a database handle. */
export function ledgerWriterFor(handle: Pick<DatabaseHandle, 'sqlite'>): LedgerWriter {
  return handle.sqlite ? sqliteLedgerWriter(handle.sqlite) : kyselyLedgerWriter;
}
