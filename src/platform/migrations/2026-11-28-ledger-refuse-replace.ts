import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Closes a way around the append-only triggers on SQLite. REPLACE conflict
 * resolution (`INSERT OR REPLACE`, `REPLACE INTO`) removes the row in the way
 * without firing DELETE triggers (SQLite fires them only with
 * recursive_triggers on, a per-connection setting a writer need not turn on),
 * so `INSERT OR REPLACE INTO audit_events …` could rewrite or move an event.
 * A BEFORE INSERT trigger now refuses any row whose key is already taken.
 * audit_event_targets has no unique key, so nothing can be replaced there.
 * PostgreSQL has no REPLACE, and its ON CONFLICT DO UPDATE fires the update
 * trigger, so there is nothing to do on PostgreSQL.
 */
export function ledgerRefuseReplaceMigration(dialect: Dialect): Migration {
  const taken: Record<string, string> = {
    audit_events: 'exists (select 1 from audit_events where seq = new.seq) or exists (select 1 from audit_events where id = new.id)',
    merkle_nodes: 'exists (select 1 from merkle_nodes where level = new.level and idx = new.idx)',
    ledger_checkpoints: 'exists (select 1 from ledger_checkpoints where size = new.size)',
  };
  return {
    async up(db: Kysely<any>) {
      if (dialect !== 'sqlite') return;
      for (const [table, when] of Object.entries(taken)) {
        await sql
          .raw(`create trigger ${table}_no_replace before insert on ${table} when ${when} begin select raise(abort, 'ledger.append_only: ${table} is append-only'); end`)
          .execute(db);
      }
    },
  };
}
