/**
 * The report of an offline package verification, and the collector the
 * checks write their problems into. Each problem has a stable code, the file
 * it is about and, where there is one, the row (1-based, header excluded) or
 * line (1-based) — docs/evidence-verify.md lists the codes.
 */

/** The checks, in the order they run and are printed. */
export const PACKAGE_CHECKS = {
  key: 'verifier key',
  signature: 'manifest signature',
  files: 'file digests and sizes',
  checkpoint: 'signed checkpoint',
  events: 'embedded ledger events',
  proof: 'batch inclusion proof',
  tables: 'populations (cited events, CSV = JSON)',
  recompute: 'rows recomputed from their cited events',
  consistency: 'log consistency proof',
  samples: 'samples re-drawn',
} as const;
export type PackageCheck = keyof typeof PACKAGE_CHECKS;

export interface PackageProblem {
  code: string;
  file: string;
  row?: number;
  line?: number;
  message: string;
}

export interface VerifyPackageReport {
  ok: boolean;
  checkpoint: { size: number; rootHash: string } | null;
  /** The key signatures were checked with (the pinned one, or the package's own). */
  verifierKey: string | null;
  /** True when the key was given by the caller rather than read from the package. */
  pinned: boolean;
  counts: { files: number; events: number; rows: number; rowsRecomputed: number };
  /** Every check, passed or not; `skipped` when the package lacks what it checks (e.g. no samples). */
  checks: Array<{ check: PackageCheck; title: string; result: 'ok' | 'failed' | 'skipped'; problems: number }>;
  problems: PackageProblem[];
  /** Problems beyond the first MAX_PROBLEMS are counted, not listed. */
  problemsOmitted: number;
}

const MAX_PROBLEMS = 200;

/** Collects problems per check; `report` turns them into the final report. */
export class ProblemLog {
  readonly problems: PackageProblem[] = [];
  omitted = 0;
  readonly #byCheck = new Map<PackageCheck, number>();
  readonly #skipped = new Set<PackageCheck>();

  add(check: PackageCheck, problem: PackageProblem): void {
    this.#byCheck.set(check, (this.#byCheck.get(check) ?? 0) + 1);
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
    else this.omitted++;
  }

  /** Marks a check as not applicable to this package. */
  skip(check: PackageCheck): void {
    this.#skipped.add(check);
  }

  failed(check: PackageCheck): boolean {
    return (this.#byCheck.get(check) ?? 0) > 0;
  }

  checks(): VerifyPackageReport['checks'] {
    return (Object.keys(PACKAGE_CHECKS) as PackageCheck[]).map((check) => {
      const problems = this.#byCheck.get(check) ?? 0;
      return { check, title: PACKAGE_CHECKS[check], result: problems ? 'failed' : this.#skipped.has(check) ? 'skipped' : 'ok', problems };
    });
  }
}
