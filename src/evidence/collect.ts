import type { LedgerEvent } from '../audit/event.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { readDeprovisioningSla } from '../lifecycle/sla.ts';
import type { Runtime } from '../runtime.ts';
import type { CollectorFactory, CriterionCollector, CriterionSection, EvidenceContext } from './model.ts';
import { CRITERION_FACTORIES } from './criteria/index.ts';

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

type EventRow = { seq: number; body: string };

/**
 * The organization's events and the deployment-level ones (no organization),
 * in ledger order, with seq below `size`, time before `to` and one of
 * `actions`: two keyset-paged reads on the (org_id, seq) index merged by seq.
 * (One query with `org_id = ? OR org_id IS NULL` sorts the rest of the ledger
 * on every page.)
 */
export async function* readOrganizationEvents(rt: Runtime, ctx: EvidenceContext, actions: readonly string[]): AsyncGenerator<EventRow[]> {
  const db = rt.database.db;
  const page = (org: string | null, after: number) => {
    let q = db.selectFrom('audit_events').select(['seq', 'body']);
    q = org === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', org);
    return q.where('seq', '>', after).where('seq', '<', ctx.checkpoint.size).where('action', 'in', [...actions]).where('time', '<', ctx.params.to).orderBy('seq').limit(PAGE).execute();
  };
  const streams = [ctx.org.id, null].map((org) => ({ org, after: -1, rows: [] as EventRow[], at: 0, done: false }));
  const fill = async (s: (typeof streams)[number]) => {
    if (s.done || s.at < s.rows.length) return;
    s.rows = (await page(s.org, s.after)).map((r) => ({ seq: Number(r.seq), body: r.body }));
    s.at = 0;
    if (s.rows.length < PAGE) s.done = true;
    if (s.rows.length > 0) s.after = s.rows[s.rows.length - 1].seq;
  };
  for (;;) {
    await Promise.all(streams.map(fill));
    const [a, b] = streams;
    if (a.at >= a.rows.length && b.at >= b.rows.length) return;
    // Emit everything up to the smaller of the two buffers' last seq: both streams are complete below it.
    const limit = Math.min(a.at < a.rows.length && !a.done ? a.rows[a.rows.length - 1].seq : Infinity, b.at < b.rows.length && !b.done ? b.rows[b.rows.length - 1].seq : Infinity);
    const out: EventRow[] = [];
    while (true) {
      const na = a.at < a.rows.length ? a.rows[a.at] : null;
      const nb = b.at < b.rows.length ? b.rows[b.at] : null;
      const next = na && (!nb || na.seq < nb.seq) ? na : nb;
      if (!next || next.seq > limit) break;
      out.push(next);
      if (next === na) a.at++;
      else b.at++;
    }
    if (out.length > 0) yield out;
  }
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
  if (routes.size === 0) return 0;
  let read = 0;
  for await (const rows of readOrganizationEvents(rt, ctx, [...routes.keys()])) {
    for (const r of rows) {
      const event = JSON.parse(r.body) as LedgerEvent;
      for (const c of routes.get(event.action) ?? []) c.add(event);
    }
    read += rows.length;
    onProgress?.(read);
  }
  return read;
}

/** Computes the given criteria for a context: one pass over the ledger, then each collector's result. */
export async function collectSections(rt: Runtime, ctx: EvidenceContext, factories: CollectorFactory[], onProgress?: (read: number) => void): Promise<CriterionSection[]> {
  const collectors = await Promise.all(factories.map((f) => f(ctx, rt)));
  await feedCollectors(rt, ctx, collectors, onProgress);
  const sections: CriterionSection[] = [];
  for (const c of collectors) sections.push(await c.finish());
  return sections;
}

/**
 * Every criterion of an evidence package for a context, in the report's order:
 * what the package is built from and what the compliance summary shows, so the
 * two cannot disagree. No proofs, no files.
 */
export function collectCriteria(rt: Runtime, ctx: EvidenceContext, onProgress?: (read: number) => void): Promise<CriterionSection[]> {
  return collectSections(rt, ctx, CRITERION_FACTORIES, onProgress);
}
