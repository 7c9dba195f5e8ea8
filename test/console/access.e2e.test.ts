import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { openSignedInConsole, startConsoleSuite, unlockChanges, type ConsoleSuite } from '../support/console.ts';
import { openUserSession, sessionHeaders } from '../support/user-session.ts';

type Json = Record<string, any>;

/**
 * The console's Access area, as an approver, a just-in-time admin and a reviewer would use it:
 * the administrator is also a member, named approver, eligible user and reviewer in a customer
 * organization; every change made in the UI is then checked through the API and the ledger.
 */
describe.each(DIALECTS)('console access area (%s)', (dialect) => {
  let s: ConsoleSuite;
  let context: BrowserContext;
  let page: Page;
  let ria: Json, dan: Json, kim: Json, lee: Json;
  let riaRequest: Json, danRequest: Json;

  /** A self-service request filed by a signed-in user (their own session cookie). */
  async function askAs(userId: string, role: string, reason: string): Promise<Json> {
    const { cookie } = await openUserSession(s.t.rt, userId);
    const res = await fetch(`${s.baseUrl}/api/v1/me/access-requests`, { method: 'POST', headers: { ...sessionHeaders(cookie), 'content-type': 'application/json' }, body: JSON.stringify({ org: 'acme', role, reason }) });
    expect(res.status).toBe(201);
    return (await res.json()) as Json;
  }
  const events = async (query: string): Promise<Json[]> => (await s.api<Json>('GET', `/api/v1/audit/events?${query}&limit=100`)).items;
  const assignmentsOf = async (userId: string): Promise<Json[]> => (await s.api<Json>('GET', `/api/v1/organizations/acme/role-assignments?principalId=${userId}`)).items;

  beforeAll(async () => {
    s = await startConsoleSuite(dialect);
    const admin = s.admin.userId;
    await s.api('POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme Corp' });
    await s.api('POST', '/api/v1/organizations/acme/members', { userId: admin });
    ria = await s.api('POST', '/api/v1/users', { email: 'ria@acme.test', name: 'Ria Requester', org: 'acme' });
    dan = await s.api('POST', '/api/v1/users', { email: 'dan@acme.test', name: 'Dan Denied', org: 'acme' });
    kim = await s.api('POST', '/api/v1/users', { email: 'kim@acme.test', name: 'Kim Keeper', org: 'acme' });
    lee = await s.api('POST', '/api/v1/users', { email: 'lee@acme.test', name: 'Lee Leaver', org: 'acme' });
    const role = (key: string, extra: Json = {}) => s.api('POST', '/api/v1/organizations/acme/roles', { key, name: `Role ${key}`, description: `What ${key} may do`, permissions: [`${key}:read`], ownerId: admin, ...extra });
    await role('reports', { approval: { namedApprovers: [admin], approvalsRequired: 1 } });
    await role('wiki');
    await role('oncall', { privileged: true, permissions: ['db:write'], elevation: { maxActivationMinutes: 60 } });
    for (const u of [kim, lee]) await s.api('POST', '/api/v1/organizations/acme/role-assignments', { role: 'wiki', principalType: 'user', principalId: u.id });
    await s.api('POST', '/api/v1/organizations/acme/role-eligibilities', { role: 'oncall', principalId: admin, reason: 'on-call rota' });
    riaRequest = await askAs(ria.id, 'reports', 'Quarterly close reporting');
    danRequest = await askAs(dan.id, 'reports', 'Curious about the numbers');

    ({ context, page } = await openSignedInConsole(s, { passkey: true }));
    await page.getByRole('combobox', { name: 'Organization' }).first().selectOption({ label: 'Acme Corp (acme)' });
  });
  afterAll(async () => {
    await context?.close();
    await s?.close();
  });

  it('the approver denies one request (a comment is required) and approves another: the grant exists and the ledger names the approver', async () => {
    await page.goto('/console/access/inbox');
    await page.getByRole('heading', { name: 'Approval inbox', level: 1 }).waitFor();
    const riaCard = page.getByRole('article', { name: new RegExp(riaRequest.id) });
    const danCard = page.getByRole('article', { name: new RegExp(danRequest.id) });
    await riaCard.getByText('Quarterly close reporting').waitFor();
    await riaCard.getByText('ria@acme.test').first().waitFor();
    await s.screenshot(page, 'console-inbox');

    // Deny without a comment: refused in the form; the request stays pending.
    await danCard.getByRole('button', { name: 'Deny' }).click();
    await danCard.getByText('Say why you deny it').waitFor();
    expect((await s.api<Json>('GET', `/api/v1/organizations/acme/access-requests/${danRequest.id}`)).status).toBe('pending');
    await danCard.getByLabel('Comment').fill('No business need');
    await danCard.getByRole('button', { name: 'Deny' }).click();
    await page.getByText(/is now denied/).waitFor();
    const denied = await s.api<Json>('GET', `/api/v1/organizations/acme/access-requests/${danRequest.id}`);
    expect(denied).toMatchObject({ status: 'denied', decisionReason: 'No business need', decisions: [{ approverId: s.admin.userId, decision: 'deny' }] });
    expect(await assignmentsOf(dan.id)).toEqual([]);

    await riaCard.getByLabel('Comment').fill('ok for the close');
    await riaCard.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/is now approved/).waitFor();
    const approved = await s.api<Json>('GET', `/api/v1/organizations/acme/access-requests/${riaRequest.id}`);
    expect(approved).toMatchObject({ status: 'approved', assignmentId: expect.any(String), decisions: [{ approverId: s.admin.userId, decision: 'approve', comment: 'ok for the close' }] });
    const grant = await s.api<Json>('GET', `/api/v1/organizations/acme/role-assignments/${approved.assignmentId}`);
    expect(grant).toMatchObject({ principal: { type: 'user', id: ria.id }, active: true });
    const [event] = await events(`target=${riaRequest.id}&action=access.request.approved`);
    expect(event.actor).toMatchObject({ type: 'user', id: s.admin.userId });
    expect(event.data.approvals).toEqual([expect.objectContaining({ approverId: s.admin.userId, comment: 'ok for the close' })]);
    await page.getByText('Nothing waits for your decision').waitFor();

    // The request's page shows the approval trail and links the ledger event.
    await page.getByRole('link', { name: 'See the request and its ledger trail' }).first().click();
    await page.getByRole('heading', { name: 'Approval trail' }).waitFor();
    await page.getByRole('link', { name: `#${event.seq}` }).waitFor();
    expect(await page.getByRole('link', { name: `#${event.seq}` }).getAttribute('href')).toBe(`/console/audit/events/${event.id}`);
    await s.screenshot(page, 'console-request');
  });

  it('activating a JIT role is refused without a fresh passkey, then works after the passkey check; End now ends it', async () => {
    await page.goto('/console/access/elevation');
    await page.getByLabel('Justification for oncall').fill('INC-4711: database failover');
    await page.getByLabel('Duration in minutes for oncall').fill('30');
    await page.getByRole('button', { name: 'Activate oncall' }).click();
    await page.getByText('Confirm it is you.').waitFor();
    expect((await assignmentsOf(s.admin.userId)).filter((a) => a.active)).toEqual([]);

    await page.getByRole('button', { name: 'Confirm with a passkey' }).click();
    await page.waitForURL('**/account/reauth**');
    await page.getByRole('button', { name: /passkey/i }).first().click();
    await page.waitForURL('**/console/access/elevation');
    await page.getByLabel('Justification for oncall').fill('INC-4711: database failover');
    await page.getByLabel('Duration in minutes for oncall').fill('30');
    await page.getByRole('button', { name: 'Activate oncall' }).click();
    await page.getByText('oncall is active for 30 min.').waitFor();
    await page.getByText(/left \(until/).waitFor();
    await s.screenshot(page, 'console-elevation');
    const [activation] = (await assignmentsOf(s.admin.userId)).filter((a) => a.active);
    expect(activation).toMatchObject({ kind: 'activation', justification: 'INC-4711: database failover' });
    const [activated] = await events(`target=${activation.id}&action=access.elevation.activated`);
    expect(activated.actor).toMatchObject({ type: 'user', id: s.admin.userId });

    await page.getByRole('button', { name: 'End oncall now' }).click();
    await page.getByText('oncall ended.').waitFor();
    expect((await s.api<Json>('GET', `/api/v1/organizations/acme/role-assignments/${activation.id}`)).active).toBe(false);
  });

  it('a review run from the keyboard keeps and revokes; sign-off closes the campaign and the revoked access ends', async () => {
    await page.goto('/console/access/reviews');
    await unlockChanges(page);
    await page.getByLabel('Campaign name').fill('Q3 access review');
    await page.getByRole('button', { name: 'Start the review' }).click();
    await page.getByRole('heading', { name: 'Q3 access review', level: 1 }).waitFor();
    await page.getByText('0 of 3 decided').waitFor();
    await page.goto('/console/access/reviews');
    await page.getByRole('link', { name: 'Q3 access review' }).waitFor();
    await s.screenshot(page, 'console-reviews');

    await page.goto('/console/access/my-reviews');
    const rows = page.getByTestId('review-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(3);
    expect(await page.getByTestId('review-progress').textContent()).toBe('0 of 3 decided');
    const names = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('th')?.textContent ?? ''));
    await rows.first().focus();
    // Move to the end and back with the keyboard: focus stays on the current row.
    await page.keyboard.press('j');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('review-row');
    await page.keyboard.press('k');
    await page.keyboard.press('ArrowUp');
    for (let i = 0; i < names.length; i++) {
      const focused = await page.evaluate(() => document.activeElement?.closest('tr')?.querySelector('th')?.textContent ?? '');
      if (focused.includes('lee@') || focused.includes('Lee')) {
        await page.keyboard.press('r');
        expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('INPUT');
        await page.keyboard.type('Left the team in June');
        await page.keyboard.press('Enter');
      } else {
        await page.keyboard.press('a');
      }
      await page.getByTestId('review-progress').getByText(`${i + 1} of 3 decided`).waitFor();
    }
    expect(await page.getByTestId('review-announcer').textContent()).toMatch(/3 of 3 decided/);
    await s.screenshot(page, 'console-review-decisions');

    const leeAssignment = (await assignmentsOf(lee.id))[0];
    const kimAssignment = (await assignmentsOf(kim.id))[0];
    expect(leeAssignment.active).toBe(true); // on_close: the revoke waits for the close
    await page.getByRole('button', { name: 'Sign off Q3 access review' }).click();
    await page.getByRole('button', { name: 'Sign off Q3 access review as owner (closes it)' }).click();
    await page.getByText(/closed by your sign-off as owner; 1 revoke/).waitFor();
    expect((await s.api<Json>('GET', `/api/v1/organizations/acme/role-assignments/${leeAssignment.id}`)).active).toBe(false);
    expect((await s.api<Json>('GET', `/api/v1/organizations/acme/role-assignments/${kimAssignment.id}`)).active).toBe(true);
    const [closed] = await events('action=access.review.campaign_closed');
    expect(closed.data).toMatchObject({ closedBy: 'owner_sign_off', kept: 2, revoked: 1, revokedAssignments: [leeAssignment.id] });
    const decisions = await events('action=access.review.item_decided');
    expect(decisions.every((e) => e.actor.id === s.admin.userId)).toBe(true);
  });
});
