import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import { systemContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { Deprovisioning } from './deprovision.ts';
import * as repo from './repository.ts';

/** Thrown inside a command that found its row already claimed by another node: rolls the attempt back, silently. */
class ClaimLost extends Error {}

const BATCH = 100;

/**
 * Carries out future-dated HR terminations once their time comes. Each due row
 * is claimed by a conditional UPDATE (pending → done) inside the same command
 * that deprovisions, so two nodes (or two overlapping runs) never both carry it
 * out: on PostgreSQL the second UPDATE waits for the first to commit and then
 * matches nothing; SQLite runs one write transaction at a time.
 */
export function createTerminationTicker(deps: { db: Db; runner: CommandRunner; clock: Clock; logger: Logger; identity: IdentityService; deprovisioning: Deprovisioning }) {
  const { db, runner, clock, logger, identity, deprovisioning } = deps;
  const ctx = systemContext('lifecycle-ticker', 'Lifecycle ticker (scheduled HR terminations)');
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  /** Carries out every termination due now; returns how many this call carried out. */
  async function runDue(): Promise<number> {
    const due = await repo.listDueTerminations(db, clock.now().toISOString(), BATCH);
    let carried = 0;
    for (const row of due) {
      try {
        await runner.run(ctx, async (scope) => {
          const claimed = await scope.trx.updateTable('scheduled_terminations').set({ status: 'done', completed_at: scope.now.toISOString() }).where('id', '=', row.id).where('status', '=', 'pending').executeTakeFirst();
          if (Number(claimed.numUpdatedRows) !== 1) throw new ClaimLost();
          let result: string;
          let leaverId: string | null = null;
          // Someone who left the organization before the date has nothing left there to remove.
          if (!(await identity.isMember(row.org_id, row.user_id, scope.trx))) result = 'not_a_member';
          else {
            const removal = await deprovisioning.deprovisionInScope(scope, { orgId: row.org_id, userId: row.user_id, source: 'hr', sourceRef: row.event_id, terminatedAt: row.terminated_at, reason: 'HR termination (scheduled)' });
            result = removal.alreadyDeprovisioned ? 'already_deprovisioned' : 'deprovisioned';
            leaverId = removal.leaverId;
          }
          scope.record({
            action: 'lifecycle.termination.carried_out',
            org: row.org_id,
            targets: [{ type: 'user', id: row.user_id }, { type: 'scheduled_termination', id: row.id }, { type: 'hr_source', id: row.hr_source_id }],
            data: { scheduledTerminationId: row.id, userId: row.user_id, hrSourceId: row.hr_source_id, eventId: row.event_id, terminatedAt: row.terminated_at, result, leaverId },
          });
        });
        carried++;
      } catch (err) {
        if (err instanceof ClaimLost) continue;
        logger.error({ err, scheduledTerminationId: row.id }, 'a scheduled termination failed; it stays pending and is retried on the next tick');
      }
    }
    return carried;
  }

  return {
    runDue,
    /** Runs `runDue` every `intervalMs` (default a minute); one run at a time per process. `keyledger start` calls it, runtime creation never does. */
    start(intervalMs = 60_000): void {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = runDue()
          .catch((err) => {
            logger.error({ err }, 'the lifecycle ticker failed');
            return 0;
          })
          .finally(() => {
            running = null;
          });
      }, intervalMs);
      timer.unref();
    },
    /** Stops the timer and waits for a run in progress. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
