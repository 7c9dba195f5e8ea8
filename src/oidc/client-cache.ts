import { createHash } from 'node:crypto';
import type { ApplicationClient, ClientSources, ServiceAccountClient } from './clients.ts';

/** Ledger actions after which a cached client may be stale: applications, service accounts and their credentials, roles and assignments, organization settings (credential age policy). */
const STALE_AFTER = ['oidc.application.', 'identity.service_account.', 'access.', 'identity.organization.'];

/** Whether a committed action may have made a cached client stale (what `onCommitted` drops the cache for). */
export function makesClientsStale(action: string): boolean {
  return STALE_AFTER.some((p) => action.startsWith(p));
}

/** How long an entry may be served at most, even without a change seen in this process. */
export const CLIENT_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export interface CachedClient {
  serviceAccount?: ServiceAccountClient & { scopes: string[] };
  application?: ApplicationClient;
}

interface Entry<T> {
  generation: number;
  at: number;
  value: T;
}

/**
 * What the provider looks up on every token and introspection request — the
 * client, its active credentials, the check of a presented secret — kept in
 * memory so a request is one query (the token itself). Every committed change
 * that could alter a client is a ledger event, and any such event drops the
 * whole cache before the next request (`onCommitted`); entries also expire
 * after a few seconds. Credentials past their expiry are filtered on every
 * read, so an overlap window ends on time.
 */
export function createClientCache(sources: ClientSources & { loadScopes(serviceAccount: ServiceAccountClient): Promise<string[]> }, now: () => number) {
  let generation = 0;
  const clients = new Map<string, Entry<CachedClient | null>>();
  const secrets = new Map<string, Entry<{ credentialId?: string } | false>>();

  function fresh<T>(entry: Entry<T> | undefined): entry is Entry<T> {
    return entry !== undefined && entry.generation === generation && now() - entry.at < CLIENT_CACHE_TTL_MS;
  }

  function bounded<T>(map: Map<string, Entry<T>>, key: string, value: T): void {
    if (map.size >= MAX_ENTRIES) map.clear();
    map.set(key, { generation, at: now(), value });
  }

  /** The client's record with credentials past their expiry removed. */
  function current(client: CachedClient | null): CachedClient | null {
    if (!client?.serviceAccount) return client;
    const iso = new Date(now()).toISOString();
    const sa = client.serviceAccount;
    return { serviceAccount: { ...sa, credentials: sa.credentials.filter((c) => c.expiresAt === null || c.expiresAt > iso) } };
  }

  async function load(clientId: string): Promise<CachedClient | null> {
    const hit = clients.get(clientId);
    if (fresh(hit)) return current(hit.value);
    const started = generation;
    const sa = await sources.findServiceAccount(clientId);
    let value: CachedClient | null = null;
    if (sa) value = { serviceAccount: { ...sa, scopes: await sources.loadScopes(sa) } };
    else {
      const app = await sources.findApplication(clientId);
      if (app) value = { application: app };
    }
    // A change committed while this was loading may not be in it: keep it out of the cache.
    if (started === generation) bounded(clients, clientId, value);
    return current(value);
  }

  return {
    load,
    /** A presented secret's verdict, cached by its SHA-256 (never the secret itself); re-checked against the client's live credentials. */
    async verifySecret(clientId: string, presented: string, verify: () => Promise<{ credentialId?: string } | false>): Promise<{ credentialId?: string } | false> {
      const key = `${clientId}:${createHash('sha256').update(presented).digest('base64url')}`;
      const hit = secrets.get(key);
      let verdict: { credentialId?: string } | false;
      if (fresh(hit)) verdict = hit.value;
      else {
        const started = generation;
        verdict = await verify();
        if (started === generation) bounded(secrets, key, verdict);
      }
      if (verdict && verdict.credentialId) {
        const client = await load(clientId);
        if (!client?.serviceAccount?.credentials.some((c) => c.id === verdict.credentialId)) return false;
      }
      return verdict;
    },
    /** Whether a service-account credential is active now (its account active, not revoked, not expired). */
    async isCredentialActive(clientId: string, credentialId: string): Promise<boolean> {
      const client = await load(clientId);
      return client?.serviceAccount?.credentials.some((c) => c.id === credentialId) ?? false;
    },
    /** Drops everything when a committed change could have altered a client. */
    onCommitted(actions: readonly string[]): void {
      if (actions.some(makesClientsStale)) {
        generation++;
        clients.clear();
        secrets.clear();
      }
    },
  };
}

export type ClientCache = ReturnType<typeof createClientCache>;
