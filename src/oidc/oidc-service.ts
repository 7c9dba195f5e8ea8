import { createHmac } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import { systemContext, type CommandContext } from '../audit/event.ts';
import type { Clock } from '../platform/clock.ts';
import type { MasterKey } from '../platform/crypto.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import { findMembership, findUserById } from '../identity/repository.ts';
import { isKeyledgerError } from '../platform/errors.ts';
import { loadMfaRequirement, satisfiesMfa, type MfaPolicy } from '../authn/mfa-policy.ts';
import type { SessionService } from '../sessions/service.ts';
import { readSessionCookie } from '../sessions/session-cookie.ts';
import { createClientLoader, type ClientAuthHint, type ClientSources } from './clients.ts';
import { ACR_PHISHING_RESISTANT, asksPhishingResistant } from '../authn/acr.ts';
import { CONSOLE_CLIENT_ID } from '../console/operator.ts';
import { consoleClientMetadata } from '../console/console-client.ts';
import { createClientCache } from './client-cache.ts';
import { findActiveRolesByPrincipal } from '../access/repository.ts';
import { createOidcStore } from './oidc-store.ts';
import { buildProvider, type Account } from './provider.ts';
import { createSigningKeys, DEFAULT_KEY_ROTATION, toSigningKeyView, type KeyRotationPolicy, type SigningKeyView } from './signing-keys.ts';

export interface OidcServiceDeps {
  db: Db;
  /** The SQLite connection (null on PostgreSQL), for the token lookup every request makes. */
  sqlite?: BetterSqlite3.Database | null;
  runner: CommandRunner;
  clock: Clock;
  master: MasterKey;
  logger: Logger;
  publicUrl: string;
  /** The operator organization, whose members sign in to the console: its id, or null while it does not exist. */
  operatorOrgId?: () => Promise<string | null>;
  /** Whether X-Forwarded-* headers come from a proxy the operator trusts. */
  trustProxy?: boolean;
  sessions: SessionService;
  sources: ClientSources;
  verifyApplicationSecret(clientId: string, presented: string): Promise<boolean>;
  verifyServiceAccountSecret(clientId: string, presented: string): Promise<{ credentialId: string } | null>;
  recordCredentialUse(credentialId: string, ip: string): Promise<void>;
  keyPolicy?: KeyRotationPolicy;
  /** How often keys are checked against their schedule and expired artifacts purged (ms; 0 disables the timers). */
  maintenanceIntervalMs?: number;
}

const RANK: Record<MfaPolicy, number> = { optional: 0, required: 1, phishing_resistant: 2 };
const ACR_LEVEL: Record<string, MfaPolicy> = { mfa: 'required', phishing_resistant: 'phishing_resistant' };

/**
 * The OpenID Connect provider as a Keyledger service: its storage, its
 * signing keys on their rotation schedule (the provider is rebuilt when the
 * signing key changes), the revocation of a principal's grants and tokens,
 * and the authentication level each application demands of a user.
 */
export function createOidcService(deps: OidcServiceDeps) {
  const { db, runner, clock, logger } = deps;
  const issuer = `${deps.publicUrl}/oidc`;
  const store = createOidcStore(db, deps.sqlite ?? null);
  const keys = createSigningKeys({ db, runner, master: deps.master, policy: deps.keyPolicy ?? DEFAULT_KEY_ROTATION });
  const cache = createClientCache(
    {
      ...deps.sources,
      async loadScopes(sa) {
        const roles = await findActiveRolesByPrincipal(db, clock.now().toISOString(), { orgId: sa.orgId, principalType: 'service_account', principalId: sa.serviceAccountId });
        return [...new Set(roles.flatMap((r) => JSON.parse(r.permissions) as string[]))].sort();
      },
    },
    () => clock.now().getTime(),
  );
  const loadRegistered = createClientLoader(cache.load);
  /** A registered client, or the console (Keyledger's own client, defined by the operator organization, not stored). */
  async function loadClient(clientId: string, hint: ClientAuthHint): Promise<Record<string, unknown> | undefined> {
    if (clientId !== CONSOLE_CLIENT_ID) return loadRegistered(clientId, hint);
    const orgId = deps.operatorOrgId ? await deps.operatorOrgId() : null;
    return orgId ? consoleClientMetadata(deps.publicUrl, orgId) : undefined;
  }
  const cookieKeys = [createHmac('sha256', deps.master.key).update('keyledger:oidc-cookies').digest('base64url')];
  let current: { provider: Provider; callback: ReturnType<Provider['callback']>; fingerprint: string } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let starting: Promise<void> | null = null;

  /** The MFA level a user must have met to use the application: the strictest of the application's demand and the organization's policy for the user (not while in grace). */
  async function requiredLevel(client: Record<string, unknown>, userId: string): Promise<MfaPolicy> {
    const appLevel = ACR_LEVEL[String(client.kl_required_acr)] ?? 'optional';
    const requirement = await loadMfaRequirement(db, { userId, orgId: String(client.kl_org_id), now: clock.now() });
    const orgLevel = requirement.inGrace ? 'optional' : requirement.level;
    return RANK[appLevel] >= RANK[orgLevel] ? appLevel : orgLevel;
  }

  async function findAccount(sub: string, orgId: string | undefined): Promise<Account | undefined> {
    const user = await findUserById(db, sub);
    if (!user || user.status !== 'active') return undefined;
    if (orgId && !(await findMembership(db, orgId, sub))) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: user.email, email_verified: user.email_verified_at !== null, name: user.name ?? undefined, updated_at: Math.floor(Date.parse(user.updated_at) / 1000), org_id: orgId };
      },
    };
  }

  async function needsInteraction(ctx: KoaContextWithOIDC): Promise<boolean> {
    const token = readSessionCookie(ctx.get('cookie'), deps.publicUrl);
    if (!token) return true;
    const check = await deps.sessions.inspect(token);
    if (!check.ok) return true;
    const oidcSession = ctx.oidc.session;
    if (!oidcSession || oidcSession.accountId !== check.session.userId) return true;
    // A step-up since the provider session began changes what tokens must say (acr, amr).
    if ([...(oidcSession.amr ?? [])].sort().join() !== [...check.session.amr].sort().join()) return true;
    // A request for a phishing-resistant sign-in (the console's step-up) is met only by a passkey login of this provider session.
    if (asksPhishingResistant(ctx.oidc.params?.acr_values) && oidcSession.acr !== ACR_PHISHING_RESISTANT) return true;
    const client = ctx.oidc.client;
    if (!client) return true;
    try {
      return !satisfiesMfa(await requiredLevel(client.metadata(), check.session.userId), check.session.amr);
    } catch (err) {
      // The requirement is read through the membership: no membership, the interaction page refuses the user.
      if (isKeyledgerError(err) && (err.code === 'membership.not_found' || err.code === 'organization.not_found')) return true;
      throw err;
    }
  }

  async function tokenAccessAllowed(_ctx: KoaContextWithOIDC, caller: { clientId: string; orgId: string }, token: { clientId: string; accountId?: string; kind: string; extra?: Record<string, unknown> }): Promise<boolean> {
    // Disabled or deleted clients, and service accounts left without a usable credential, have no live tokens.
    const owner = token.clientId === caller.clientId ? { kl_org_id: caller.orgId, kl_kind: null } : await loadClient(token.clientId, null);
    if (!owner || String(owner.kl_org_id) !== caller.orgId) return false;
    const credentialId = token.extra?.credential_id;
    if (typeof credentialId === 'string' && !(await cache.isCredentialActive(token.clientId, credentialId))) return false;
    if (token.accountId && !(await findAccount(token.accountId, caller.orgId))) return false;
    return true;
  }

  // The provider reports replays from inside its own request handling; the event is recorded beside it and tracked so shutdown waits for it.
  const pending = new Set<Promise<void>>();
  function record(action: string, data: Record<string, unknown>, targets: Array<{ type: string; id: string; display?: string }> = []) {
    const done = runner
      .run(systemContext('oidc-provider', 'OpenID Connect provider'), async ({ record: rec }) => rec({ action, targets, data }))
      .then(() => undefined, (err) => logger.error({ err, action }, 'could not record an OpenID Connect event'))
      .finally(() => pending.delete(done));
    pending.add(done);
  }

  function build(privateJwks: Record<string, unknown>[]): Provider {
    return buildProvider({
      issuer,
      trustProxy: deps.trustProxy ?? false,
      cookieKeys,
      privateJwks,
      adapterFor: (model) => store.adapterFor(model),
      loadClient,
      async verifyClientSecret(client, presented) {
        return cache.verifySecret(client.clientId, presented, async () => {
          if (client.kind === 'service_account') return (await deps.verifyServiceAccountSecret(client.clientId, presented)) ?? false;
          return (await deps.verifyApplicationSecret(client.clientId, presented)) ? {} : false;
        });
      },
      recordCredentialUse: deps.recordCredentialUse,
      findAccount,
      needsInteraction,
      tokenAccessAllowed,
      onEvent(name, ctx, detail) {
        const grantId = (detail.args as unknown[])[0];
        if (name === 'grant.revoked' && ctx?.oidc?.route === 'token') {
          // The token endpoint revokes a grant only when a used code or a rotated-out refresh token comes back: a replay.
          const clientId = ctx.oidc.client?.clientId;
          record('oidc.token.replay_detected', { grantId, clientId, grantType: ctx.oidc.params?.grant_type ?? null, ip: ctx.ip }, clientId ? [{ type: 'client', id: clientId }] : []);
        } else if (name === 'server_error') {
          logger.error({ err: grantId }, 'the OpenID Connect provider failed a request');
        }
      },
    });
  }

  /** Builds the provider (and its first signing key) unless done already. */
  function ready(): Promise<void> {
    starting ??= refreshKeys().catch((err) => {
      starting = null;
      throw err;
    });
    return starting;
  }

  async function refreshKeys(): Promise<void> {
    const now = clock.now();
    const set = keys.keySet(await keys.ensure(now), now);
    if (current?.fingerprint === set.fingerprint) return;
    const provider = build(set.privateJwks);
    // Koa composes its middleware in callback(): once per provider, not per request.
    current = { provider, callback: provider.callback(), fingerprint: set.fingerprint };
  }

  return {
    loadClient,
    /** Called with the actions of every committed command: drops cached clients a change may have altered. */
    onCommitted: cache.onCommitted,
    requiredLevel,
    /**
     * Starts the key schedule timer. The provider itself (and its first
     * signing key, a ledger event) is made on first use: a deployment that
     * never serves OpenID Connect never gets a key.
     */
    start(): void {
      const every = deps.maintenanceIntervalMs ?? 60_000;
      if (every > 0) {
        timer = setInterval(() => {
          if (current) refreshKeys().catch((err) => logger.error({ err }, 'signing key rotation failed'));
          store.purgeExpired().catch((err) => logger.error({ err }, 'purging expired OpenID Connect artifacts failed'));
        }, every);
        timer.unref();
      }
    },
    ready,
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
    /** Resolves once every provider event recorded so far is in the ledger (or was logged as failed). */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    /** The provider in force (rebuilt when the signing key changes). */
    provider(): Provider {
      if (!current) throw new Error('the OpenID Connect provider has not started');
      return current.provider;
    },
    /** The provider's request handler (Node's (req, res)). */
    callback(): ReturnType<Provider['callback']> {
      if (!current) throw new Error('the OpenID Connect provider has not started');
      return current.callback;
    },
    refreshKeys,
    /** Whether this node has built its provider (first use); before that it holds no signing keys to refresh. */
    started: (): boolean => current !== null,
    async listSigningKeys(): Promise<SigningKeyView[]> {
      const now = clock.now();
      return (await keys.live(now)).map((r) => toSigningKeyView(r, now)).reverse();
    },
    async rotateSigningKeyNow(ctx: CommandContext): Promise<SigningKeyView> {
      await ready();
      const row = await keys.rotateNow(ctx, clock.now());
      await refreshKeys();
      return toSigningKeyView(row, clock.now());
    },
    /** Inside a command: deletes a user's provider sessions, grants and tokens (deprovisioning, deactivation). */
    async revokeAccount(scope: CommandScope, userId: string): Promise<number> {
      return store.revokeAccount(scope.trx as unknown as Db, userId);
    },
    /** Inside a command: deletes every token issued to a client (application or service account). */
    async revokeClient(scope: CommandScope, clientId: string): Promise<number> {
      return store.revokeClient(scope.trx as unknown as Db, clientId);
    },
    /** Inside a command: deletes the tokens issued against one service-account credential. */
    async revokeCredential(scope: CommandScope, credentialId: string): Promise<number> {
      return store.revokeCredential(scope.trx as unknown as Db, credentialId);
    },
  };
}

export type OidcService = ReturnType<typeof createOidcService>;
