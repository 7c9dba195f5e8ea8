import { sql } from 'kysely';
import { dialectOf, type Db } from './database.ts';
import type { Trx } from '../audit/command-runner.ts';

/** What a node holds after acquiring or renewing: the fencing token and when the lease lapses. */
export interface HeldLease {
  token: number;
  expiresAt: string;
}

/** Thrown by a fence check when the lease a job started under is no longer this node's (taken over, or lapsed). */
export class LeaseLost extends Error {
  constructor(readonly lease: string, readonly token: number) {
    super(`the scheduler lease "${lease}" is no longer held under fencing token ${token}; the job's work is abandoned`);
    this.name = 'LeaseLost';
  }
}

/**
 * A database lease with fencing. Every change is one conditional statement, so
 * two nodes racing for the lease cannot both win: PostgreSQL locks the row and
 * re-checks the condition for the second writer; SQLite runs one write at a time.
 * Times are RFC 3339 text from each node's clock (compared as text); node
 * clocks must agree to well within the lease duration.
 */
export function createLease(deps: { db: Db; name: string; nodeId: string; leaseSeconds: number }) {
  const { db, name, nodeId, leaseSeconds } = deps;
  const until = (now: Date) => new Date(now.getTime() + leaseSeconds * 1000).toISOString();

  /** Creates the lease row for this node when none exists yet (token 1). */
  async function insertFirst(now: Date): Promise<HeldLease | null> {
    const expiresAt = until(now);
    const res = await db
      .insertInto('scheduler_leases')
      .values({ name, holder: nodeId, fencing_token: 1, acquired_at: now.toISOString(), expires_at: expiresAt })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1 ? { token: 1, expiresAt } : null;
  }

  /** Extends the lease this node holds under `token`; fails once anyone else took it (the token moved on). */
  async function renew(now: Date, token: number): Promise<HeldLease | null> {
    const expiresAt = until(now);
    const res = await db.updateTable('scheduler_leases').set({ expires_at: expiresAt }).where('name', '=', name).where('holder', '=', nodeId).where('fencing_token', '=', token).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1 ? { token, expiresAt } : null;
  }

  /** Takes over a lapsed lease (or this node's own from a previous life), incrementing the fencing token. */
  async function takeOver(now: Date): Promise<HeldLease | null> {
    const time = now.toISOString();
    const expiresAt = until(now);
    const row = await db
      .updateTable('scheduler_leases')
      .set({ holder: nodeId, fencing_token: sql<number>`fencing_token + 1`, acquired_at: time, expires_at: expiresAt })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('expires_at', '<=', time), eb('holder', '=', nodeId)]))
      .returning('fencing_token')
      .executeTakeFirst();
    return row ? { token: Number(row.fencing_token), expiresAt } : null;
  }

  return {
    name,
    /**
     * Acquires or renews the lease for `now`: renews when this node still holds `held`,
     * else takes it over when free or lapsed. Returns what this node holds, or null
     * (another node holds a live lease).
     */
    async acquire(now: Date, held: HeldLease | null): Promise<HeldLease | null> {
      if (held) {
        const renewed = await renew(now, held.token);
        if (renewed) return renewed;
      }
      return (await insertFirst(now)) ?? (await takeOver(now));
    },

    /** Ends this node's lease at `now` (a clean stop), so another node need not wait for it to lapse. */
    async release(now: Date, held: HeldLease): Promise<void> {
      await db.updateTable('scheduler_leases').set({ expires_at: now.toISOString() }).where('name', '=', name).where('holder', '=', nodeId).where('fencing_token', '=', held.token).execute();
    },

    /**
     * Throws `LeaseLost` unless this node still holds the lease under `token`, unexpired at `now`.
     * Called inside a job's transaction just before it commits: on PostgreSQL the row is read
     * `for share`, so a takeover (an UPDATE of that row) waits until the job's transaction ends;
     * on SQLite write transactions are serialized, so none can commit in between either.
     */
    async checkFence(reader: Db | Trx, token: number, now: Date): Promise<void> {
      let q = reader.selectFrom('scheduler_leases').select(['holder', 'fencing_token', 'expires_at']).where('name', '=', name);
      if (dialectOf(reader as Db) === 'postgres') q = q.forShare();
      const row = await q.executeTakeFirst();
      if (!row || row.holder !== nodeId || Number(row.fencing_token) !== token || row.expires_at <= now.toISOString()) throw new LeaseLost(name, token);
    },

    /** The lease row as stored (for status and tests). */
    async read() {
      return db.selectFrom('scheduler_leases').selectAll().where('name', '=', name).executeTakeFirst();
    },
  };
}

export type Lease = ReturnType<typeof createLease>;
