import { createHash } from 'node:crypto';
import type { Configuration } from 'openid-client';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { OidcConnectionConfig } from './connection-config.ts';
import { discoverOidcProvider } from './discover-provider.ts';

export interface OidcDiscoveryCache {
  /** The connection's openid-client configuration, discovered at most once per TTL (concurrent callers share one fetch). */
  get(config: OidcConnectionConfig): Promise<Configuration>;
  /** Forgets every configuration of this issuer (after the connection changes, or its IdP rotated something discovery says). */
  invalidate(issuer: string): void;
}

export interface OidcDiscoveryCacheOptions {
  /** How long a discovered configuration is reused. */
  ttlMs: number;
  /** Discovery (and request) timeout, as {@link discoverOidcProvider}. */
  timeoutMs?: number;
  /** The most configurations kept; the oldest goes first. Default 1000. */
  maxEntries?: number;
  clock?: Clock;
}

interface Entry {
  issuer: string;
  expiresAt: number;
  configuration: Promise<Configuration>;
}

/**
 * A small in-memory cache of discovered IdP configurations, so a sign-in does
 * not refetch the discovery document (and the JWKS openid-client keeps inside
 * the configuration). Keyed on issuer, client id and a SHA-256 of the client
 * secret: changing the secret gives a fresh configuration, and the key holds
 * no secret. A failed discovery is not cached.
 */
export function createOidcDiscoveryCache(options: OidcDiscoveryCacheOptions): OidcDiscoveryCache {
  const clock = options.clock ?? systemClock;
  const maxEntries = options.maxEntries ?? 1000;
  const entries = new Map<string, Entry>();

  return {
    get(config) {
      const key = cacheKey(config);
      const now = clock.now().getTime();
      const cached = entries.get(key);
      if (cached && cached.expiresAt > now) return cached.configuration;
      entries.delete(key);
      const configuration = discoverOidcProvider(config, { timeoutMs: options.timeoutMs });
      const entry: Entry = { issuer: config.issuer, expiresAt: now + options.ttlMs, configuration };
      entries.set(key, entry);
      configuration.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return configuration;
    },
    invalidate(issuer) {
      for (const [key, entry] of entries) if (entry.issuer === issuer) entries.delete(key);
    },
  };
}

function cacheKey(config: OidcConnectionConfig): string {
  const secret = createHash('sha256').update(config.clientSecret).digest('base64url');
  return JSON.stringify([config.issuer, config.clientId, secret]);
}
