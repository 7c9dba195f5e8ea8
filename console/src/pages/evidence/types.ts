/** An evidence export as GET /api/v1/evidence/exports/{id} answers (src/evidence/exports/schemas.ts). */
export interface EvidenceExport {
  id: string;
  orgId: string;
  from: string;
  to: string;
  seed: string | null;
  samples: Record<string, number>;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
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

/** The export job's phases as people read them. */
export const PHASE_LABELS: Record<string, string> = {
  queued: 'Waiting to start',
  starting: 'Starting',
  reading_ledger: 'Reading the ledger',
  proving: 'Proving the events against the checkpoint',
  packaging: 'Writing the package',
  done: 'Done',
  failed: 'Failed',
};

export function phaseLabel(phase: string): string {
  return PHASE_LABELS[phase] ?? phase.replace(/_/g, ' ');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
