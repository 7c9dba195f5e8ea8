import type { Generated } from 'kysely';

/** Evidence exports (migration 0026); see `src/evidence/exports`. */
export interface EvidenceTables {
  evidence_exports: EvidenceExportsTable;
  evidence_export_packages: EvidenceExportPackagesTable;
}

export type EvidenceExportStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface EvidenceExportsTable {
  id: string;
  org_id: string;
  window_from: string;
  window_to: string;
  /** The auditor's sampling seed; null draws no samples. */
  seed: string | null;
  /** JSON: sample size per population (`<criterion>/<table>`). */
  samples: string;
  status: EvidenceExportStatus;
  /** queued | reading_ledger | computing | proving | packaging | done | failed */
  phase: string;
  progress_done: Generated<number>;
  progress_total: Generated<number>;
  /** JSON: the actor who asked for it. */
  requested_by: string;
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: Generated<number>;
  /** The node running it and until when its claim holds (another node takes over after). */
  lease_owner: string | null;
  lease_until: string | null;
  error_code: string | null;
  error_message: string | null;
  package_sha256: string | null;
  package_bytes: number | null;
  manifest_sha256: string | null;
  checkpoint_size: number | null;
  /** JSON: each criterion's id, status and headline. */
  summary: string | null;
}

export interface EvidenceExportPackagesTable {
  export_id: string;
  content: Buffer;
}
