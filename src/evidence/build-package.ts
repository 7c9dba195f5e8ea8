import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import type { Runtime } from '../runtime.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { collectCriteria, createEvidenceContext } from './collect.ts';
import type { CriterionSection, EvidenceContext } from './model.ts';
import { embedCitedEvents } from './package/embed-ledger.ts';
import { writeEvidencePackage } from './package/write-package.ts';
import { renderReport } from './report/render-report.ts';
import { chartSvg } from './report/chart-svg.ts';
import type { BuildRequest, BuiltPackage, ExportProgress } from './exports/service.ts';

/** Sample keys must name populations the package has (tables an auditor samples). */
function checkSamplesExist(sections: CriterionSection[], samples: Record<string, number>): void {
  const populations = new Set(sections.flatMap((s) => s.tables.filter((t) => t.sampleKey).map((t) => `${s.id}/${t.name}`)));
  for (const key of Object.keys(samples)) {
    if (!populations.has(key)) throw new KeyledgerError('evidence.invalid_sample', `no population "${key}" to sample; the package has ${[...populations].sort().join(', ')}`);
  }
}

/**
 * Builds an organization's evidence package: one pass over the ledger into
 * every criterion, the cited events with a batch inclusion proof against the
 * checkpoint, the report, and a manifest signed with the ledger key.
 */
export async function buildEvidencePackage(rt: Runtime, request: BuildRequest, progress: ExportProgress): Promise<BuiltPackage> {
  const ctx: EvidenceContext = await createEvidenceContext(rt, { org: request.orgId, from: request.from, to: request.to });
  // Two counts on the (org_id, seq) index: the organization's events and the deployment's.
  const count = async (org: string | null) => {
    const q = rt.database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('seq', '<', ctx.checkpoint.size);
    return Number((await (org === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', org)).executeTakeFirst())?.n ?? 0);
  };
  const total = { n: (await count(ctx.org.id)) + (await count(null)) };
  progress('reading_ledger', 0, total.n);
  const sections = await collectCriteria(rt, ctx, (read) => progress('reading_ledger', read, Math.max(read, total.n)));
  checkSamplesExist(sections, request.samples);

  progress('proving', 0, 1);
  const ledger = await embedCitedEvents(rt, ctx, sections);

  progress('packaging', 0, 1);
  const sampling = request.seed !== null && Object.keys(request.samples).length > 0 ? { seed: request.seed, sizes: request.samples } : undefined;
  const charts = sections.flatMap((s) => s.charts.map((c) => ({ path: `${s.id}/${c.name}.svg`, content: chartSvg(c) })));
  const zip = writeEvidencePackage({
    ctx,
    sections,
    ledger,
    sampling,
    extraFiles: [{ path: 'report.html', content: renderReport({ ctx, sections, sampling }) }, ...charts],
    signer: { keyName: rt.signer.keyName, privateKey: rt.signer.privateKey },
  });
  const manifest = unzipSync(zip, { filter: (f) => f.name === 'manifest.json' })['manifest.json'];
  progress('done', 1, 1);
  return {
    zip,
    sha256: createHash('sha256').update(zip).digest('hex'),
    manifestSha256: createHash('sha256').update(manifest).digest('hex'),
    checkpointSize: ctx.checkpoint.size,
    summary: sections.map((s) => ({ id: s.id, status: s.status, headline: s.headline })),
  };
}
