import { expect } from 'vitest';
import { systemContext } from '../../src/audit/event.ts';
import type { Runtime } from '../../src/runtime.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';
import type { Connection } from '../../src/sso/connection-settings.ts';
import type { HttpSuite, Response } from './http.ts';
import type { SamlIdp, SamlIdpUser } from './saml-idp.ts';
import { formFields } from './saml-connection.ts';

export const ssoAdmin = systemContext('test', 'sso test setup');

/** An organization with a verified domain (on an administrator's attestation). */
export async function orgWithDomain(rt: Runtime, slug: string, domain: string): Promise<{ orgId: string }> {
  const org = await rt.identity.createOrganization(ssoAdmin, { slug, name: slug });
  const d = await rt.sso.domains.add(ssoAdmin, slug, domain);
  await rt.sso.domains.attest(ssoAdmin, slug, d.id, `${domain} belongs to ${slug}`);
  return { orgId: org.id };
}

/** A SAML connection of `slug` to the test IdP, made from its metadata; the IdP trusts the connection's SP metadata. */
export async function samlConnection(rt: Runtime, slug: string, idp: SamlIdp, extra: { allowIdpInitiated?: boolean; jitProvisioning?: boolean } = {}): Promise<Connection> {
  const conn = await rt.sso.connections.create(ssoAdmin, slug, { type: 'saml', name: `${slug} IdP`, metadataXml: idp.metadataXml(), ...extra });
  idp.trustServiceProvider(await rt.sso.spMetadata(conn.id));
  return conn;
}

/** Posts a SAMLResponse to a connection's ACS as the IdP's page would. */
export function postAcs(s: HttpSuite, connectionId: string, samlResponse: string, relayState: string | null = null): Promise<Response> {
  const form = new URLSearchParams({ SAMLResponse: samlResponse, ...(relayState ? { RelayState: relayState } : {}) });
  return s.app.inject({ method: 'POST', url: `/sso/saml/${connectionId}/acs`, headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site', origin: 'http://127.0.0.1' }, payload: form.toString() });
}

/**
 * Starts an SP-initiated sign-in (GET /sso/{id}/login), takes the redirect to
 * the real IdP (which checks the signed AuthnRequest), and returns what the
 * IdP's page would post back, without posting it.
 */
export async function samlResponseFromIdp(s: HttpSuite, idp: SamlIdp, connectionId: string, user: SamlIdpUser, returnTo = '/account'): Promise<{ samlResponse: string; relayState: string | null; requestId: string }> {
  const start = await s.app.inject({ method: 'GET', url: `/sso/${connectionId}/login?return_to=${encodeURIComponent(returnTo)}` });
  expect(start.statusCode).toBe(303);
  idp.setNextUser(user);
  const page = await fetch(String(start.headers.location));
  expect(page.status).toBe(200);
  const form = formFields(await page.text());
  const requests = idp.receivedRequests();
  return { samlResponse: form.samlResponse, relayState: form.relayState, requestId: requests[requests.length - 1].id };
}

/** The session cookie a response set, or null. */
export function sessionCookieOf(res: Response): string | null {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const c = cookies.find((v) => v.startsWith('kl_session=') && !v.startsWith('kl_session=;'));
  return c ? c.split(';')[0] : null;
}

export async function countRows(rt: Runtime, table: 'sessions' | 'users' | 'sso_identities' | 'role_assignments' | 'access_requests'): Promise<number> {
  const r = await rt.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The ledger events of exactly this action, oldest first. */
export async function actionEvents(rt: Runtime, action: string): Promise<LedgerEvent[]> {
  return (await rt.ledger.listEvents({ actionPrefix: action }, { limit: 1000 })).events.filter((e) => e.action === action);
}
