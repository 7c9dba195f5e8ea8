import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { SessionService } from '../sessions/service.ts';
import type { OidcService } from './oidc-service.ts';

export interface AccessRevoked {
  sessionsRevoked: number;
  tokensRevoked: number;
}

/**
 * The one call deprovisioning makes: every browser session of a user and
 * every provider session, grant, authorization code, access and refresh
 * token issued for them end in the same transaction, with a ledger event
 * that says how much was revoked (recorded even when nothing was live, as
 * the evidence that the removal ran).
 */
export function createPrincipalRevocation(deps: { runner: CommandRunner; sessions: SessionService; oidc: OidcService }) {
  async function revokeUserInScope(scope: CommandScope, userId: string, reason: string): Promise<AccessRevoked> {
    const sessionsRevoked = await deps.sessions.revokeAllForUserInScope(scope, userId, reason);
    const tokensRevoked = await deps.oidc.revokeAccount(scope, userId);
    scope.record({ action: 'identity.user.access_revoked', targets: [{ type: 'user', id: userId }], data: { userId, reason, sessionsRevoked, tokensRevoked } });
    return { sessionsRevoked, tokensRevoked };
  }
  return {
    revokeUserInScope,
    async revokeUser(ctx: CommandContext, userId: string, reason: string): Promise<AccessRevoked> {
      return (await deps.runner.run(ctx, (scope) => revokeUserInScope(scope, userId, reason))).result;
    },
  };
}

export type PrincipalRevocation = ReturnType<typeof createPrincipalRevocation>;
