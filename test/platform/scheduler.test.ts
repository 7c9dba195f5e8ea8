import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { openDatabase, type DatabaseHandle } from '../../src/platform/database.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createScheduler, LeaseLost, type Scheduler } from '../../src/platform/scheduler.ts';

const logger = createLogger('silent');
const SECOND = 1000;

/** Two nodes, each with its own connection to one database, racing for one lease: jobs run once per interval, on the leader only. */
for (const dialect of DIALECTS) {
  describe(`the leased scheduler, on ${dialect}`, () => {
    let database: TestDatabase;
    let second: DatabaseHandle;
    let clock: ManualClock;
    let lease = 0;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      second = openDatabase(database.target);
    });
    afterAll(async () => {
      await second?.destroy();
      await database?.drop();
    });
    beforeEach(() => {
      clock = new ManualClock('2026-12-01T00:00:00.000Z');
      lease++;
    });

    /** Two nodes on separate connections sharing one lease name (fresh per test). */
    const twoNodes = () => {
      const leaseName = `test-${lease}`;
      const a = createScheduler({ db: database.db, clock, logger, nodeId: 'node-a', leaseSeconds: 30, leaseName });
      const b = createScheduler({ db: second.db, clock, logger, nodeId: 'node-b', leaseSeconds: 30, leaseName });
      return { a, b, leaseName };
    };
    const jobRow = (name: string) => database.db.selectFrom('scheduler_jobs').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
    const leaseRow = (name: string) => database.db.selectFrom('scheduler_leases').selectAll().where('name', '=', name).executeTakeFirstOrThrow();

    it('runs a job once per due interval across two ticking nodes, never on both', async () => {
      const { a, b } = twoNodes();
      const runs: Array<{ node: string; at: string; token: number }> = [];
      const job = (node: string) => async (ctx: { now: Date; fencingToken: number }) => {
        runs.push({ node, at: ctx.now.toISOString(), token: ctx.fencingToken });
        return 1;
      };
      const name = `sweep-${lease}`;
      a.register(name, job('a'), { everySeconds: 60 });
      b.register(name, job('b'), { everySeconds: 60 });
      // Ten minutes of 5-second ticks, both nodes ticking each time, in both orders and at once.
      for (let i = 0; i < 120; i++) {
        const [ra, rb] = i % 3 === 0 ? await Promise.all([a.tick(), b.tick()]) : i % 2 === 0 ? [await a.tick(), await b.tick()] : [await b.tick(), await a.tick()].reverse();
        expect([ra.leader, rb.leader].filter(Boolean)).toHaveLength(1);
        clock.advance(5 * SECOND);
      }
      expect(runs).toHaveLength(10);
      expect(new Set(runs.map((r) => r.node))).toEqual(new Set(['a']));
      expect(runs.map((r) => r.at)).toEqual(Array.from({ length: 10 }, (_, i) => new Date(Date.parse('2026-12-01T00:00:00.000Z') + i * 60 * SECOND).toISOString()));
      expect(await jobRow(name)).toMatchObject({ runs: 10, failures: 0, last_error: null, last_result: 1, last_holder: 'node-a' });
      expect(a.status()).toMatchObject({ leader: true, fencingToken: 1, jobs: [name], lastRuns: { [name]: { ok: true, result: 1 } } });
      expect(b.status()).toMatchObject({ leader: false, fencingToken: null });
    });

    it('after the leader stops ticking, the other node takes over once the lease lapses, with a higher fencing token, and runs the due job once', async () => {
      const { a, b, leaseName } = twoNodes();
      const runs: string[] = [];
      const name = `expire-${lease}`;
      a.register(name, async () => void runs.push('a'), { everySeconds: 60 });
      b.register(name, async () => void runs.push('b'), { everySeconds: 60 });
      expect(await a.tick()).toMatchObject({ leader: true, fencingToken: 1, ran: [name] });
      expect(await b.tick()).toMatchObject({ leader: false, ran: [] });
      // Node a crashes: it ticks no more. Within the lease, b still may not lead.
      clock.advance(29 * SECOND);
      expect(await b.tick()).toMatchObject({ leader: false, ran: [] });
      clock.advance(1 * SECOND);
      const taken = await b.tick();
      expect(taken).toMatchObject({ leader: true, fencingToken: 2, ran: [] });
      expect(await leaseRow(leaseName)).toMatchObject({ holder: 'node-b', fencing_token: 2 });
      // The job ran at 0 s on a; it is due at 60 s, and runs once, on b.
      clock.advance(30 * SECOND);
      expect(await b.tick()).toMatchObject({ leader: true, fencingToken: 2, ran: [name] });
      expect(await b.tick()).toMatchObject({ ran: [] });
      expect(runs).toEqual(['a', 'b']);
      expect(await jobRow(name)).toMatchObject({ runs: 2, last_fencing_token: 2, last_holder: 'node-b' });
      // Node a comes back: it may not lead while b renews, and a clean stop hands the lease over at once.
      expect(await a.tick()).toMatchObject({ leader: false, ran: [] });
      await b.stop();
      expect(await a.tick()).toMatchObject({ leader: true, fencingToken: 3 });
    });

    it('a job that throws records last_error, gives its interval back and is retried on the next tick', async () => {
      const { a } = twoNodes();
      const name = `flaky-${lease}`;
      let calls = 0;
      a.register(
        name,
        async () => {
          calls++;
          if (calls === 1) throw new Error('the mail server said no');
          return 7;
        },
        { everySeconds: 3600 },
      );
      expect(await a.tick()).toMatchObject({ ran: [name], failed: [name] });
      expect(await jobRow(name)).toMatchObject({ last_run_at: null, last_error: 'Error: the mail server said no', failures: 1, runs: 1 });
      expect(a.status().lastRuns[name]).toMatchObject({ ok: false, error: 'Error: the mail server said no' });
      clock.advance(5 * SECOND);
      expect(await a.tick()).toMatchObject({ ran: [name], failed: [] });
      expect(await jobRow(name)).toMatchObject({ last_run_at: clock.now().toISOString(), last_error: null, last_result: 7, failures: 1, runs: 2 });
      clock.advance(5 * SECOND);
      expect(await a.tick()).toMatchObject({ ran: [] });
      expect(calls).toBe(2);
    });

    it('a stale leader whose lease was taken over cannot commit fenced work and runs no further job', async () => {
      const { a, b } = twoNodes();
      const first = `fenced-${lease}`;
      const next = `after-${lease}`;
      const table = `fence_probe_${lease}`;
      await database.db.schema.createTable(table).addColumn('id', 'text', (c) => c.primaryKey()).execute();
      const nextRuns: string[] = [];
      let fenceError: unknown = null;
      a.register(
        first,
        async (ctx) => {
          // While a works, its lease lapses and b takes over.
          clock.advance(31 * SECOND);
          expect(await b.tick()).toMatchObject({ leader: true, fencingToken: 2 });
          try {
            await database.db.transaction().execute(async (trx) => {
              await trx.insertInto(table as any).values({ id: 'stale-write' }).execute();
              await ctx.checkFence(trx);
            });
          } catch (err) {
            fenceError = err;
            throw err;
          }
        },
        { everySeconds: 60 },
      );
      a.register(next, async () => void nextRuns.push('a'), { everySeconds: 60 });
      b.register(first, async () => undefined, { everySeconds: 60 });
      b.register(next, async () => void nextRuns.push('b'), { everySeconds: 60 });
      const result = await a.tick();
      expect(fenceError).toBeInstanceOf(LeaseLost);
      expect(result).toMatchObject({ ran: [first], failed: [first], leader: false });
      // Nothing the stale leader wrote under the fence was committed, and it ran nothing more.
      expect(await database.db.selectFrom(table as any).selectAll().execute()).toEqual([]);
      // (b's takeover tick, inside a's job, ran the other job, whose interval a had not claimed.)
      expect(nextRuns).toEqual(['b']);
      // The fenced job gave its interval back: the new leader runs it on its next tick.
      const taken = await b.tick();
      expect(taken).toMatchObject({ leader: true, fencingToken: 2, ran: [first] });
      expect(nextRuns).toEqual(['b']);
      expect(await jobRow(first)).toMatchObject({ last_fencing_token: 2, last_holder: 'node-b', last_error: null });
    });

    it('a node whose lease was taken over neither renews nor claims on its next tick', async () => {
      const { a, b, leaseName } = twoNodes();
      const name = `claim-${lease}`;
      const runs: string[] = [];
      a.register(name, async () => void runs.push('a'), { everySeconds: 60 });
      b.register(name, async () => void runs.push('b'), { everySeconds: 60 });
      await a.tick();
      // b takes over the lapsed lease; a, still holding token 1 in memory, neither renews nor claims.
      clock.advance(61 * SECOND);
      expect(await b.tick()).toMatchObject({ leader: true, fencingToken: 2, ran: [name] });
      expect(await a.tick()).toMatchObject({ leader: false, ran: [] });
      expect(runs).toEqual(['a', 'b']);
      expect((await leaseRow(leaseName)).fencing_token).toBe(2);
    });
  });
}

describe('registering jobs', () => {
  let s: Scheduler;
  beforeAll(() => {
    s = createScheduler({ db: null as never, clock: new ManualClock(), logger, nodeId: 'n' });
  });
  it('refuses a duplicate name and an interval that is not whole seconds ≥ 1', () => {
    s.register('one', async () => undefined, { everySeconds: 1 });
    expect(() => s.register('one', async () => undefined, { everySeconds: 5 })).toThrow(/already registered/);
    expect(() => s.register('two', async () => undefined, { everySeconds: 0 })).toThrow(/whole number/);
    expect(() => s.register('three', async () => undefined, { everySeconds: 1.5 })).toThrow(/whole number/);
  });
});
