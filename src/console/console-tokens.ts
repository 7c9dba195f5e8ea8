import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { OidcService } from '../oidc/oidc-service.ts';
import type { ApiPrincipal } from '../http/api-key-service.ts';
import { findMembership, findUserById } from '../identity/repository.ts';
import { findActiveRolesByPrincipal } from '../access/repository.ts';
import { ACR_PHISHING_RESISTANT } from '../authn/acr.ts';
import { CONSOLE_CLIENT_ID, scopesOfPermissions } from './operator.ts';

const MAX_TOKEN_LENGTH = 256;

/**
 * The admin API's second kind of bearer credential: an access token the
 * provider issued to the console. It stands for a user of the operator
 * organization, and it is checked on every request: the token must be live,
 * the user active and still a member, and the scopes are the `keyledger:*`
 * permissions of the roles the user holds at this moment (a revoked or
 * expired assignment, or an ended elevation, takes effect on the next call).
 * The token's acr and auth_time (when a passkey was proved) travel with the
 * principal, for the step-up check on changes.
 */
export function createConsoleTokens(deps: { db: Db; clock: Clock; oidc: OidcService; operatorOrgId: () => Promise<string | null>; stepUpSeconds: number }) {
  const { db, clock, oidc } = deps;
  return {
    async authenticate(presented: string): Promise<ApiPrincipal | null> {
      if (presented.startsWith('kl_') || presented.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(presented)) return null;
      await oidc.ready();
      const token = await oidc.provider().AccessToken.find(presented);
      if (!token || token.clientId !== CONSOLE_CLIENT_ID || token.isExpired || !token.accountId) return null;
      const orgId = await deps.operatorOrgId();
      if (!orgId) return null;
      const user = await findUserById(db, token.accountId);
      if (!user || user.status !== 'active' || !(await findMembership(db, orgId, user.id))) return null;
      const roles = await findActiveRolesByPrincipal(db, clock.now().toISOString(), { orgId, principalType: 'user', principalId: user.id });
      const scopes = scopesOfPermissions(roles.flatMap((r) => JSON.parse(r.permissions) as string[]));
      const extra = (token.extra ?? {}) as { acr?: unknown; auth_time?: unknown };
      const acr = typeof extra.acr === 'string' ? extra.acr : null;
      const authTime = typeof extra.auth_time === 'number' ? extra.auth_time : null;
      // A change needs a passkey proved within the step-up window; reads do not.
      const fresh = acr === ACR_PHISHING_RESISTANT && authTime !== null && clock.now().getTime() / 1000 - authTime <= deps.stepUpSeconds;
      return {
        actor: { type: 'user', id: user.id, display: user.email },
        scopes,
        authentication: { acr, authTime, stepUp: { fresh, acrValues: ACR_PHISHING_RESISTANT, maxAgeSeconds: deps.stepUpSeconds } },
      };
    },
  };
}

export type ConsoleTokens = ReturnType<typeof createConsoleTokens>;
