import type { LedgerEvent } from '../audit/event.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { readDeprovisioningSla } from '../lifecycle/sla.ts';
import type { Runtime } from '../runtime.ts';
import type { CollectorFactory, CriterionCollector, CriterionSection, EvidenceContext } from './model.ts';

const PAGE = 5_000;

export interface WindowRequest {
  /** Organization id or slug. */
  org: string;
  /** RFC 3339; the window is [from, to). */
  from: string;
  to: string;
}

/**
 * Fixes what a package is computed against: the organization, the window and
 * the latest signed checkpoint (after integrating everything appended so far,
 * so the window's last events are covered).
 */
export async function createEvidenceContext(rt: Runtime, request: WindowRequest): Promise<EvidenceContext> {
  const from = Date.parse(request.from);
  const to = Date.parse(request.to);
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new KeyledgerError('evidence.invalid_window', `"from" and "to" must be RFC 3339 times, got "${request.from}" and "${request.to}"`);
  if (from >= to) throw new KeyledgerError('evidence.invalid_window', `"from" (${request.from}) must be before "to" (${request.to})`);
  const org = await rt.identity.requireOrg(request.org);
  await rt.sequencer.integrateAll();
  const cp = await rt.ledger.latestCheckpoint();
  if (!cp) throw new KeyledgerError('ledger.checkpoint_not_found', 'the ledger has no signed checkpoint yet');
  return {
    org: { id: org.id, slug: org.slug, name: org.name },
    generatedAt: rt.clock.now().toISOString(),
    checkpoint: { size: cp.size, rootHash: cp.rootHash.toString('base64'), note: cp.note, createdAt: cp.createdAt },
    params: {
      orgId: org.id,
      orgSlug: org.slug,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      deprovisioningSlaHours: readDeprovisioningSla(org.settings),
    },
  };
}

/**
 * Reads the organization's events (and deployment-level ones) in ledger
 * order, up to the context's checkpoint and before the window's end, and feeds
 * each collector the actions it asked for. `onProgress` hears the number of
 * events read so far.
 */
export async function feedCollectors(rt: Runtime, ctx: EvidenceContext, collectors: CriterionCollector[], onProgress?: (read: number) => void): Promise<number> {
  const routes = new Map<string, CriterionCollector[]>();
  for (const c of collectors) for (const a of c.actions) routes.set(a, [...(routes.get(a) ?? []), c]);
  const actions = [...routes.keys()];
  if (actions.length === 0) return 0;
  const db = rt.database.db;
  let after = -1;
  let read = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .select(['seq', 'body'])
      .where('seq', '>', after)
      .where('seq', '<', ctx.checkpoint.size)
      .where('action', 'in', actions)
      .where((eb) => eb.or([eb('org_id', '=', ctx.org.id), eb('org_id', 'is', null)]))
      .where('time', '<', ctx.params.to)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    for (const r of rows) {
      const event = JSON.parse(r.body) as LedgerEvent;
      for (const c of routes.get(event.action) ?? []) c.add(event);
    }
    read += rows.length;
    onProgress?.(read);
    if (rows.length < PAGE) return read;
    after = Number(rows[rows.length - 1].seq);
  }
}

/** Computes the given criteria for a context: one pass over the ledger, then each collector's result. */
export async function collectSections(rt: Runtime, ctx: EvidenceContext, factories: CollectorFactory[], onProgress?: (read: number) => void): Promise<CriterionSection[]> {
  const collectors = await Promise.all(factories.map((f) => f(ctx, rt)));
  await feedCollectors(rt, ctx, collectors, onProgress);
  const sections: CriterionSection[] = [];
  for (const c of collectors) sections.push(await c.finish());
  return sections;
}
