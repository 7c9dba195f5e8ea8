import type { Db } from '../platform/database.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { SessionService } from '../sessions/service.ts';
import type { Session } from '../sessions/session.ts';
import type { FactorVerification, LoginMethods } from './login-methods.ts';
import * as repo from './repository.ts';
import { acrForAmr } from './mfa-policy.ts';

export interface ReauthenticationDeps {
  db: Db;
  runner: CommandRunner;
  sessions: SessionService;
  methods: LoginMethods;
}

/**
 * Re-authentication inside a live session, before a sensitive action
 * (removing a factor, changing the password): the user proves their password
 * again, and their TOTP code when they have an authenticator. Success records
 * a step-up on the session (fresh `stepUpAt`, merged amr) in the same
 * transaction that spends the TOTP step; a refusal is its own ledger event.
 */
export function createReauthentication(deps: ReauthenticationDeps) {
  const { db, runner, sessions, methods } = deps;
  return {
    /** Throws `authn.reauthentication_failed` (the reason is in the ledger only), `session.ended`. */
    async reauthenticate(ctx: CommandContext, session: Session, input: { password: string; totpCode?: string }): Promise<Session> {
      const attempt = { userId: session.userId, challengeId: null };
      const hasTotp = (await repo.findActiveTotpFactorByUserId(db, session.userId)) !== undefined;
      const checks: { method: string; verdict: FactorVerification }[] = [{ method: 'password', verdict: await methods.password.verify(attempt, input.password) }];
      if (hasTotp) checks.push({ method: 'totp', verdict: await methods.totp.verify(attempt, input.totpCode ?? '') });
      const refused = checks.find((c) => !c.verdict.ok);
      const refuse = async (method: string, reason: string) => {
        await runner.run(ctx, async ({ record }) => {
          record({ action: 'authn.reauthentication.failed', outcome: 'failure', reason, org: session.orgId, targets: [{ type: 'user', id: session.userId }, { type: 'session', id: session.id }], data: { userId: session.userId, sessionId: session.id, method, reason } });
        });
        return new KeyledgerError('authn.reauthentication_failed', 'the password or code was not accepted');
      };
      if (refused && !refused.verdict.ok) throw await refuse(refused.method, refused.verdict.reason);
      const amr = hasTotp ? ['pwd', 'otp'] : ['pwd'];
      // The acr follows every method proven in the session, so it only ever rises.
      const acr = acrForAmr([...session.amr, ...amr]);
      let lost: string | null = null;
      try {
        const { result } = await runner.run(ctx, async (scope) => {
          for (const c of checks) {
            if (!c.verdict.ok) continue;
            const failure = await c.verdict.commit(scope);
            // A concurrent sign-in spent the same TOTP code first.
            if (failure) {
              lost = failure;
              throw new KeyledgerError('authn.reauthentication_failed', 'the password or code was not accepted');
            }
          }
          return sessions.recordStepUpInScope(scope, session.id, amr, { acr });
        });
        return result;
      } catch (err) {
        if (lost) throw await refuse('totp', lost);
        throw err;
      }
    },
  };
}

export type Reauthentication = ReturnType<typeof createReauthentication>;
