import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { expectNothingChanged } from '../support/http.ts';
import { addPasskey, addVirtualAuthenticator, ADMIN_PASSWORD, signInToConsole, startConsoleSuite, unlockChanges, type ConsoleSuite } from '../support/console.ts';
import { ADMINISTRATOR_ROLE_KEY } from '../../src/console/operator.ts';
import { openUserSession } from '../support/user-session.ts';
import { sessionCookieName } from '../../src/sessions/session-cookie.ts';

const setup = systemContext('test', 'console auth test');

/** The console's access token, as the app keeps it in this tab. */
async function consoleToken(page: Page): Promise<string> {
  const raw = await page.evaluate(() => sessionStorage.getItem('keyledger.console.session'));
  return (JSON.parse(raw!) as { accessToken: string }).accessToken;
}

describe.each(DIALECTS)('the admin API with console tokens (%s)', (dialect) => {
  let s: ConsoleSuite;
  const clock = new ManualClock(new Date());
  let context: BrowserContext;
  let page: Page;
  const call = (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${s.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    s = await startConsoleSuite(dialect, { clock, env: { KEYLEDGER_CONSOLE_STEP_UP_SECONDS: '120' } });
    context = await s.newContext();
    page = await context.newPage();
    await addVirtualAuthenticator(context, page);
    await signInToConsole(page);
  });
  afterAll(async () => {
    await context?.close();
    await s?.close();
  });

  it('reads with a password sign-in; a change is refused with an RFC 9470 challenge and changes nothing', async () => {
    const token = await consoleToken(page);
    expect(token.startsWith('kl_')).toBe(false);
    const orgs = await call(token, 'GET', '/api/v1/organizations');
    expect(orgs.status).toBe(200);
    expect((await orgs.json()).items.map((o: { slug: string }) => o.slug)).toContain('keyledger');
    await expectNothingChanged(s.t.rt, async () => {
      const res = await call(token, 'POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme' });
      expect(res.status).toBe(401);
      expect((await res.json()).error).toMatchObject({ code: 'auth.step_up_required', details: { acrValues: 'urn:keyledger:acr:phr', maxAge: 120 } });
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_user_authentication", error_description="A fresh passkey proof is required", acr_values="urn:keyledger:acr:phr", max_age=120');
    });
  });

  it('the step-up asks for the passkey only (no password form), and then changes go through as the signed-in user', async () => {
    await addPasskey(page);
    await page.getByRole('button', { name: 'Unlock changes' }).click();
    await page.waitForURL('**/account/reauth?method=passkey**');
    expect(await page.getByLabel('Password').count()).toBe(0);
    await s.screenshot(page, 'console-step-up');
    await page.goto('/console/');
    await unlockChanges(page);
    const token = await consoleToken(page);
    const res = await call(token, 'POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme' });
    expect(res.status).toBe(201);
    const { events } = await s.t.rt.ledger.listEvents({ actionPrefix: 'identity.organization.created' }, { limit: 10 });
    const created = events.find((e) => (e.data as { slug?: string }).slug === 'acme');
    expect(created?.actor).toEqual({ type: 'user', id: s.admin.userId, display: 'root@operator.test' });
  });

  it('a passkey proved in another browser does not unlock this one: it must prove the passkey itself', async () => {
    // A second session of the administrator, opened with a password only, right after the passkey was used in the first.
    const { token: sessionToken } = await openUserSession(s.t.rt, s.admin.userId, { amr: ['pwd'], orgId: s.admin.orgId });
    const other = await s.newContext();
    await other.addCookies([{ name: sessionCookieName(s.t.rt.config.publicUrl), value: sessionToken, url: s.baseUrl }]);
    const page2 = await other.newPage();
    await page2.goto('/console/');
    await page2.getByRole('navigation', { name: 'Console' }).waitFor();
    await page2.getByRole('button', { name: 'Unlock changes' }).click();
    await page2.waitForURL('**/account/reauth?method=passkey**');
    const token = await consoleToken(page2);
    await expectNothingChanged(s.t.rt, async () => {
      const res = await call(token, 'POST', '/api/v1/organizations', { slug: 'other-browser', name: 'Other' });
      expect(res.status).toBe(401);
    });
    await other.close();
  });

  it('a passkey proof older than the step-up window no longer allows changes; reads still work', async () => {
    const token = await consoleToken(page);
    clock.advance(121_000);
    await expectNothingChanged(s.t.rt, async () => {
      const res = await call(token, 'POST', '/api/v1/organizations', { slug: 'late', name: 'Late' });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('auth.step_up_required');
    });
    expect((await call(token, 'GET', '/api/v1/organizations')).status).toBe(200);
  });

  it('scopes follow the roles held now: a member without console permissions is refused, and a revoked administrator at once', async () => {
    const rt = s.t.rt;
    const other = await rt.identity.createUser(setup, { email: 'viewer@operator.test', name: 'Viewer' }, { orgRef: 'keyledger' });
    await rt.authn.setPassword(setup, other.id, ADMIN_PASSWORD);
    const ctx2 = await s.newContext();
    const page2 = await ctx2.newPage();
    await signInToConsole(page2, 'viewer@operator.test');
    const viewerToken = await consoleToken(page2);
    const refused = await call(viewerToken, 'GET', '/api/v1/organizations');
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('auth.forbidden');
    // An auditor role: audit:read only.
    await rt.access.createRole(setup, 'keyledger', { key: 'auditor', name: 'Auditor', description: 'Reads the ledger', permissions: ['keyledger:audit:read'] });
    const grant = await rt.access.grant(setup, 'keyledger', { role: 'auditor', principalType: 'user', principalId: other.id });
    expect((await call(viewerToken, 'GET', '/api/v1/audit/events?limit=1')).status).toBe(200);
    expect((await call(viewerToken, 'GET', '/api/v1/organizations')).status).toBe(403);
    await rt.access.revoke(setup, 'keyledger', grant.id, 'left the audit team');
    expect((await call(viewerToken, 'GET', '/api/v1/audit/events?limit=1')).status).toBe(403);
    await ctx2.close();

    const adminToken = await consoleToken(page);
    const held = await rt.access.listAssignments('keyledger', { role: ADMINISTRATOR_ROLE_KEY, principalId: s.admin.userId, active: true }, { limit: 5 });
    await rt.access.revoke(setup, 'keyledger', held.items[0].id, 'test: admin rights removed');
    const after = await call(adminToken, 'GET', '/api/v1/organizations');
    expect(after.status).toBe(403);
  });

  it('a user removed from the operator organization, or a token that is not the console’s, gets 401', async () => {
    const rt = s.t.rt;
    const token = await consoleToken(page);
    await rt.identity.removeMember(setup, 'keyledger', s.admin.userId);
    expect((await call(token, 'GET', '/api/v1/audit/events?limit=1')).status).toBe(401);
    for (const bad of ['not-a-token', token.slice(0, -2) + 'xx', 'kl_key_' + 'x'.repeat(43), 'a'.repeat(300)]) {
      const res = await call(bad, 'GET', '/api/v1/audit/events?limit=1');
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('auth.unauthenticated');
    }
  });
});
