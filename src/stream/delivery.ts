import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { SiemDestinationRow } from '../platform/schema-stream.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import { systemContext } from '../audit/event.ts';
import type { Metrics } from '../http/metrics.ts';
import { ledgerHead, readLedgerAfter } from './ledger-feed.ts';
import type { Sink, StreamCheckpoint, StreamRecord } from './types.ts';
import { destinationReceives, DEFAULT_BATCH_SIZE } from './destination-config.ts';
import { parseFilter } from './destinations.ts';
import { createSink } from './sinks/registry.ts';
import { streamRetryDelayMs } from './retry-delay.ts';

export interface StreamDeliveryDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  logger?: Logger;
  metrics?: Pick<Metrics, 'streamDelivered' | 'streamFailures'>;
  /** Decrypts a stored destination secret. */
  unseal: (sealed: string) => string;
  /** This process's name in the per-destination leases. */
  nodeId: string;
  /** How long a claim lasts without progress (renewed at each accepted batch); longer than any sink's timeout. Default 60 s. */
  leaseMs?: number;
  /** The timer between passes (retries, checkpoints); appends also poke. Default 1 s. */
  intervalMs?: number;
  random?: () => number;
}

export interface StreamDelivery {
  /** One pass: every active destination that is due and not leased elsewhere gets what it is missing; returns events delivered. */
  deliverOnce(): Promise<number>;
  /** Asks for a pass soon (after an append); coalesces. No effect until started. */
  poke(): void;
  start(): void;
  stop(): Promise<void>;
}

/** Batches a destination may send in one pass before the others get their turn. */
const MAX_BATCHES_PER_PASS = 100;
const POKE_DELAY_MS = 5;

/** Tells the failing/recovered command that another process recorded the transition first. */
class AlreadyRecorded extends Error {}

function toStreamCheckpoint(row: { size: number; root_hash: Buffer; note: string; key_id: string; created_at: string }): StreamCheckpoint {
  return { size: Number(row.size), rootHash: Buffer.from(row.root_hash).toString('base64'), note: row.note, keyId: row.key_id, createdAt: row.created_at };
}

/**
 * Streams the ledger to every destination, in order, at least once. For each
 * destination it claims a lease (a conditional UPDATE bumping the fencing
 * token), reads events after its cursor through `readLedgerAfter`, drops the
 * ones its filter skips, appends the newest signed checkpoint the cursor has
 * reached, and hands the batch to the sink; only when the sink accepted it
 * does the cursor move, by an UPDATE conditional on the lease token (a lost
 * lease, or an administrator's change, refuses it). A failed batch is retried
 * whole, with capped exponential backoff and jitter, forever: nothing is
 * skipped, however long the outage. The first failure and the first success
 * after failures are each one ledger event.
 */
export function createStreamDelivery(deps: StreamDeliveryDeps): StreamDelivery {
  const { db, clock } = deps;
  const leaseMs = deps.leaseMs ?? 60_000;
  const intervalMs = deps.intervalMs ?? 1_000;
  const sinks = new Map<string, { version: string; sink: Sink }>();
  let chain: Promise<unknown> = Promise.resolve();
  let queued: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let soon: NodeJS.Timeout | null = null;
  let stopped = true;

  const iso = (ms = 0) => new Date(clock.now().getTime() + ms).toISOString();

  function sinkFor(row: SiemDestinationRow): Sink {
    const version = `${row.updated_at}|${row.secret ?? ''}`;
    const cached = sinks.get(row.id);
    if (cached?.version === version) return cached.sink;
    if (cached) void cached.sink.close();
    const sink = createSink(row.kind, JSON.parse(row.config) as Record<string, unknown>, row.secret ? deps.unseal(row.secret) : null, { logger: deps.logger, now: () => clock.now().getTime() });
    sinks.set(row.id, { version, sink });
    return sink;
  }

  /** Takes the destination's lease if nobody holds it; returns the fencing token, or null. */
  async function claim(row: SiemDestinationRow): Promise<number | null> {
    const token = Number(row.lease_token) + 1;
    const now = iso();
    const res = await db
      .updateTable('siem_destinations')
      .set({ lease_owner: deps.nodeId, lease_until: iso(leaseMs), lease_token: token })
      .where('id', '=', row.id)
      .where('status', '=', 'active')
      .where('lease_token', '=', row.lease_token)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1 ? token : null;
  }

  /** Updates the row only while this process still holds the lease under `token`; false when it was lost. */
  async function underLease(id: string, token: number, set: Partial<SiemDestinationRow>): Promise<boolean> {
    const res = await db.updateTable('siem_destinations').set(set).where('id', '=', id).where('lease_token', '=', token).where('lease_owner', '=', deps.nodeId).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Records the failing/recovered transition once: the flag flips under the lease in the same transaction as the event. */
  async function recordTransition(row: SiemDestinationRow, token: number, failing: boolean, data: Record<string, unknown>): Promise<void> {
    try {
      await deps.runner.run(systemContext('stream', 'SIEM delivery'), async ({ trx, record }) => {
        const res = await trx.updateTable('siem_destinations').set({ failing: failing ? 1 : 0 }).where('id', '=', row.id).where('lease_token', '=', token).where('failing', '=', failing ? 0 : 1).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new AlreadyRecorded();
        record({ action: failing ? 'stream.destination.failing' : 'stream.destination.recovered', org: row.org_id, targets: [{ type: 'siem_destination', id: row.id, display: row.name }], data });
      });
    } catch (err) {
      if (!(err instanceof AlreadyRecorded)) throw err;
    }
  }

  async function fail(row: SiemDestinationRow, token: number, failures: number, cursor: number, err: unknown): Promise<void> {
    const message = (err instanceof Error ? err.message : String(err)).replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300) || 'delivery failed';
    const delay = streamRetryDelayMs(failures, deps.random);
    deps.metrics?.streamFailures.inc(1, { destination: row.id });
    deps.logger?.warn({ destination: row.id, failures, error: message }, 'SIEM delivery failed; will retry');
    // Failing is recorded before the lease is given up, so that the transition is fenced by the same token.
    if (!row.failing && failures >= 1) await recordTransition(row, token, true, { kind: row.kind, error: message, consecutiveFailures: failures, cursorSeq: cursor });
    await underLease(row.id, token, { consecutive_failures: failures, last_error: message, last_error_at: iso(), next_attempt_at: iso(delay), lease_owner: null, lease_until: null });
  }

  /** Delivers what one destination is missing, under its lease; returns the events it accepted. */
  async function serve(row: SiemDestinationRow): Promise<number> {
    const token = await claim(row);
    if (token === null) return 0;
    let cursor = Number(row.cursor_seq);
    let cpSize = Number(row.checkpoint_size);
    let delivered = 0;
    const failures = row.consecutive_failures;
    try {
      const dest = { orgId: row.org_id, filter: parseFilter(row.filter) };
      const batchSize = Number((JSON.parse(row.config) as { batchSize?: number }).batchSize ?? DEFAULT_BATCH_SIZE);
      const sink = sinkFor(row);
      for (let round = 0; round < MAX_BATCHES_PER_PASS; round++) {
        const feed = await readLedgerAfter(db, cursor, batchSize);
        const next = feed.length ? feed[feed.length - 1].seq : cursor;
        const cp = await db.selectFrom('ledger_checkpoints').selectAll().where('size', '>', cpSize).where('size', '<=', next + 1).orderBy('size', 'desc').limit(1).executeTakeFirst();
        const records: StreamRecord[] = feed.filter((f) => destinationReceives(dest, f.event)).map((f) => ({ kind: 'event', feed: f }));
        const events = records.length;
        if (cp) records.push({ kind: 'checkpoint', checkpoint: toStreamCheckpoint(cp) });
        if (records.length === 0 && next === cursor) break;
        if (records.length > 0) {
          try {
            await sink.deliver(records);
          } catch (err) {
            await fail(row, token, failures + 1, cursor, err);
            return delivered;
          }
        }
        const set: Partial<SiemDestinationRow> = { cursor_seq: next, checkpoint_size: cp ? Number(cp.size) : cpSize, consecutive_failures: 0, next_attempt_at: null, lease_until: iso(leaseMs) };
        if (events > 0) Object.assign(set, { last_delivered_at: iso(), last_delivered_seq: (records[events - 1] as { feed: { seq: number } }).feed.seq });
        if (!(await underLease(row.id, token, set))) return delivered;
        if (round === 0 && row.failing) await recordTransition(row, token, false, { kind: row.kind, failedAttempts: failures, cursorSeq: next, since: row.last_error_at });
        cursor = next;
        cpSize = cp ? Number(cp.size) : cpSize;
        delivered += events;
        if (events > 0) deps.metrics?.streamDelivered.inc(events, { destination: row.id });
        if (feed.length < batchSize) break;
      }
    } catch (err) {
      // A sink that cannot even be built (bad stored settings, a missing secret) fails like a refused batch.
      await fail(row, token, failures + 1, cursor, err).catch((e) => deps.logger?.error({ err: e }, 'recording a SIEM delivery failure failed'));
      return delivered;
    } finally {
      await underLease(row.id, token, { lease_owner: null, lease_until: null }).catch(() => false);
    }
    return delivered;
  }

  async function pass(): Promise<number> {
    const head = await ledgerHead(db);
    const latest = await db.selectFrom('ledger_checkpoints').select((eb) => eb.fn.max('size').as('size')).executeTakeFirst();
    const latestCp = latest?.size == null ? 0 : Number(latest.size);
    const now = iso();
    const rows = await db
      .selectFrom('siem_destinations')
      .selectAll()
      .where('status', '=', 'active')
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('id')
      .execute();
    const due = rows.filter((r) => Number(r.cursor_seq) < head || (latestCp > Number(r.checkpoint_size) && Number(r.cursor_seq) + 1 > Number(r.checkpoint_size)));
    const counts = await Promise.all(due.map((r) => serve(r)));
    // Sinks of destinations deleted meanwhile are closed.
    const live = new Set(rows.map((r) => r.id));
    for (const [id, entry] of sinks) {
      if (!live.has(id) && !(await db.selectFrom('siem_destinations').select('id').where('id', '=', id).executeTakeFirst())) {
        sinks.delete(id);
        void entry.sink.close();
      }
    }
    return counts.reduce((a, b) => a + b, 0);
  }

  function deliverOnce(): Promise<number> {
    if (queued) return queued;
    const run = chain.then(() => {
      queued = null;
      return pass();
    });
    queued = run;
    chain = run.catch(() => 0);
    return run;
  }

  const background = () => {
    deliverOnce().catch((err) => deps.logger?.error({ err }, 'SIEM delivery pass failed; will retry'));
  };

  return {
    deliverOnce,
    poke() {
      if (stopped || soon) return;
      soon = setTimeout(() => {
        soon = null;
        background();
      }, POKE_DELAY_MS);
      soon.unref();
    },
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(background, intervalMs);
      timer.unref();
      background();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (soon) clearTimeout(soon);
      timer = soon = null;
      await chain;
      for (const { sink } of sinks.values()) await sink.close();
      sinks.clear();
    },
  };
}
