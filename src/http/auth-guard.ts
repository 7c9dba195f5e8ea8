import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeyledgerError } from '../platform/errors.ts';
import type { CommandContext } from '../audit/event.ts';
import type { ApiKeyService, ApiPrincipal } from './api-key-service.ts';
import type { Scope } from './scopes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: ApiPrincipal;
  }
}

/**
 * An onRequest hook that admits a request only with a valid API key holding
 * `scope`. It runs before the body is read or validated, so a caller without a
 * usable key learns nothing about the contract and costs no parsing.
 */
export function requireScope(apiKeys: ApiKeyService, scope: Scope) {
  return requireAnyScope(apiKeys, [scope]);
}

/** Who is acting and from where, for the ledger. */
export function commandContext(request: FastifyRequest): CommandContext {
  if (!request.principal) throw new KeyledgerError('auth.unauthenticated', 'no authenticated principal');
  return { actor: request.principal.actor, request: requestContext(request) };
}

export function requestContext(request: FastifyRequest): CommandContext['request'] {
  const ua = request.headers['user-agent'];
  return { requestId: request.id, ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
}

/**
 * Like `requireScope`, admitting a key that holds any one of `scopes` (reads
 * both administrators and auditors may make, such as control-drift findings).
 */
export function requireAnyScope(apiKeys: ApiKeyService, scopes: readonly Scope[]) {
  return async function checkApiKey(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new KeyledgerError('auth.unauthenticated', 'send an API key as "Authorization: Bearer kl_key_…"');
    const principal = await apiKeys.authenticate(match[1]);
    if (!principal) throw new KeyledgerError('auth.unauthenticated', 'the API key is unknown, expired or revoked');
    if (!scopes.some((s) => principal.scopes.has(s))) {
      const needed = scopes.length === 1 ? `scope "${scopes[0]}"` : `one of the scopes ${scopes.map((s) => `"${s}"`).join(', ')}`;
      throw new KeyledgerError('auth.forbidden', `this endpoint needs ${needed}, which the API key does not hold`);
    }
    const stepUp = principal.authentication?.stepUp;
    if (stepUp && !stepUp.fresh && !SAFE_METHODS.has(request.method)) {
      throw new KeyledgerError('auth.step_up_required', `a change from the console needs a passkey proved in the last ${Math.round(stepUp.maxAgeSeconds / 60)} minutes; sign in again with acr_values and max_age as given`, {
        acrValues: stepUp.acrValues,
        maxAge: stepUp.maxAgeSeconds,
      });
    }
    request.principal = principal;
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** RFC 9470 §3: the challenge that tells an OAuth client which authentication to come back with. */
export function stepUpChallenge(details: { acrValues: string; maxAge: number }): string {
  return `Bearer error="insufficient_user_authentication", error_description="A fresh passkey proof is required", acr_values="${details.acrValues}", max_age=${details.maxAge}`;
}
