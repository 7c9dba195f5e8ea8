/** The one shape of every ledger event (see docs/audit-events.md). */

export type ActorType = 'user' | 'service_account' | 'api_key' | 'scim_directory' | 'hr_source' | 'sso_connection' | 'sso_setup_link' | 'system';

export interface Actor {
  type: ActorType;
  id: string;
  display: string;
}

export interface Target {
  type: string;
  id: string;
  display?: string;
}

export interface RequestContext {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  sessionId?: string;
  authMethods?: string[];
}

export interface LedgerEvent {
  id: string;
  seq: number;
  time: string;
  action: string;
  outcome: 'success' | 'failure';
  reason?: string;
  actor: Actor;
  org: string | null;
  targets: Target[];
  context: RequestContext;
  data: Record<string, unknown>;
  v: number;
}

/** What a command says happened; the ledger adds id, seq, time, actor and context. */
export interface EventDraft {
  action: string;
  outcome?: 'success' | 'failure';
  reason?: string;
  org?: string | null;
  targets: Target[];
  data?: Record<string, unknown>;
}

/** Who is acting and from where: carried from the edge (HTTP, CLI) into every command. */
export interface CommandContext {
  actor: Actor;
  request: RequestContext;
}

/** The context for work the platform does by itself (sequencer, schedulers, CLI on the host). */
export function systemContext(id: string, display: string, requestId = `sys-${id}`): CommandContext {
  return { actor: { type: 'system', id, display }, request: { requestId, ip: null, userAgent: null } };
}
