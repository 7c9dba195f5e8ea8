import type { Db, Dialect } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { CompactRange, perfectSubtrees } from './merkle-tree.ts';
import { formatCheckpointBody, signCheckpoint } from './checkpoint-note.ts';
import type { LedgerSigner } from './ledger-signer.ts';
import { fetchNodeHashes, insertNodes, lockSequencer, nodeKey } from './tree-storage.ts';

export interface Checkpoint {
  size: number;
  rootHash: Buffer;
  note: string;
  keyId: string;
  createdAt: string;
}

export interface Sequencer {
  /**
   * Integrates every appended event not yet in the tree (up to `maxBatch`),
   * stores the new Merkle nodes and signs a checkpoint for the new size, in one
   * transaction. Returns null when there was nothing new.
   */
  integrate(maxBatch?: number): Promise<Checkpoint | null>;
  /** Integrates until nothing is left. */
  integrateAll(): Promise<Checkpoint | null>;
  /** Runs in the background: on a timer, and soon after appends (see `poke`). */
  start(): void;
  /**
   * Asks for an integration soon: within 50 ms when the last one is older
   * than the interval, otherwise when the interval is up, so that busy
   * traffic yields at most one checkpoint per interval.
   */
  poke(): void;
  stop(): Promise<void>;
}

export interface SequencerDeps {
  db: Db;
  dialect: Dialect;
  clock: Clock;
  signer: LedgerSigner;
  intervalMs: number;
  logger?: Logger;
}

const DEFAULT_BATCH = 50_000;

export function createSequencer(deps: SequencerDeps): Sequencer {
  let timer: NodeJS.Timeout | null = null;
  let soon: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = true;
  let lastRun = 0;

  async function integrate(maxBatch = DEFAULT_BATCH): Promise<Checkpoint | null> {
    return deps.db.transaction().execute(async (trx) => {
      await lockSequencer(trx, deps.dialect);
      const latest = await trx.selectFrom('ledger_checkpoints').select((eb) => eb.fn.max('size').as('size')).executeTakeFirst();
      const size = latest?.size == null ? 0 : Number(latest.size);
      const leaves = await trx
        .selectFrom('audit_events')
        .select(['seq', 'leaf_hash'])
        .where('seq', '>=', size)
        .orderBy('seq')
        .limit(maxBatch)
        .execute();
      if (leaves.length === 0) return null;

      const frontierRefs = perfectSubtrees(0, size);
      const frontierNodes = await fetchNodeHashes(trx, frontierRefs);
      const range = CompactRange.fromFrontier(size, frontierRefs.map((r) => frontierNodes.get(nodeKey(r.level, r.index))!));
      const created: Array<{ level: number; index: number; hash: Buffer }> = [];
      for (const leaf of leaves) {
        // Appends commit in sequence order, so what is visible is a prefix; stop at a gap all the same.
        if (Number(leaf.seq) !== range.size) break;
        for (const node of range.append(leaf.leaf_hash)) created.push(node);
      }
      if (range.size === size) return null;
      await insertNodes(trx, created);

      const rootHash = range.root();
      const body = formatCheckpointBody({ origin: deps.signer.keyName, size: range.size, rootHash });
      const note = signCheckpoint(body, { keyName: deps.signer.keyName, privateKey: deps.signer.privateKey });
      const checkpoint: Checkpoint = { size: range.size, rootHash, note, keyId: deps.signer.keyId, createdAt: deps.clock.now().toISOString() };
      await trx
        .insertInto('ledger_checkpoints')
        .values({ size: checkpoint.size, root_hash: rootHash, note, key_id: checkpoint.keyId, created_at: checkpoint.createdAt })
        .execute();
      return checkpoint;
    });
  }

  async function integrateAll(): Promise<Checkpoint | null> {
    let last: Checkpoint | null = null;
    for (;;) {
      const next = await integrate();
      if (!next) return last;
      last = next;
    }
  }

  function schedule(): void {
    lastRun = Date.now();
    running = running
      .then(() => integrateAll())
      .catch((err) => deps.logger?.error({ err }, 'ledger sequencer failed; will retry'));
  }

  return {
    integrate,
    integrateAll,
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(schedule, deps.intervalMs);
      timer.unref();
    },
    poke() {
      if (stopped || soon) return;
      const wait = Math.max(50, lastRun + deps.intervalMs - Date.now());
      soon = setTimeout(() => {
        soon = null;
        schedule();
      }, wait);
      soon.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (soon) clearTimeout(soon);
      timer = soon = null;
      await running;
    },
  };
}
