/** A ledger event as GET /api/v1/audit/events returns it. */
export interface LedgerEvent {
  id: string;
  seq: number;
  time: string;
  action: string;
  outcome: string;
  reason?: string;
  actor: { type: string; id: string; display: string };
  org: string | null;
  targets: Array<{ type: string; id: string; display?: string }>;
  context: Record<string, unknown>;
  data: Record<string, unknown>;
  v: number;
}

/** GET /api/v1/audit/events/{id}/proof. */
export interface InclusionProof {
  eventId: string;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  proof: string[];
  checkpoint: string;
}

/** GET /api/v1/audit/checkpoints/{size|latest}. */
export interface Checkpoint {
  size: number;
  rootHash: string;
  note: string;
  keyId: string;
  createdAt: string;
}

/** GET /.well-known/keyledger/ledger-key. */
export interface PublishedLedgerKey {
  keyName: string;
  keyId: string;
  algorithm: 'Ed25519';
  verifierKey: string;
  publicKeyPem: string;
}

/** Where each kind of target has its console page, when it has one. */
const TARGET_PAGES: Record<string, (id: string) => string> = {
  user: (id) => `/users/${id}`,
  finding: (id) => `/monitoring/findings/${id}`,
  alert: (id) => `/monitoring/alerts/${id}`,
  incident: (id) => `/monitoring/incidents/${id}`,
};

/** The console page of a ledger target (user, finding, alert, incident), or null. */
export function targetPage(type: string, id: string): string | null {
  return TARGET_PAGES[type]?.(id) ?? null;
}

/** The ledger explorer page of one event. */
export const eventPage = (id: string): string => `/audit/events/${id}`;
