import type { ExpressionBuilder } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { Trx } from '../audit/command-runner.ts';
import { createLease, LeaseLost, type HeldLease } from './scheduler-lease.ts';

export { LeaseLost } from './scheduler-lease.ts';

/** What a job gets: the tick's time, the fencing token it runs under, and the fence check to call before committing. */
export interface JobContext {
  now: Date;
  fencingToken: number;
  /**
   * Throws `LeaseLost` unless this node still holds the lease under `fencingToken`. Call it
   * inside the job's transaction, as late as possible before the commit: the transaction then
   * commits only while the lease is this node's (see `createLease().checkFence`).
   */
  checkFence(reader: Db | Trx): Promise<void>;
}

/** A periodic job; it may return how many items it handled (kept as `last_result`). */
export type Job = (ctx: JobContext) => Promise<number | void>;

export interface TickResult {
  /** Jobs this tick ran (successfully or not), in registration order. */
  ran: string[];
  /** Jobs among `ran` that threw; each is due again on the next tick. */
  failed: string[];
  leader: boolean;
  fencingToken: number | null;
}

export interface JobRunStatus {
  at: string;
  ok: boolean;
  error: string | null;
  result: number | null;
}

export interface SchedulerStatus {
  nodeId: string;
  leader: boolean;
  fencingToken: number | null;
  leaseExpiresAt: string | null;
  jobs: string[];
  /** This node's newest run of each job (runs on other nodes are in `scheduler_jobs`). */
  lastRuns: Record<string, JobRunStatus>;
}

export interface SchedulerDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** This process's identity in the lease (unique per running node). */
  nodeId: string;
  /** How long a lease lasts without renewal; longer than the tick interval (default 30). */
  leaseSeconds?: number;
  /** The lease's name (default `scheduler`): schedulers with different names lead independently. */
  leaseName?: string;
}

const ERROR_LENGTH = 500;

/**
 * Runs periodic jobs on exactly one node at a time. Each tick acquires or
 * renews a database lease with a fencing token; only the holder runs jobs.
 * A job is due when `everySeconds` have passed since its newest run as stored
 * in `scheduler_jobs`, and a run is claimed there by a compare-and-set that
 * also requires the lease to be this node's under the current token, so a due
 * job runs once per interval even when leadership moves between nodes.
 *
 * Guarantees, honestly: a claim is exclusive (two nodes never both start one
 * interval's run); work a job commits after `checkFence` in the same
 * transaction is fenced (a node whose lease was taken cannot commit it); work
 * a job does without that check (e.g. sending mail) may still happen on a
 * node that lost its lease mid-run, so such work must be idempotent or claim
 * its items itself. A node that dies mid-run leaves that interval claimed: the
 * job runs again at its next interval. A job that throws gives its interval
 * back and is retried on the next tick.
 */
export function createScheduler(deps: SchedulerDeps) {
  const { db, clock, logger, nodeId } = deps;
  const lease = createLease({ db, name: deps.leaseName ?? 'scheduler', nodeId, leaseSeconds: deps.leaseSeconds ?? 30 });
  const jobs = new Map<string, { job: Job; everySeconds: number }>();
  const lastRuns: Record<string, JobRunStatus> = {};
  let held: HeldLease | null = null;
  let rowsReady = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<TickResult> | null = null;

  async function ensureJobRows(): Promise<void> {
    if (rowsReady) return;
    for (const name of jobs.keys()) {
      await db.insertInto('scheduler_jobs').values({ name, last_run_at: null, last_fencing_token: null, last_holder: null, last_finished_at: null, last_error: null, last_result: null, runs: 0, failures: 0 }).onConflict((oc) => oc.column('name').doNothing()).execute();
    }
    rowsReady = true;
  }

  /** Claims the job's current interval under `token`; returns the run's start and the previous one, or null when not due or not ours. */
  async function claim(name: string, everySeconds: number, token: number, now: Date): Promise<{ startedAt: string; previous: string | null } | null> {
    const row = await db.selectFrom('scheduler_jobs').select('last_run_at').where('name', '=', name).executeTakeFirst();
    if (!row) return null;
    const previous = row.last_run_at;
    if (previous !== null && Date.parse(previous) + everySeconds * 1000 > now.getTime()) return null;
    const startedAt = now.toISOString();
    const res = await db
      .updateTable('scheduler_jobs')
      .set((eb) => ({ last_run_at: startedAt, last_fencing_token: token, last_holder: nodeId, runs: eb('runs', '+', 1) }))
      .where('name', '=', name)
      .where((eb) => (previous === null ? eb('last_run_at', 'is', null) : eb('last_run_at', '=', previous)))
      // The claim itself is fenced: a node whose lease was taken over claims nothing.
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('scheduler_leases').select('name').where('name', '=', lease.name).where('holder', '=', nodeId).where('fencing_token', '=', token).where('expires_at', '>', startedAt)),
      )
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1 ? { startedAt, previous } : null;
  }

  async function runJob(name: string, job: Job, token: number, now: Date): Promise<'ran' | 'failed' | 'skipped'> {
    const { everySeconds } = jobs.get(name)!;
    const claimed = await claim(name, everySeconds, token, now);
    if (!claimed) return 'skipped';
    // Results are written only onto this run's own claim (never over a newer run's).
    const ownRun = (eb: ExpressionBuilder<Database, 'scheduler_jobs'>) => eb.and([eb('name', '=', name), eb('last_run_at', '=', claimed.startedAt), eb('last_fencing_token', '=', token)]);
    try {
      const result = await job({ now, fencingToken: token, checkFence: (reader) => lease.checkFence(reader, token, clock.now()) });
      const value = typeof result === 'number' ? result : null;
      await db.updateTable('scheduler_jobs').set({ last_finished_at: clock.now().toISOString(), last_error: null, last_result: value }).where(ownRun).execute();
      lastRuns[name] = { at: claimed.startedAt, ok: true, error: null, result: value };
      return 'ran';
    } catch (err) {
      const message = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, ERROR_LENGTH);
      if (err instanceof LeaseLost) logger.warn({ job: name, fencingToken: token }, 'a scheduled job stopped: this node lost the scheduler lease');
      else logger.error({ err, job: name }, 'a scheduled job failed; it is retried on the next tick');
      // The interval is given back, so the job is due again at once (here or on the node that leads now).
      await db
        .updateTable('scheduler_jobs')
        .set((eb) => ({ last_run_at: claimed.previous, last_finished_at: clock.now().toISOString(), last_error: message, failures: eb('failures', '+', 1) }))
        .where(ownRun)
        .execute();
      lastRuns[name] = { at: claimed.startedAt, ok: false, error: message, result: null };
      return 'failed';
    }
  }

  async function tick(): Promise<TickResult> {
    const ran: string[] = [];
    const failed: string[] = [];
    held = await lease.acquire(clock.now(), held);
    if (!held) return { ran, failed, leader: false, fencingToken: null };
    await ensureJobRows();
    let first = true;
    for (const [name, { job }] of jobs) {
      if (!first) {
        // Between jobs the lease is renewed; a node that lost it runs nothing more.
        held = await lease.acquire(clock.now(), held);
        if (!held) break;
      }
      first = false;
      const outcome = await runJob(name, job, held.token, clock.now());
      if (outcome !== 'skipped') ran.push(name);
      if (outcome === 'failed') failed.push(name);
    }
    return { ran, failed, leader: held !== null, fencingToken: held?.token ?? null };
  }

  /** One tick at a time per process: a tick still running when the timer fires again is not overlapped. */
  function tickOnce(): Promise<TickResult> {
    if (!running) {
      running = tick()
        .catch((err) => {
          held = null;
          logger.error({ err }, 'the scheduler tick failed');
          return { ran: [], failed: [], leader: false, fencingToken: null } satisfies TickResult;
        })
        .finally(() => {
          running = null;
        });
    }
    return running;
  }

  const scheduler = {
    nodeId,
    /** Adds a periodic job (before `start`); names are unique. */
    register(name: string, job: Job, options: { everySeconds: number }) {
      if (jobs.has(name)) throw new Error(`a scheduled job named "${name}" is already registered`);
      if (!Number.isInteger(options.everySeconds) || options.everySeconds < 1) throw new Error(`a scheduled job's interval must be a whole number of seconds ≥ 1, got ${options.everySeconds}`);
      jobs.set(name, { job, everySeconds: options.everySeconds });
      rowsReady = false;
      return scheduler;
    },
    /** Acquires or renews the lease and runs the jobs that are due; never throws (a failing job is recorded, the tick goes on). */
    tick: tickOnce,
    /** Ticks every `intervalMs` (default 5 s), first at once; the timer is unref'd. `keyledger start` calls it, runtime creation never does. */
    start(intervalMs = 5_000): void {
      if (timer) return;
      timer = setInterval(() => void tickOnce(), intervalMs);
      timer.unref();
      void tickOnce();
    },
    /** Stops ticking, waits for a tick in progress, and releases the lease so another node takes over at once. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
      if (held) {
        const was = held;
        held = null;
        await lease.release(clock.now(), was).catch((err) => logger.warn({ err }, 'the scheduler lease could not be released; it lapses by itself'));
      }
    },
    /** This node's view: whether it leads, its token, and its newest run of each job. */
    status(): SchedulerStatus {
      const leader = held !== null && held.expiresAt > clock.now().toISOString();
      return { nodeId, leader, fencingToken: held?.token ?? null, leaseExpiresAt: held?.expiresAt ?? null, jobs: [...jobs.keys()], lastRuns: { ...lastRuns } };
    },
  };
  return scheduler;
}

export type Scheduler = ReturnType<typeof createScheduler>;
