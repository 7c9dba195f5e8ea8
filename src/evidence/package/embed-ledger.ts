import { KeyledgerError } from '../../platform/errors.ts';
import type { Runtime } from '../../runtime.ts';
import type { CriterionSection, EvidenceContext } from '../model.ts';
import { buildBatchProof } from './batch-proof.ts';
import type { PackageLedger } from './write-package.ts';

const CHUNK = 500;

/**
 * The ledger part of a package: the canonical bodies of every event the
 * sections cite (seq order), their batch inclusion proof against the
 * context's checkpoint, the checkpoint and the verifier key. Throws
 * `ledger.event_not_found` when a cited event is not in the ledger or not
 * covered by that checkpoint. With nothing cited the proof is empty.
 */
export async function embedCitedEvents(rt: Runtime, ctx: EvidenceContext, sections: readonly CriterionSection[]): Promise<PackageLedger> {
  const ids = [...new Set(sections.flatMap((s) => s.tables.flatMap((t) => t.rows.flatMap((r) => r.cites))))];
  const size = ctx.checkpoint.size;
  const events: Array<{ seq: number; body: string }> = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const rows = await rt.database.db.selectFrom('audit_events').select(['id', 'seq', 'body']).where('id', 'in', chunk).where('seq', '<', size).execute();
    if (rows.length !== chunk.length) {
      const found = new Set(rows.map((r) => r.id));
      const missing = chunk.find((id) => !found.has(id));
      throw new KeyledgerError('ledger.event_not_found', `cited event ${missing} is not in the ledger below the checkpoint of tree size ${size}`);
    }
    for (const r of rows) events.push({ seq: Number(r.seq), body: r.body });
  }
  events.sort((a, b) => a.seq - b.seq);
  const proof = events.length ? await buildBatchProof(rt.database.db, events.map((e) => e.seq), size) : { treeSize: size, leaves: [], hashes: [] };
  return {
    checkpoint: { size, rootHash: ctx.checkpoint.rootHash, note: ctx.checkpoint.note },
    verifierKey: rt.signer.verifierKey,
    events,
    proof,
  };
}
