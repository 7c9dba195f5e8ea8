import Fastify, { type FastifyInstance } from 'fastify';
import type { CommandContext } from '../../src/audit/event.ts';
import type { Runtime } from '../../src/runtime.ts';
import { createAuthnService, type AuthnService } from '../../src/authn/service.ts';
import { createPasswordHasher, type PasswordHasher } from '../../src/authn/password/password-hasher.ts';
import { installErrorHandler } from '../../src/http/error-handler.ts';
import { requestContext } from '../../src/http/auth-guard.ts';
import { refusalOf } from './thrown.ts';

let nextAddress = 1;

/** A fresh documentation-range address (198.18.0.0/15) per call, so per-address limits never interfere across attempts. */
export function freshIp(): string {
  const n = nextAddress++;
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
}

/** The context the hosted login page would pass: the page as actor, the browser's address and user agent. */
export function webContext(ip: string, userAgent = 'Mozilla/5.0 (lockout test)'): CommandContext {
  return { actor: { type: 'system', id: 'login-page', display: 'login page' }, request: { requestId: `req-${ip}-${nextAddress++}`, ip, userAgent } };
}

/** `count` failed password sign-ins for `email`, each from a fresh address (a distributed guess, so no per-address limit applies). */
export async function failSignIns(rt: Runtime, email: string, count: number, password = 'not-the-password-at-all-71'): Promise<void> {
  for (let i = 0; i < count; i++) {
    const err = await refusalOf(rt.authn.beginPasswordLogin(webContext(freshIp()), { email, password }));
    if (err.code !== 'authn.login_failed') throw new Error(`unexpected refusal ${err.code}`);
  }
}

/** Locks `email`'s account (or the email, when no account has it) with as many failures as the policy needs. */
export async function lockAccount(rt: Runtime, email: string): Promise<void> {
  await failSignIns(rt, email, rt.config.lockout.threshold);
}

/**
 * The smallest HTTP front a login page puts on `beginPasswordLogin`: a JSON
 * POST /login through Keyledger's own error handler, with the client address
 * and user agent from the request. For comparing responses byte for byte.
 */
export async function buildLoginApp(authn: Pick<AuthnService, 'beginPasswordLogin'>): Promise<FastifyInstance> {
  const app = Fastify() as unknown as FastifyInstance;
  installErrorHandler(app);
  app.post('/login', async (request) => {
    const body = request.body as { email: string; password: string };
    const ctx: CommandContext = { actor: { type: 'system', id: 'login-page', display: 'login page' }, request: requestContext(request) };
    const r = await authn.beginPasswordLogin(ctx, body);
    return { mfaRequired: r.mfaRequired };
  });
  await app.ready();
  return app;
}

/** The real argon2id hasher, counting every argon2 verification it runs (real and dummy alike). */
export function countingHasher(): PasswordHasher & { calls: number } {
  const real = createPasswordHasher();
  const counted = {
    calls: 0,
    params: real.params,
    hash: (password: string) => real.hash(password),
    async verify(encoded: string, password: string) {
      counted.calls++;
      return real.verify(encoded, password);
    },
    async dummyVerify(password: string) {
      counted.calls++;
      return real.dummyVerify(password);
    },
  };
  return counted;
}

/** An authn service on `t`'s runtime (same database, ledger and lockout guard) whose argon2 work is counted. */
export function countedAuthn(rt: Runtime): { authn: AuthnService; hasher: ReturnType<typeof countingHasher> } {
  const hasher = countingHasher();
  const authn = createAuthnService({ db: rt.database.db, runner: rt.runner, clock: rt.clock, newId: rt.newId, master: rt.master, sessions: rt.sessions, identity: rt.identity, hasher, guard: rt.lockouts.guard });
  return { authn, hasher };
}

export { refusalOf };
