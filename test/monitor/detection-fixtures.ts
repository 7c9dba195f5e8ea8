import type { HttpSuite } from '../support/http.ts';
import { PageClient } from '../support/page-client.ts';
import { systemContext } from '../../src/audit/event.ts';
import type { ManualClock } from '../../src/platform/clock.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { openTotpSecret } from '../../src/authn/totp-secret.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';

export const PASSWORD = 'quartz-lantern-orbit-meadow-42';
export const WRONG = 'not-the-password-at-all-71';
const admin = systemContext('test', 'detection test setup');

/** Creates an active member of acme with a password; returns its id. */
export async function makeUser(s: HttpSuite, name: string): Promise<string> {
  const id = (await s.rt.identity.createUser(admin, { email: `${name}@acme.test`, name }, { orgRef: 'acme' })).id;
  await s.rt.authn.setPassword(admin, id, PASSWORD);
  return id;
}

/** Enrolls a TOTP authenticator for the user; returns its secret. */
export async function enrollTotp(s: HttpSuite, clock: ManualClock, userId: string, ctx = admin): Promise<Buffer> {
  const start = await s.rt.authn.startTotpEnrollment(ctx, userId, { issuer: 'Keyledger' });
  const row = await s.rt.database.db.selectFrom('totp_factors').selectAll().where('id', '=', start.factorId).executeTakeFirstOrThrow();
  const secret = openTotpSecret(s.rt.master, row.secret);
  await s.rt.authn.confirmTotpEnrollment(ctx, userId, start.factorId, generateTotpCode({ secret, now: clock.now() }));
  return secret;
}

/** A browser at `ip` (sent as X-Forwarded-For; the suite trusts its proxy) with `userAgent`. */
export function browser(s: HttpSuite, ip: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0'): PageClient {
  return new PageClient(s.app, { 'user-agent': userAgent, 'x-forwarded-for': ip });
}

/** Signs in through the hosted page (password step); returns the HTTP status (303 signed in or on to the second factor, 401 refused). */
export async function signIn(c: PageClient, email: string, password: string): Promise<number> {
  await c.get('/login');
  const res = await c.post('/login', { email, password, org: 'acme', return_to: '/account' });
  return res.statusCode;
}

/** Submits a TOTP code on the verify page (after a password step that asked for one). */
export async function submitCode(c: PageClient, code: string): Promise<number> {
  await c.get('/login/verify?methods=totp&return_to=%2Faccount');
  const res = await c.post('/login/verify', { method: 'totp', code, methods: 'totp', return_to: '/account' });
  return res.statusCode;
}

/** A six-digit code that is not the current one. */
export function wrongCode(secret: Buffer, now: Date): string {
  const right = generateTotpCode({ secret, now });
  return right.slice(0, 5) + String((Number(right[5]) + 5) % 10);
}

/** Every ledger event (read directly: tests only). */
export async function allEvents(s: HttpSuite): Promise<LedgerEvent[]> {
  return (await s.rt.ledger.listEvents({}, { limit: 100000 })).events;
}

/** Alerts of one rule and subject, through the API. */
export async function alertsFor(s: HttpSuite, rule: string, subject: string): Promise<Array<Record<string, any>>> {
  const res = await s.request('GET', `/api/v1/alerts?rule=${rule}&limit=200`);
  if (res.statusCode !== 200) throw new Error(`GET /alerts: ${res.statusCode} ${res.body}`);
  return (res.json().items as Array<Record<string, any>>).filter((a) => a.subject === subject);
}
