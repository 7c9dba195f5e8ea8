import type { Transaction } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { Database } from '../platform/schema.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { appendEvents } from './append-events.ts';
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
   * state must record at least one event.
   */
  run<T>(ctx: CommandContext, body: (scope: CommandScope) => Promise<T>): Promise<{ result: T; events: LedgerEvent[] }>;
}

export interface CommandRunnerDeps {
  db: Db;
  clock: Clock;
  newId: () => string;
  /** Called after a commit that appended events (wakes the sequencer). */
  onAppended?: (events: LedgerEvent[]) => void;
}

export function createCommandRunner(deps: CommandRunnerDeps): CommandRunner {
  return {
    async run(ctx, body) {
      const outcome = await deps.db.transaction().execute(async (trx) => {
        const now = deps.clock.now();
        const drafts: EventDraft[] = [];
        const result = await body({ trx, now, record: (d) => drafts.push(d) });
        if (drafts.length === 0) throw new KeyledgerError('internal', 'a command finished without recording a ledger event');
        const events = await appendEvents(trx, ctx, drafts, { time: now.toISOString(), newId: deps.newId });
        return { result, events };
      });
      deps.onAppended?.(outcome.events);
      return outcome;
    },
  };
}
