import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { addPasskey, addVirtualAuthenticator, signInToConsole, startConsoleSuite, unlockChanges, type ConsoleSuite } from '../support/console.ts';

/** Real time plus an offset the test moves forward (past a rotation's overlap) without stopping the clock sign-in relies on. */
class ShiftedClock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

describe.each(DIALECTS)('console directory: organizations, users, service accounts, roles (%s)', (dialect) => {
  let s: ConsoleSuite;
  const clock = new ShiftedClock();
  let tokenEndpoint: string;
  let saId: string;
  let roleId: string;
  let oldSecret: string;
  let oldCredentialId: string;
  let ownerId: string;
  let graceId: string;
  // One browser for the suite: the passkey added in its authenticator is the administrator's second factor from then on.
  let context: BrowserContext;
  let page: Page;

  /** A client_credentials token request at the provider, as a machine client makes it; the HTTP status and body. */
  async function tokenRequest(clientId: string, secret: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
    const res = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'reports:read' }).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function chooseOperatorOrg(): Promise<void> {
    await page.locator('.org-picker select').selectOption(s.admin.orgId);
  }

  beforeAll(async () => {
    s = await startConsoleSuite(dialect, { clock });
    const org = s.admin.orgId;
    await s.api('POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme' }, 201);
    const owner = await s.api('POST', '/api/v1/users', { email: 'owner@operator.test', name: 'Olive Owner', org }, 201);
    ownerId = owner.id;
    const role = await s.api('POST', `/api/v1/organizations/${org}/roles`, { key: 'reports-reader', name: 'Reports reader', description: 'Reads the nightly reports', permissions: ['reports:read'] }, 201);
    roleId = role.id;
    const sa = await s.api('POST', `/api/v1/organizations/${org}/service-accounts`, { name: 'report-exporter', description: 'Exports reports nightly', ownerUserId: owner.id }, 201);
    saId = sa.id;
    await s.api('POST', `/api/v1/organizations/${org}/role-assignments`, { role: 'reports-reader', principalType: 'service_account', principalId: saId, approvalRef: 'CHG-42' }, 201);
    const issued = await s.api('POST', `/api/v1/organizations/${org}/service-accounts/${saId}/credentials`, { kind: 'secret' }, 201);
    oldSecret = issued.secret;
    oldCredentialId = issued.credential.id;
    const discovery = (await (await fetch(`${s.baseUrl}/oidc/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    tokenEndpoint = discovery.token_endpoint;
    context = await s.newContext();
    page = await context.newPage();
    await addVirtualAuthenticator(context, page);
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await s?.close();
  });

  it('creates a user only after changes are unlocked, and the ledger names the administrator', async () => {
    await signInToConsole(page);
    await addPasskey(page, '/console/users');
    await chooseOperatorOrg();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();

    // Before unlocking: the step-up notice, and no user.
    const email = 'grace.hopper@operator.test';
    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByRole('form', { name: 'Create user' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Full name').fill('Grace Hopper');
    await form.getByLabel('Add to organization').selectOption({ label: 'Acme (acme)' });
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Confirm it is you.').waitFor();
    expect(await page.getByRole('button', { name: 'Confirm with a passkey' }).isVisible()).toBe(true);
    expect((await s.api('GET', `/api/v1/users?email=${encodeURIComponent(email)}`)).items).toHaveLength(0);

    // Unlocked: the same form creates the user in the chosen organization.
    await unlockChanges(page);
    await page.getByRole('button', { name: 'New user' }).click();
    const again = page.getByRole('form', { name: 'Create user' });
    await again.getByLabel('Email').fill(email);
    await again.getByLabel('Full name').fill('Grace Hopper');
    await again.getByLabel('Add to organization').selectOption({ label: 'Acme (acme)' });
    await again.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('status').filter({ hasText: `Created ${email}` }).waitFor();

    const found = await s.api('GET', `/api/v1/users?email=${encodeURIComponent(email)}`);
    expect(found.items).toHaveLength(1);
    const user = found.items[0];
    graceId = user.id;
    expect(user).toMatchObject({ email, name: 'Grace Hopper', status: 'active' });
    expect((await s.api('GET', `/api/v1/users?org=acme&email=${encodeURIComponent(email)}`)).items).toHaveLength(1);
    const events = await s.api('GET', `/api/v1/audit/events?action=identity.user.created&target=${user.id}`);
    expect(events.items).toHaveLength(1);
    expect(events.items[0].actor).toMatchObject({ type: 'user', id: s.admin.userId });

    // The list shows the user; filtering by status goes to the server.
    await page.getByLabel('Status').selectOption('suspended');
    await page.getByText('No users match').waitFor();
    await page.getByLabel('Status').selectOption('');
    const usersTable = page.getByRole('table', { name: 'Users' });
    await usersTable.getByRole('link', { name: email }).waitFor();
    await s.screenshot(page, 'console-users');

    // The user's page: profile, access in the chosen organization, factors, sessions, and the ledger event linked to the explorer.
    await usersTable.getByRole('link', { name: email }).click();
    await page.getByRole('heading', { level: 1, name: 'Grace Hopper' }).waitFor();
    const ledgerLink = page.getByRole('link', { name: `#${events.items[0].seq}` });
    await ledgerLink.waitFor();
    expect(await ledgerLink.getAttribute('href')).toBe(`/console/audit/events/${events.items[0].id}`);
    await page.getByText('No live sessions').waitFor();
    await page.getByRole('heading', { name: 'Authenticator apps (TOTP)' }).waitFor();
    await s.screenshot(page, 'console-user');

    // Organizations: the list and the operator organization's policies and members.
    await page.goto('/console/organizations');
    await page.getByRole('link', { name: 'Acme' }).waitFor();
    await s.screenshot(page, 'console-organizations');
    await page.getByRole('link', { name: 'Keyledger operators' }).click();
    await page.getByRole('heading', { name: 'Sign-in policy in force' }).waitFor();
    await page.getByText('Step-up window (sensitive actions)').waitFor();
    await page.getByRole('link', { name: 'owner@operator.test' }).waitFor();
    await s.screenshot(page, 'console-organization');
  });

  it('rotates a service account secret: the new one is shown once and works, the old one stops after the overlap', async () => {
    await page.goto('/console/service-accounts');
    await chooseOperatorOrg();
    await page.getByRole('link', { name: 'report-exporter' }).waitFor();
    await s.screenshot(page, 'console-service-accounts');
    await page.getByRole('link', { name: 'report-exporter' }).click();
    await page.getByRole('heading', { level: 1, name: 'report-exporter' }).waitFor();
    // Still unlocked from the first test (15 minutes), or unlocked again now.
    if (!(await page.getByText(/Changes unlocked/).isVisible())) await unlockChanges(page);
    expect((await tokenRequest(saId, oldSecret)).status).toBe(200);

    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.getByLabel('Overlap').selectOption('300');
    await page.getByRole('button', { name: 'Rotate now' }).click();
    const shown = page.getByTestId('one-time-secret');
    await shown.waitFor();
    const newSecret = (await shown.textContent())!.trim();
    expect(newSecret).not.toBe(oldSecret);
    expect(newSecret.length).toBeGreaterThan(20);
    await page.getByText('keeps working until').waitFor();
    await s.screenshot(page, 'console-service-account');

    // The new secret gets a token; the old one still does during the overlap.
    const fresh = await tokenRequest(saId, newSecret);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ token_type: expect.stringMatching(/bearer/i), scope: 'reports:read' });
    expect((await tokenRequest(saId, oldSecret)).status).toBe(200);
    const rotated = await s.api('GET', `/api/v1/audit/events?action=identity.service_account.credential_rotated&target=${saId}`);
    expect(rotated.items).toHaveLength(1);
    expect(rotated.items[0]).toMatchObject({ actor: { type: 'user', id: s.admin.userId }, data: { fromCredentialId: oldCredentialId, overlapSeconds: 300 } });
    expect(JSON.stringify(rotated.items[0])).not.toContain(newSecret);

    // Reloading the page: the secret is gone for good.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'report-exporter' }).waitFor();
    await page.getByRole('table', { name: 'Credentials' }).waitFor();
    expect(await page.getByTestId('one-time-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(newSecret);

    // Past the overlap the old secret is refused; the new one keeps working.
    clock.offsetMs += 301_000;
    const refused = await tokenRequest(saId, oldSecret);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
    expect((await tokenRequest(saId, newSecret)).status).toBe(200);
    clock.offsetMs = 0;
  });

  it('shows roles with their governance and current holders', async () => {
    await page.goto('/console/roles');
    await chooseOperatorOrg();
    await page.getByRole('link', { name: 'Reports reader' }).waitFor();
    await s.screenshot(page, 'console-roles');
    await page.getByRole('link', { name: 'Reports reader' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reports reader' }).waitFor();
    await page.getByText('reports:read').first().waitFor();
    const holders = page.getByRole('table', { name: 'Current assignments' });
    // Holders by name, not by id.
    await holders.getByRole('link', { name: 'report-exporter' }).waitFor();
    expect(await holders.getByText('CHG-42').count()).toBe(1);
    expect(page.url()).toContain(`/console/roles/${roleId}`);
    await s.screenshot(page, 'console-role');
  });

  it('searches users by part of a name, and a user page lists every organization they belong to', async () => {
    // Grace was created in Acme; she joins the operator organization too.
    await s.api('POST', `/api/v1/organizations/${s.admin.orgId}/members`, { userId: graceId }, 201);
    await page.goto('/console/users');
    const usersTable = page.getByRole('table', { name: 'Users' });
    await usersTable.getByRole('link', { name: 'owner@operator.test' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search', exact: true }).fill('HOPP');
    await page.waitForURL(/[?&]q=HOPP/);
    await usersTable.getByRole('link', { name: 'grace.hopper@operator.test' }).waitFor();
    await usersTable.getByRole('link', { name: 'owner@operator.test' }).waitFor({ state: 'detached' });
    expect(await usersTable.getByRole('row').count()).toBe(2); // the header and Grace
    await s.screenshot(page, 'console-users-search');
    // A search that matches nobody says so.
    await page.getByRole('searchbox', { name: 'Search', exact: true }).fill('no-such-person');
    await page.getByText('No users match').waitFor();

    await page.goto(`/console/users/${graceId}`);
    const orgs = page.getByRole('table', { name: 'Organizations the user belongs to' });
    await orgs.getByRole('link', { name: 'Acme' }).waitFor();
    await orgs.getByRole('link', { name: 'Keyledger operators' }).waitFor();
    expect(await orgs.getByRole('row').count()).toBe(3);
    await s.screenshot(page, 'console-user-memberships');
  });

  it('defines a role in the form, edits it, grants it with the picker, and deletes an unused role after confirming', async () => {
    await page.goto('/console/roles');
    await chooseOperatorOrg();
    if (!(await page.getByText(/Changes unlocked/).isVisible())) await unlockChanges(page);
    await page.getByRole('button', { name: 'New role' }).click();
    const form = page.getByRole('form', { name: 'Define role' });
    await form.getByLabel('Key').fill('report-exporter-admin');
    await form.getByLabel('Name', { exact: true }).fill('Report exporter admin');
    await form.getByLabel('Description').fill('Runs and reconfigures the nightly report export');
    await form.getByLabel('Permission 1', { exact: true }).fill('reports:read');
    await form.getByRole('button', { name: 'Add permission' }).click();
    await form.getByLabel('Permission 2', { exact: true }).fill('reports:export');
    await form.getByRole('checkbox', { name: /^Privileged/ }).check();
    await form.getByLabel('MFA required of holders').selectOption('phishing_resistant');
    await form.getByRole('checkbox', { name: /requester/ }).uncheck();
    await form.getByRole('combobox', { name: 'Add a named approver' }).fill('olive');
    await page.getByRole('option', { name: /Olive Owner/ }).click();
    await form.getByRole('list', { name: 'Named approvers' }).getByRole('link', { name: 'Olive Owner' }).waitFor();
    await form.getByLabel('Approvals required').selectOption('1');
    await form.getByLabel('Longest elevation (minutes)').fill('30');
    await form.getByRole('checkbox', { name: 'Elevation needs approval' }).check();
    await s.screenshot(page, 'console-role-new');
    await form.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('heading', { level: 1, name: 'Report exporter admin' }).waitFor();

    const base = `/api/v1/organizations/${s.admin.orgId}/roles`;
    const created = await s.api('GET', `${base}/report-exporter-admin`);
    expect(created).toMatchObject({
      key: 'report-exporter-admin',
      name: 'Report exporter admin',
      description: 'Runs and reconfigures the nightly report export',
      permissions: expect.arrayContaining(['reports:read', 'reports:export']),
      privileged: true,
      mfaPolicy: 'phishing_resistant',
      ownerId: null,
      approval: { approvers: ['owner', 'named'], namedApprovers: [ownerId], approvalsRequired: 1, approvalsRequiredDefault: false },
      elevation: { maxActivationMinutes: 30, activationRequiresApproval: true },
      allowStanding: false,
    });
    expect(created.permissions).toHaveLength(2);
    expect(page.url()).toContain(`/console/roles/${created.id}`);

    // Edit: rename, drop a permission, allow standing, shorten elevations.
    await page.getByRole('button', { name: 'Edit role' }).click();
    const edit = page.getByRole('form', { name: 'Edit role' });
    await edit.getByLabel('Name', { exact: true }).fill('Report exporter administrator');
    await edit.getByRole('button', { name: /^Remove permission \d+ \(reports:read\)$/ }).click();
    await edit.getByRole('checkbox', { name: /Accept standing/ }).check();
    await edit.getByLabel('Longest elevation (minutes)').fill('45');
    await s.screenshot(page, 'console-role-edit');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Report exporter administrator' }).waitFor();
    const edited = await s.api('GET', `${base}/${created.id}`);
    expect(edited).toMatchObject({ ...created, name: 'Report exporter administrator', permissions: ['reports:export'], allowStanding: true, elevation: { maxActivationMinutes: 45, activationRequiresApproval: true }, updatedAt: expect.any(String) });
    const updated = await s.api('GET', `/api/v1/audit/events?action=access.role.updated&target=${created.id}`);
    expect(updated.items).toHaveLength(1);
    expect(updated.items[0].actor).toMatchObject({ type: 'user', id: s.admin.userId });

    // Grant with the picker: nobody chosen is refused in the page, and nothing is granted.
    const assignments = `/api/v1/organizations/${s.admin.orgId}/role-assignments?role=${created.id}&active=true`;
    await page.getByRole('button', { name: 'Grant this role' }).click();
    const grant = page.getByRole('form', { name: 'Grant role' });
    await grant.getByRole('combobox', { name: 'User' }).fill('zzz-nobody');
    await grant.locator('.combobox-empty', { hasText: 'No active member matches' }).waitFor();
    await grant.getByRole('button', { name: 'Grant role' }).click();
    await grant.getByText('Choose who receives the role from the list.').waitFor();
    expect((await s.api('GET', assignments)).items).toHaveLength(0);
    await grant.getByRole('combobox', { name: 'User' }).fill('grace');
    await grant.getByRole('combobox', { name: 'User' }).press('ArrowDown');
    await page.getByRole('option', { name: /Grace Hopper/ }).waitFor();
    await grant.getByRole('combobox', { name: 'User' }).press('Enter');
    expect(await grant.getByRole('combobox', { name: 'User' }).inputValue()).toBe('Grace Hopper <grace.hopper@operator.test>');
    await grant.getByLabel('Approval reference').fill('CHG-77');
    await grant.getByRole('button', { name: 'Grant role' }).click();
    const holders = page.getByRole('table', { name: 'Current assignments' });
    await holders.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    const granted = (await s.api('GET', assignments)).items;
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({ principal: { type: 'user', id: graceId }, approvalRef: 'CHG-77', grantedBy: { type: 'user', id: s.admin.userId } });

    // Delete: a role never granted goes after the confirmation; the API no longer has it.
    await s.api('POST', base, { key: 'scratch', name: 'Scratch', description: 'Defined by mistake', permissions: [] }, 201);
    await page.goto('/console/roles/scratch');
    await page.getByRole('heading', { level: 1, name: 'Scratch' }).waitFor();
    await page.getByRole('button', { name: 'Delete role' }).click();
    await page.getByRole('group', { name: 'Confirm deleting the role' }).waitFor();
    expect((await s.api('GET', `${base}/scratch`)).key).toBe('scratch');
    await page.getByRole('button', { name: 'Yes, delete Scratch' }).click();
    await page.getByRole('heading', { level: 1, name: 'Roles' }).waitFor();
    await s.api('GET', `${base}/scratch`, undefined, 404);
  });

  it('registers a service account public key, refusing a private one', async () => {
    await page.goto(`/console/service-accounts/${saId}`);
    await chooseOperatorOrg();
    await page.getByRole('heading', { level: 1, name: 'report-exporter' }).waitFor();
    if (!(await page.getByText(/Changes unlocked/).isVisible())) await unlockChanges(page);
    const credentialsUrl = `/api/v1/organizations/${s.admin.orgId}/service-accounts/${saId}/credentials`;
    // An account holds at most two working credentials: the secret rotated above still counts during its overlap; end it.
    await s.api('DELETE', `${credentialsUrl}/${oldCredentialId}?reason=rotated`);
    const before = (await s.api('GET', credentialsUrl)).items.length;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');

    // A private key pasted by mistake is refused and nothing is registered.
    await page.getByRole('button', { name: 'Add public key' }).click();
    const form = page.getByRole('form', { name: 'Add public key' });
    await form.getByLabel('Public key', { exact: true }).fill(JSON.stringify(privateKey.export({ format: 'jwk' })));
    await form.getByRole('button', { name: 'Register public key' }).click();
    await page.getByText('service_account.public_key_invalid').waitFor();
    expect((await s.api('GET', credentialsUrl)).items).toHaveLength(before);

    await form.getByLabel('Public key', { exact: true }).fill(publicKey.export({ format: 'pem', type: 'spki' }).toString());
    await form.getByRole('button', { name: 'Register public key' }).click();
    await page.getByRole('status').filter({ hasText: 'Registered public key EdDSA' }).waitFor();
    const items = (await s.api('GET', credentialsUrl)).items as Array<Record<string, unknown>>;
    expect(items).toHaveLength(before + 1);
    const key = items.find((c) => c.kind === 'public_key')!;
    expect(key).toMatchObject({ alg: 'EdDSA', status: 'active', thumbprint: expect.any(String) });
    await page.getByText(String(key.thumbprint)).first().waitFor();
    await s.screenshot(page, 'console-service-account-keys');
  });
});
