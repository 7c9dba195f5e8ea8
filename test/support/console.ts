import type { BrowserContext, Page } from 'playwright-core';
import type { Dialect } from '../../src/platform/database.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { createFirstAdministrator } from '../../src/console/operator-setup.ts';
import { startBrowserSuite, type BrowserSuite } from './browser.ts';

export const ADMIN_EMAIL = 'root@operator.test';
export const ADMIN_PASSWORD = 'quartz-lantern-orbit-meadow-42';

export interface ConsoleSuite extends BrowserSuite {
  /** The first administrator (operator organization, keyledger-administrator role), as bootstrap makes them. */
  admin: { orgId: string; userId: string };
  /** An admin API key with every scope, to set up data the way an API client would. */
  apiKey: string;
  /** GET/POST the admin API with the key; throws on an unexpected status. */
  api<T = Record<string, any>>(method: string, path: string, body?: unknown, expected?: number): Promise<T>;
}

/** A Keyledger server with its console, a real Chromium, an operator organization and its first administrator. */
export async function startConsoleSuite(dialect: Dialect, options: { env?: Record<string, string>; clock?: Clock } = {}): Promise<ConsoleSuite> {
  const b = await startBrowserSuite(dialect, options);
  const ctx = systemContext('test', 'console test setup');
  const admin = await createFirstAdministrator(b.t.rt, ctx, { email: ADMIN_EMAIL, name: 'Root Operator', password: ADMIN_PASSWORD });
  const { key } = await b.t.rt.apiKeys.create(ctx, { name: 'console test', scopes: ['admin:read', 'admin:write', 'audit:read', 'api_keys:manage', 'compliance:read'] });
  async function api<T>(method: string, path: string, body?: unknown, expected?: number): Promise<T> {
    const res = await fetch(`${b.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (expected !== undefined ? res.status !== expected : !res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return { ...b, admin, apiKey: key, api };
}

/** Adds Chromium's virtual platform authenticator (a passkey with user verification) to a page's browser. */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });
}

/** Opens the console and signs in through Keyledger's hosted login (password) until the console shows `heading`. */
export async function signInToConsole(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD, path = '/console/'): Promise<void> {
  await page.goto(path);
  await page.waitForURL('**/login?**');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/console/') && !url.pathname.startsWith('/console/callback'));
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

/** Registers a passkey for the signed-in user on the hosted account page (the virtual authenticator answers), then returns to `back`. */
export async function addPasskey(page: Page, back = '/console/'): Promise<void> {
  await page.goto('/account');
  await page.getByLabel('Name for the new passkey').fill('Virtual key');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.waitForURL('**/account?done=passkey_added');
  await page.goto(back);
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

/** "Unlock changes": a fresh passkey proof through the provider (acr_values + max_age), back to the same page with changes allowed. */
export async function unlockChanges(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Unlock changes' }).click();
  const reauth = page.getByRole('button', { name: /passkey/i }).first();
  await Promise.race([reauth.waitFor({ timeout: 15_000 }).then(() => reauth.click()), page.getByText(/Changes unlocked/).waitFor({ timeout: 15_000 })]).catch(() => undefined);
  await page.getByText(/Changes unlocked/).waitFor();
}

/**
 * A new browser context and page with the virtual authenticator, signed in to the console as the
 * first administrator; with `passkey`, a passkey is registered too (so "Unlock changes" can work).
 */
export async function openSignedInConsole(s: ConsoleSuite, options: { passkey?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await s.newContext();
  const page = await context.newPage();
  await addVirtualAuthenticator(context, page);
  await signInToConsole(page);
  if (options.passkey) await addPasskey(page);
  return { context, page };
}
