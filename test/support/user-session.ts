import { systemContext } from '../../src/audit/event.ts';
import type { Runtime } from '../../src/runtime.ts';
import type { Session } from '../../src/sessions/session.ts';
import { DEFAULT_SESSION_POLICY } from '../../src/sessions/session-policy.ts';
import { sessionCookieName } from '../../src/sessions/session-cookie.ts';

/**
 * Opens a session for a user through the sessions service, as a sign-in would,
 * and gives the Cookie header a browser would send with it. `amr` says how the
 * user signed in (["hwk","user"]: a passkey, phishing-resistant).
 */
export async function openUserSession(rt: Runtime, userId: string, options: { amr?: string[]; orgId?: string | null } = {}): Promise<{ cookie: string; token: string; session: Session }> {
  const amr = options.amr ?? ['hwk', 'user'];
  const acr = amr.includes('hwk') ? 'urn:keyledger:acr:phr' : 'urn:keyledger:acr:pwd';
  const { token, session } = await rt.sessions.create(systemContext('test', 'sign-in'), { userId, orgId: options.orgId ?? null, amr, acr, ip: '127.0.0.1', userAgent: 'vitest', policy: { ...DEFAULT_SESSION_POLICY } });
  return { cookie: `${sessionCookieName(rt.config.publicUrl)}=${token}`, token, session };
}

/** Headers of a same-site JSON change through the self-service API. */
export function sessionHeaders(cookie: string): Record<string, string> {
  return { cookie, 'sec-fetch-site': 'same-origin' };
}
