import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import type { CommandContext } from '../audit/event.ts';
import { requestContext } from '../http/auth-guard.ts';
import type { Session } from '../sessions/session.ts';
import type { User } from '../identity/views.ts';
import { clearSessionCookie, readSessionCookie, serializeSessionCookie } from '../sessions/session-cookie.ts';
import { requireFreshAuthentication, stepUpFreshnessSeconds } from '../authn/step-up.ts';
import { isKeyledgerError } from '../platform/errors.ts';
import { html } from './html.ts';
import { layout } from './page-layout.ts';

/** Holds a password login's pending second-factor challenge between the two sign-in steps (HttpOnly; never in a page). */
export const LOGIN_COOKIE = 'kl_login';

/** Who is signed in on this request: the live session and its user. */
export interface SignedIn {
  session: Session;
  user: User;
}

/** The actor of what an anonymous visitor does on the hosted pages (sign-in attempts, sign-up, reset requests). */
export function visitorContext(request: FastifyRequest): CommandContext {
  return { actor: { type: 'system', id: 'hosted-pages', display: 'hosted sign-in pages' }, request: requestContext(request) };
}

/** The context of what a signed-in user does to their own account, carrying the session and its methods. */
export function userContext(request: FastifyRequest, who: SignedIn): CommandContext {
  return {
    actor: { type: 'user', id: who.user.id, display: who.user.email },
    request: { ...requestContext(request), sessionId: who.session.id, authMethods: who.session.amr },
  };
}

/**
 * The live session behind the request's cookie, checked on every request (a
 * revoked session is refused on its very next request), or null. A cookie
 * that no longer names a live session is cleared; an inactive user's session
 * counts as none.
 */
export async function loadSignedIn(rt: Runtime, request: FastifyRequest, reply: FastifyReply): Promise<SignedIn | null> {
  const token = readSessionCookie(request.headers.cookie, rt.config.publicUrl);
  if (!token) return null;
  const check = await rt.sessions.inspect(token);
  if (!check.ok) {
    reply.header('set-cookie', clearSessionCookie(rt.config.publicUrl));
    return null;
  }
  const user = await rt.identity.requireUser(check.session.userId);
  if (user.status !== 'active') {
    reply.header('set-cookie', clearSessionCookie(rt.config.publicUrl));
    return null;
  }
  return { session: check.session, user };
}

/** Sets the session cookie for a session just opened; it lives until the session's absolute expiry. */
export function setSessionCookie(rt: Runtime, reply: FastifyReply, token: string, session: Session): void {
  const maxAgeSeconds = Math.max(1, Math.floor((Date.parse(session.absoluteExpiresAt) - rt.clock.now().getTime()) / 1000));
  reply.header('set-cookie', serializeSessionCookie(token, { publicUrl: rt.config.publicUrl, maxAgeSeconds }));
}

/**
 * A return path that can only lead back into this deployment: an absolute
 * path, not protocol-relative (`//evil`), no backslashes or control
 * characters (browsers treat `/\evil` as `//evil`). Anything else gives `fallback`.
 */
export function safeReturnTo(value: unknown, fallback = '/account'): string {
  if (typeof value !== 'string' || value.length > 512) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f]/.test(value)) return fallback;
  return value;
}

/** Sends a rendered page with the status given. */
export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
}

/**
 * A 303 redirect (after a POST the browser follows with GET). A form posted on
 * the way back to an application (sign-in, second factor, step-up, consent)
 * ends at the application's redirect URI, on another origin, which the
 * pages' `form-action 'self'` policy would block anywhere in the redirect
 * chain; those answers are a small page that moves on by itself instead (a
 * new navigation, not part of the form submission).
 */
export function redirect(reply: FastifyReply, location: string): FastifyReply {
  const leavesTowardsApplication = location.startsWith('/interaction/') || location.startsWith('/oidc/') || location.startsWith('/sso/') || /^https?:/.test(location);
  if (reply.request.method === 'POST' && leavesTowardsApplication) return continuePage(reply, location);
  return reply.status(303).header('location', location).send();
}

function continuePage(reply: FastifyReply, location: string): FastifyReply {
  const page = layout('Signing you in…', html`<p><a href="${location}">Continue</a></p>`, { refreshTo: location });
  return reply.status(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
}

/** A form field as a string (the form parser gives strings, or arrays for repeated names). */
export function formValue(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

/**
 * Throws `authn.step_up_required` unless the session proved a factor within
 * its organization's step-up window (`stepUpFreshnessMinutes`; the default
 * outside any organization): the guard of every change to sign-in methods.
 */
export async function requireFreshSession(rt: Runtime, who: SignedIn): Promise<void> {
  const settings = who.session.orgId ? (await rt.identity.requireOrg(who.session.orgId)).settings : {};
  requireFreshAuthentication(who.session, { freshnessSeconds: stepUpFreshnessSeconds(settings), now: rt.clock.now() });
}

/** Whether `requireFreshSession` would pass now. */
export async function isFreshSession(rt: Runtime, who: SignedIn): Promise<boolean> {
  try {
    await requireFreshSession(rt, who);
    return true;
  } catch (err) {
    if (isKeyledgerError(err) && err.code === 'authn.step_up_required') return false;
    throw err;
  }
}
