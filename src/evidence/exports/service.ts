import { systemContext, type CommandContext } from '../../audit/event.ts';
import type { CommandRunner } from '../../audit/command-runner.ts';
import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import type { IdentityService } from '../../identity/service.ts';
import { checkSampleSizes, checkWindow } from './export-request.ts';
import { toExportView, type EvidenceExportView } from './views.ts';

export interface ExportRequestInput {
  /** Organization id or slug. */
  org: string;
  from: string;
  to: string;
  /** The auditor's sampling seed (no samples without one). */
  seed?: string | null;
  /** Sample size per population, keyed `<criterion>/<table>`. */
  samples?: Record<string, number>;
}

/** What one run of the package builder hands back. */
export interface BuiltPackage {
  zip: Uint8Array;
  sha256: string;
  manifestSha256: string;
  checkpointSize: number;
  summary: Array<{ id: string; status: string; headline: string }>;
}

export type ExportProgress = (phase: string, done: number, total: number) => void;

export interface BuildRequest {
  orgId: string;
  from: string;
  to: string;
  seed: string | null;
  samples: Record<string, number>;
}

export interface EvidenceExportDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  identity: IdentityService;
  /** This node's name in export claims. */
  nodeId: string;
  /** Builds a package (reads the ledger; may take a minute on a large one). */
  build: (request: BuildRequest, progress: ExportProgress) => Promise<BuiltPackage>;
  /** How long a claim holds without progress before another node may take the export over. */
  leaseSeconds?: number;
}

const MAX_ATTEMPTS = 3;
const PROGRESS_EVERY_MS = 500;

class ClaimLost extends Error {}

/**
 * Evidence exports as jobs. A request is a ledger event and a queued row; a
 * node claims it under a lease (renewed with each progress write), builds the
 * package, and stores it with an `evidence.export.completed` event in one
 * transaction, conditional on still holding the claim. A node that dies
 * leaves its claim to expire and another takes over. Downloads are recorded.
 */
export function createEvidenceExportService(deps: EvidenceExportDeps) {
  const { db, runner, clock } = deps;
  const leaseMs = (deps.leaseSeconds ?? 60) * 1000;
  let running: Promise<void> | null = null;
  let stopped = false;

  async function requireExport(id: string) {
    const row = await db.selectFrom('evidence_exports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new KeyledgerError('evidence.export_not_found', `no evidence export with id "${id}"`);
    return row;
  }

  async function insertRequest(ctx: CommandContext, input: ExportRequestInput) {
    const org = await deps.identity.requireOrg(input.org);
    const now = clock.now();
    const window = checkWindow(input.from, input.to, now);
    const samples = checkSampleSizes(input.samples ?? {});
    const seed = input.seed ?? null;
    if (Object.keys(samples).length > 0 && seed === null) throw new KeyledgerError('evidence.seed_required', 'sample sizes were given without a seed: the auditor supplies the seed the samples are drawn from');
    const id = deps.newId();
    await runner.run(ctx, async ({ trx, now: at, record }) => {
      await trx
        .insertInto('evidence_exports')
        .values({
          id,
          org_id: org.id,
          window_from: window.from,
          window_to: window.to,
          seed,
          samples: JSON.stringify(samples),
          status: 'queued',
          phase: 'queued',
          requested_by: JSON.stringify({ type: ctx.actor.type, id: ctx.actor.id, display: ctx.actor.display }),
          requested_at: at.toISOString(),
        })
        .execute();
      record({ action: 'evidence.export.requested', org: org.id, targets: [{ type: 'evidence_export', id, display: `${org.slug} ${window.from}..${window.to}` }], data: { from: window.from, to: window.to, seed, samples } });
    });
    return id;
  }

  /** Claims `id` (or the oldest claimable export) for this node; returns its id or null. */
  async function claim(id?: string): Promise<string | null> {
    const now = clock.now();
    const nowIso = now.toISOString();
    let q = db
      .selectFrom('evidence_exports')
      .select(['id', 'status', 'attempts'])
      .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', nowIso)])]));
    if (id) q = q.where('id', '=', id);
    const candidates = await q.orderBy('requested_at').limit(5).execute();
    for (const c of candidates) {
      const res = await db
        .updateTable('evidence_exports')
        .set({ status: 'running', phase: 'starting', lease_owner: deps.nodeId, lease_until: new Date(now.getTime() + leaseMs).toISOString(), started_at: nowIso, attempts: c.attempts + 1 })
        .where('id', '=', c.id)
        .where('status', '=', c.status)
        .where('attempts', '=', c.attempts)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) return c.id;
    }
    return null;
  }

  async function run(id: string, observe?: ExportProgress): Promise<void> {
    const row = await requireExport(id);
    let last = 0;
    let pending: Promise<void> = Promise.resolve();
    const progress: ExportProgress = (phase, done, total) => {
      observe?.(phase, done, total);
      const t = Date.now();
      if (t - last < PROGRESS_EVERY_MS && phase !== 'done') return;
      last = t;
      pending = pending.then(async () => {
        const res = await db
          .updateTable('evidence_exports')
          .set({ phase, progress_done: done, progress_total: total, lease_until: new Date(clock.now().getTime() + leaseMs).toISOString() })
          .where('id', '=', id)
          .where('lease_owner', '=', deps.nodeId)
          .where('status', '=', 'running')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new ClaimLost();
      });
    };
    const request: BuildRequest = { orgId: row.org_id, from: row.window_from, to: row.window_to, seed: row.seed, samples: JSON.parse(row.samples) };
    const ctx = systemContext('evidence-export', 'Evidence export', `export-${id}`);
    let built: BuiltPackage;
    try {
      built = await deps.build(request, progress);
      await pending;
    } catch (err) {
      if (err instanceof ClaimLost) return;
      await fail(ctx, row.org_id, id, err, row.attempts + 1);
      return;
    }
    await runner.run(ctx, async ({ trx, now, record }) => {
      const res = await trx
        .updateTable('evidence_exports')
        .set({
          status: 'succeeded',
          phase: 'done',
          progress_done: 1,
          progress_total: 1,
          finished_at: now.toISOString(),
          lease_owner: null,
          lease_until: null,
          package_sha256: built.sha256,
          package_bytes: built.zip.byteLength,
          manifest_sha256: built.manifestSha256,
          checkpoint_size: built.checkpointSize,
          summary: JSON.stringify(built.summary),
        })
        .where('id', '=', id)
        .where('lease_owner', '=', deps.nodeId)
        .where('status', '=', 'running')
        .executeTakeFirst();
      // Another node took the export over while this one was slow: its result stands.
      if (Number(res.numUpdatedRows) !== 1) throw new ClaimLost();
      await trx.insertInto('evidence_export_packages').values({ export_id: id, content: Buffer.from(built.zip) }).execute();
      record({
        action: 'evidence.export.completed',
        org: row.org_id,
        targets: [{ type: 'evidence_export', id }],
        data: { from: row.window_from, to: row.window_to, packageSha256: built.sha256, manifestSha256: built.manifestSha256, bytes: built.zip.byteLength, checkpointSize: built.checkpointSize, criteria: built.summary.map((s) => ({ id: s.id, status: s.status })) },
      });
    }).catch((err) => {
      if (!(err instanceof ClaimLost)) throw err;
    });
  }

  async function fail(ctx: CommandContext, orgId: string, id: string, err: unknown, attempt: number): Promise<void> {
    const known = err instanceof KeyledgerError;
    const code = known ? err.code : 'internal';
    const message = known ? err.message : 'the export failed; the server log has the details';
    if (!known) deps.logger.error({ err, exportId: id }, 'evidence export failed');
    const final = known || attempt >= MAX_ATTEMPTS;
    await runner.run(ctx, async ({ trx, now, record }) => {
      await trx
        .updateTable('evidence_exports')
        .set(final ? { status: 'failed', phase: 'failed', finished_at: now.toISOString(), lease_owner: null, lease_until: null, error_code: code, error_message: message } : { status: 'queued', phase: 'queued', lease_owner: null, lease_until: null, error_code: code, error_message: message })
        .where('id', '=', id)
        .where('lease_owner', '=', deps.nodeId)
        .execute();
      record({ action: 'evidence.export.failed', outcome: 'failure', org: orgId, targets: [{ type: 'evidence_export', id }], data: { code, message, attempt, final } });
    });
  }

  /** Runs claimable exports on this node, one at a time, until none is left. */
  function drain(): Promise<void> {
    if (running || stopped) return running ?? Promise.resolve();
    running = (async () => {
      for (;;) {
        if (stopped) return;
        const id = await claim();
        if (!id) return;
        await run(id);
      }
    })()
      .catch((err) => deps.logger.error({ err }, 'evidence export worker failed'))
      .finally(() => {
        running = null;
      });
    return running;
  }

  return {
    /** Queues an export (an `evidence.export.requested` event) and starts it on this node. */
    async request(ctx: CommandContext, input: ExportRequestInput): Promise<EvidenceExportView> {
      const id = await insertRequest(ctx, input);
      void drain();
      return toExportView(await requireExport(id));
    },

    /**
     * Requests an export and builds it here and now (the CLI): returns the
     * finished view, or throws the failure's error.
     */
    async runNow(ctx: CommandContext, input: ExportRequestInput, observe?: ExportProgress): Promise<EvidenceExportView> {
      const id = await insertRequest(ctx, input);
      if ((await claim(id)) !== id) throw new KeyledgerError('internal', `export ${id} was claimed by another node`);
      await run(id, observe);
      const row = await requireExport(id);
      if (row.status !== 'succeeded') throw new KeyledgerError((row.error_code ?? 'internal') as 'internal', row.error_message ?? 'the export failed');
      return toExportView(row);
    },

    async get(id: string): Promise<EvidenceExportView> {
      return toExportView(await requireExport(id));
    },

    async list(filter: { org?: string }, page: { limit: number; cursor?: string }): Promise<{ items: EvidenceExportView[]; nextCursor: string | null }> {
      let q = db.selectFrom('evidence_exports').selectAll();
      if (filter.org) q = q.where('org_id', '=', (await deps.identity.requireOrg(filter.org)).id);
      if (page.cursor) q = q.where('id', '<', decodeCursor(page.cursor, 'evidence_export'));
      const rows = await q.orderBy('id', 'desc').limit(page.limit + 1).execute();
      const items = rows.slice(0, page.limit).map(toExportView);
      return { items, nextCursor: rows.length > page.limit ? encodeCursor('evidence_export', items[items.length - 1].id) : null };
    },

    /** The stored package of a finished export, without recording a download (the CLI writes it to a file it was asked for). */
    async packageOf(id: string): Promise<Buffer> {
      const pkg = await db.selectFrom('evidence_export_packages').select('content').where('export_id', '=', id).executeTakeFirst();
      if (!pkg) throw new KeyledgerError('evidence.export_not_ready', `export ${id} has no package`);
      return Buffer.from(pkg.content);
    },

    /** The finished package; each download is an `evidence.export.downloaded` event. */
    async download(ctx: CommandContext, id: string): Promise<{ content: Buffer; filename: string; sha256: string }> {
      const row = await requireExport(id);
      if (row.status !== 'succeeded') throw new KeyledgerError('evidence.export_not_ready', `export ${id} is ${row.status}; the package can be downloaded once it has succeeded`);
      const pkg = await db.selectFrom('evidence_export_packages').select('content').where('export_id', '=', id).executeTakeFirstOrThrow();
      const org = await deps.identity.requireOrg(row.org_id);
      await runner.run(ctx, async ({ record }) => {
        record({ action: 'evidence.export.downloaded', org: row.org_id, targets: [{ type: 'evidence_export', id }], data: { packageSha256: row.package_sha256 } });
      });
      return { content: Buffer.from(pkg.content), filename: `keyledger-evidence-${org.slug}-${row.window_from.slice(0, 10)}-${row.window_to.slice(0, 10)}.zip`, sha256: row.package_sha256! };
    },

    /** Starts any claimable export on this node (the `evidence.exports.run` job); returns how many were waiting. */
    async kick(): Promise<number> {
      const waiting = await db.selectFrom('evidence_exports').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['queued', 'running']).executeTakeFirst();
      void drain();
      return Number(waiting?.n ?? 0);
    },

    /** Resolves when this node's running export (if any) has finished. */
    idle(): Promise<void> {
      return running ?? Promise.resolve();
    },

    /** Stops taking exports and waits for the one running. */
    async stop(): Promise<void> {
      stopped = true;
      await (running ?? Promise.resolve());
    },
  };
}

export type EvidenceExportService = ReturnType<typeof createEvidenceExportService>;
