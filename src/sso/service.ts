import { Resolver } from 'node:dns/promises';
import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { MasterKey } from '../platform/crypto.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { IdentityService } from '../identity/service.ts';
import type { AccessService } from '../access/service.ts';
import type { AccessRequestService } from '../access/requests.ts';
import type { FederatedSignInDeps } from './federated-sign-in.ts';
import { createConnectionService } from './connections.ts';
import { createDomainService, type TxtResolver } from './domains.ts';
import { createSsoGroupMappings } from './group-mappings.ts';
import { createAccountLinker } from './account-link.ts';
import { createFederatedSignIn, deriveFlowKey } from './federated-sign-in.ts';
import { createSetupLinks } from './setup-links.ts';
import { createTestLinks } from './test-links.ts';
import { createOidcDiscoveryCache, discoverOidcProvider } from './oidc/index.ts';
import { serviceProviderMetadata } from './saml/service-provider.ts';
import { KeyledgerError } from '../platform/errors.ts';

/** How long an OIDC provider's discovery document is reused. */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;

export interface SsoDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  master: MasterKey;
  identity: IdentityService;
  access: AccessService;
  requests: Pick<AccessRequestService, 'createPendingInScope' | 'cancelPendingInScope'>;
  openSessionInScope: FederatedSignInDeps['openSessionInScope'];
  publicUrl: string;
  /** DNS servers for domain verification (null: the system's resolver). */
  dnsServers: string[] | null;
}

function txtResolver(servers: string[] | null): TxtResolver {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (servers) resolver.setServers(servers);
  return (name) => resolver.resolveTxt(name);
}

/**
 * Enterprise SSO per organization: connections (SAML 2.0, OIDC), routed
 * domains, IdP group → role rules, the federated sign-in itself, and setup
 * links for the customer's own administrator.
 */
export function createSsoService(deps: SsoDeps) {
  const { db, runner, clock, newId, master, identity, access, requests, publicUrl } = deps;
  const discovery = createOidcDiscoveryCache({ ttlMs: DISCOVERY_TTL_MS });
  const connections = createConnectionService({
    db,
    runner,
    newId,
    clock,
    master,
    identity,
    publicUrl,
    checkOidc: async (config) => {
      discovery.invalidate(config.issuer);
      await discoverOidcProvider(config);
    },
  });
  const domains = createDomainService({ db, runner, newId, identity, resolveTxt: txtResolver(deps.dnsServers) });
  const groupMappings = createSsoGroupMappings({ db, runner, newId, identity, access, requests });
  const linker = createAccountLinker({ identity, newId });
  const signIn = createFederatedSignIn({ db, runner, clock, newId, flowKey: deriveFlowKey(master.key), connections, linker, groups: groupMappings, discovery, openSessionInScope: deps.openSessionInScope });
  const setupLinks = createSetupLinks({ db, runner, clock, newId, identity, publicUrl });
  const testLinks = createTestLinks({ db, runner, clock, newId, identity, publicUrl });

  return {
    connections,
    domains,
    groupMappings,
    signIn,
    setupLinks,
    testLinks,

    /**
     * Which of `userIds` have an identity-provider subject linked through one of the
     * organization's connections (they sign in to it through SSO): the compliance API's auth method.
     */
    async listLinkedUserIds(orgId: string, userIds: readonly string[]): Promise<Set<string>> {
      const out = new Set<string>();
      for (let i = 0; i < userIds.length; i += 500) {
        const rows = await db.selectFrom('sso_identities').select('user_id').where('org_id', '=', orgId).where('user_id', 'in', userIds.slice(i, i + 500)).execute();
        for (const r of rows) out.add(r.user_id);
      }
      return out;
    },

    /** The SP metadata XML of a SAML connection (public: the IdP administrator downloads it). Throws `sso.connection_not_found`. */
    async spMetadata(connectionId: string): Promise<string> {
      const row = await connections.findSamlConnection(connectionId);
      if (!row) throw new KeyledgerError('sso.connection_not_found', `no SAML connection "${connectionId}"`);
      return serviceProviderMetadata(connections.samlConfig(row));
    },
  };
}

export type SsoService = ReturnType<typeof createSsoService>;
