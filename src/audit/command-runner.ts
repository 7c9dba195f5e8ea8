import type { Transaction } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { Database } from '../platform/schema.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { appendEvents } from './append-events.ts';
import type { LedgerWriter } from './ledger-writer.ts';
import type { CommandContext, EventDraft, LedgerEvent } from './event.ts';

export type Trx = Transaction<Database>;

/** What a command body gets: its transaction, the command's time, and a way to say what happened. */
export interface CommandScope {
  trx: Trx;
  now: Date;
  record(draft: EventDraft): void;
}

export interface CommandRunner {
  /**
   * Runs a state change and its ledger events in one transaction: the events
   * are appended after the body succeeds, then everything commits together.
   * A body that throws rolls back and appends nothing; a body that changes
   * state must record at least one event. `allowNoEvents` is for work whose
   * only writes are projections of the ledger (a consumer's cursor) and that
   * records events only when it finds something (detections).
   */
  run<T>(ctx: CommandContext, body: (scope: CommandScope) => Promise<T>, options?: { allowNoEvents?: boolean }): Promise<{ result: T; events: LedgerEvent[] }>;
}

export interface CommandRunnerDeps {
  db: Db;
  clock: Clock;
  newId: () => string;
  /** How ledger rows are written on this engine (default: portable Kysely inserts). */
  ledgerWriter?: LedgerWriter;
  /** Called after a commit that appended events (wakes the sequencer). */
  onAppended?: (events: LedgerEvent[]) => void;
}

/**
 * A unique index refused a write. Commands check before they write ("is this
 * email free?") and keep unique indexes as the backstop; on PostgreSQL (read
 * committed) a concurrent command can commit the same key between the check
 * and the write.
 */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function createCommandRunner(deps: CommandRunnerDeps): CommandRunner {
  const attempt = <T>(ctx: CommandContext, body: (scope: CommandScope) => Promise<T>, allowNoEvents: boolean) =>
    deps.db.transaction().execute(async (trx) => {
      const now = deps.clock.now();
      const drafts: EventDraft[] = [];
      const result = await body({ trx, now, record: (d) => drafts.push(d) });
      if (drafts.length === 0 && !allowNoEvents) throw new KeyledgerError('internal', 'a command finished without recording a ledger event');
      const events = await appendEvents(trx, ctx, drafts, { time: now.toISOString(), newId: deps.newId }, deps.ledgerWriter);
      return { result, events };
    });
  return {
    async run(ctx, body, options) {
      const allowNoEvents = options?.allowNoEvents === true;
      let outcome: { result: Awaited<ReturnType<typeof body>>; events: LedgerEvent[] };
      try {
        outcome = await attempt(ctx, body, allowNoEvents);
      } catch (err) {
        // Lost a race on a unique key: the attempt rolled back whole. Run the command once more, so
        // that its own check sees the committed row and refuses with its code (user.email_taken).
        if (!isUniqueViolation(err)) throw err;
        outcome = await attempt(ctx, body, allowNoEvents);
      }
      if (outcome.events.length > 0) deps.onAppended?.(outcome.events);
      return outcome;
    },
  };
}
