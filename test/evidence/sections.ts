import { collectSections, createEvidenceContext, type WindowRequest } from '../../src/evidence/collect.ts';
import type { CollectorFactory, CriterionSection, EvidenceTable, Row } from '../../src/evidence/model.ts';
import { ROW_BUILDERS } from '../../src/evidence/row-builders.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';
import type { Runtime } from '../../src/runtime.ts';

/** Computes one criterion for a window the way the exporter does (integrating the ledger first). */
export async function sectionFor(rt: Runtime, factory: CollectorFactory, request: WindowRequest): Promise<CriterionSection> {
  const ctx = await createEvidenceContext(rt, request);
  const [section] = await collectSections(rt, ctx, [factory]);
  return section;
}

/** The table of a section by name (fails loudly when it is missing). */
export function table(section: CriterionSection, name: string): EvidenceTable {
  const t = section.tables.find((x) => x.name === name);
  if (!t) throw new Error(`section ${section.id} has no table "${name}" (has ${section.tables.map((x) => x.name).join(', ')})`);
  return t;
}

/**
 * Recomputes every row of a table from its cited events, as the offline
 * verifier does, and returns the rows that come out different.
 */
export async function rowsNotRecomputable(rt: Runtime, t: EvidenceTable, request: WindowRequest): Promise<Array<{ index: number; row: Row; recomputed: Row }>> {
  if (!t.recompute) throw new Error(`table ${t.name} names no row builder`);
  const build = ROW_BUILDERS[t.recompute];
  if (!build) throw new Error(`no row builder "${t.recompute}"`);
  const ctx = await createEvidenceContext(rt, request);
  const out: Array<{ index: number; row: Row; recomputed: Row }> = [];
  for (const [index, r] of t.rows.entries()) {
    const events: LedgerEvent[] = [];
    for (const id of r.cites) events.push(await rt.ledger.getEvent(id));
    events.sort((a, b) => a.seq - b.seq);
    const recomputed = build(events, ctx.params);
    if (JSON.stringify(recomputed) !== JSON.stringify(r.row)) out.push({ index, row: r.row, recomputed });
  }
  return out;
}
