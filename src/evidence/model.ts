import type { LedgerEvent } from '../audit/event.ts';
import type { Runtime } from '../runtime.ts';

/**
 * The shape of a SOC 2 evidence package, shared by the exporter (which reads
 * the ledger and the configuration), the package writer and the offline
 * verifier (which has nothing but the package).
 */

/** Folder names inside the package, one per Trust Services criterion (plus two cross-cutting topics). */
export const CRITERIA = ['CC6.1', 'CC6.2', 'CC6.3', 'CC6.5', 'CC6.6', 'CC6.7', 'CC7.2-CC7.3', 'privileged-access', 'log-integrity'] as const;
export type CriterionId = (typeof CRITERIA)[number];

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

export interface Column {
  name: string;
  /** What the column holds, in words an auditor understands (goes into the criterion's README). */
  description: string;
}

/** One row of a population and the ids of the ledger events it was computed from. */
export interface CitedRow {
  row: Row;
  cites: string[];
}

/** A population: written as `<criterion>/<name>.csv` and `<criterion>/<name>.json`. */
export interface EvidenceTable {
  /** File stem inside the criterion's folder, kebab-case, e.g. `new-users`. */
  name: string;
  title: string;
  /** One paragraph: what the auditor is looking at and how to test it. */
  description: string;
  columns: Column[];
  rows: CitedRow[];
  /**
   * Name of a registered row builder (`ROW_BUILDERS`): the verifier recomputes
   * every row of this table from its cited events alone. Tables read from the
   * configuration (not the ledger) leave it unset.
   */
  recompute?: string;
  /** The column that identifies a row: set on populations an auditor samples (e.g. `user_id`). */
  sampleKey?: string;
}

export type Status = 'pass' | 'attention' | 'info';

export interface Fact {
  label: string;
  value: string | number;
  /** Marks a fact that needs the auditor's attention. */
  attention?: boolean;
}

/** A bar chart (histogram), rendered as SVG in the report and beside the criterion's files. */
export interface Chart {
  /** File stem, e.g. `deprovisioning-latency` → `<criterion>/deprovisioning-latency.svg`. */
  name: string;
  title: string;
  xLabel: string;
  yLabel: string;
  buckets: Array<{ label: string; count: number; attention?: boolean }>;
}

/** An extra file a criterion carries as-is (a signed checkpoint, a consistency proof). */
export interface Attachment {
  /** Path inside the criterion's folder, e.g. `consistency-proof.json`. */
  name: string;
  content: string;
  description: string;
}

export interface CriterionSection {
  id: CriterionId;
  title: string;
  /** What the criterion asks, in one or two sentences (the README's opening). */
  summary: string;
  status: Status;
  /** One sentence: the result in plain words ("All 12 leavers lost access within the 24-hour SLA."). */
  headline: string;
  facts: Fact[];
  tables: EvidenceTable[];
  charts: Chart[];
  attachments: Attachment[];
}

/** Parameters recorded in the manifest: everything a row builder needs besides its cited events. */
export interface EvidenceParameters {
  orgId: string;
  orgSlug: string;
  /** Window start (inclusive) and end (exclusive), RFC 3339. */
  from: string;
  to: string;
  /** The organization's deprovisioning SLA in hours at export time. */
  deprovisioningSlaHours: number;
}

export interface EvidenceContext {
  params: EvidenceParameters;
  org: { id: string; slug: string; name: string };
  generatedAt: string;
  /** The checkpoint every cited event is proven against; only events with seq < size are read. */
  checkpoint: { size: number; rootHash: string; note: string; createdAt: string };
}

/**
 * Computes one criterion in a single pass over the ledger: the exporter feeds
 * it, in ledger order, every event of the organization (and deployment-level
 * events, whose `org` is absent) with time before the window's end and whose
 * action is in `actions`. Events from before the window arrive too, so state
 * at the window's start is known.
 */
export interface CriterionCollector {
  readonly actions: readonly string[];
  add(event: LedgerEvent): void;
  finish(): Promise<CriterionSection>;
}

/** Makes a collector; may read configuration through the runtime's services (never their tables). */
export type CollectorFactory = (ctx: EvidenceContext, rt: Runtime) => Promise<CriterionCollector> | CriterionCollector;

/**
 * Recomputes one row from the events it cites (given in ledger order) and the
 * package parameters. Pure: the exporter builds its rows with it and the
 * offline verifier calls it again on the embedded events.
 */
export type RowBuilder = (cited: LedgerEvent[], params: EvidenceParameters) => Row;

/** Where the log-integrity criterion puts its consistency proof (the verifier checks it). */
export const CONSISTENCY_PROOF_FILE = 'log-integrity/consistency-proof.json';
