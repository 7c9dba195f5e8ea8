import type { Selectable } from 'kysely';
import type { EvidenceExportsTable, EvidenceExportStatus } from '../../platform/schema-evidence.ts';

export interface EvidenceExportView {
  id: string;
  orgId: string;
  from: string;
  to: string;
  seed: string | null;
  samples: Record<string, number>;
  status: EvidenceExportStatus;
  progress: { phase: string; done: number; total: number; percent: number };
  requestedBy: { type: string; id: string; display?: string };
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
  error: { code: string; message: string } | null;
  package: { sha256: string; bytes: number; manifestSha256: string; checkpointSize: number } | null;
  summary: Array<{ id: string; status: string; headline: string }> | null;
}

/** Rough share of the work each phase stands for, so one progress bar runs from 0 to 100. */
const PHASES: Record<string, [number, number]> = { queued: [0, 0], starting: [0, 2], reading_ledger: [2, 70], proving: [70, 85], packaging: [85, 99], done: [100, 100], failed: [100, 100] };

export function toExportView(r: Selectable<EvidenceExportsTable>): EvidenceExportView {
  const [lo, hi] = PHASES[r.phase] ?? [0, 0];
  const done = Number(r.progress_done);
  const total = Number(r.progress_total);
  const percent = r.status === 'succeeded' ? 100 : Math.floor(lo + (hi - lo) * (total > 0 ? Math.min(1, done / total) : 0));
  return {
    id: r.id,
    orgId: r.org_id,
    from: r.window_from,
    to: r.window_to,
    seed: r.seed,
    samples: JSON.parse(r.samples),
    status: r.status,
    progress: { phase: r.phase, done, total, percent },
    requestedBy: JSON.parse(r.requested_by),
    requestedAt: r.requested_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    attempts: Number(r.attempts),
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    package: r.status === 'succeeded' && r.package_sha256 ? { sha256: r.package_sha256, bytes: Number(r.package_bytes), manifestSha256: r.manifest_sha256!, checkpointSize: Number(r.checkpoint_size) } : null,
    summary: r.summary ? JSON.parse(r.summary) : null,
  };
}
