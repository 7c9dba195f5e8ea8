import type { ClusterBus } from '../platform/cluster-bus.ts';
import type { Logger } from '../platform/logger.ts';
import { makesClientsStale } from './client-cache.ts';

/** The bus topic carrying committed actions that make another node's in-memory state stale. */
export const INVALIDATE_TOPIC = 'invalidate';

/** A change of the provider's signing keys (emergency rotation): other nodes rebuild their provider instead of waiting for their key timer. */
const SIGNING_KEY_CHANGE = 'oidc.signing_key.';

/** The node-local state the fan-out keeps current: the OIDC client cache and the provider's signing keys. */
export interface FannedOutCaches {
  onCommitted(actions: readonly string[]): void;
  /** Rebuilds the provider when its key set changed; only called on a node whose provider is running. */
  refreshKeys(): Promise<void>;
  /** Whether this node has built its provider (a node that never served OIDC has no keys to refresh). */
  started(): boolean;
}

/** The distinct actions among `actions` that another node must hear about, or none. */
export function selectInvalidatingActions(actions: readonly string[]): string[] {
  return [...new Set(actions.filter((a) => makesClientsStale(a) || a.startsWith(SIGNING_KEY_CHANGE)))];
}

/**
 * Tells the other nodes what this node committed, and acts on what they
 * committed: their client changes drop this node's client cache at once (not
 * after its TTL), their signing-key changes rebuild this node's provider.
 * Sessions and tokens are read from the database on every request, so they
 * need no message. Returns `committed`, to call after each local commit.
 */
export function createCacheFanOut(deps: { bus: ClusterBus; caches: FannedOutCaches; logger: Logger }) {
  const { bus, caches, logger } = deps;
  bus.subscribe(INVALIDATE_TOPIC, (payload) => {
    const actions = Array.isArray(payload.actions) ? payload.actions.filter((a): a is string => typeof a === 'string') : [];
    if (actions.length === 0) return;
    caches.onCommitted(actions);
    if (actions.some((a) => a.startsWith(SIGNING_KEY_CHANGE)) && caches.started()) {
      caches.refreshKeys().catch((err) => logger.error({ err }, 'cluster bus: reloading signing keys another node changed failed'));
    }
  });
  return {
    /** After a local commit: publishes the actions other nodes must act on (nothing when there are none). */
    committed(actions: readonly string[]): void {
      const selected = selectInvalidatingActions(actions);
      if (selected.length > 0) bus.publish(INVALIDATE_TOPIC, { actions: selected });
    },
  };
}
