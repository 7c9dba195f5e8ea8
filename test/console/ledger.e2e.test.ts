import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { signInToConsole, startConsoleSuite, type ConsoleSuite } from '../support/console.ts';
import { verifierKeyString } from '../../src/audit/checkpoint-note.ts';

type Event = { id: string; seq: number; action: string };

/** Flips one bit of a base64 hash. */
function flipBit(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[7] ^= 0x01;
  return bytes.toString('base64');
}

describe.each(DIALECTS)('console ledger explorer (%s)', (dialect) => {
  let s: ConsoleSuite;
  let page: Page;
  let event: Event;

  /** An event's proof, once the sequencer has signed a checkpoint covering it. */
  async function waitForProof(id: string): Promise<{ proof: string[] }> {
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${s.baseUrl}/api/v1/audit/events/${id}/proof`, { headers: { authorization: `Bearer ${s.apiKey}` } });
      if (res.ok) return (await res.json()) as { proof: string[] };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no checkpoint covers event ${id}`);
  }

  beforeAll(async () => {
    s = await startConsoleSuite(dialect);
    await s.api('POST', '/api/v1/organizations', { slug: 'ledger-org', name: 'Ledger Org' }, 201);
    for (const n of [1, 2, 3]) await s.api('POST', '/api/v1/users', { email: `u${n}@ledger.test`, name: `User ${n}`, org: 'ledger-org' }, 201);
    const created = await s.api<{ items: Event[] }>('GET', '/api/v1/audit/events?action=identity.user.created&limit=10');
    event = created.items[1];
    // The sequencer signs a checkpoint (`keyledger start` runs it on a timer).
    await s.t.rt.sequencer.integrateAll();
    expect((await waitForProof(event.id)).proof.length).toBeGreaterThan(1);
    const context = await s.newContext();
    page = await context.newPage();
    await signInToConsole(page);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('lists events filtered on the server by action prefix, with the latest checkpoint', async () => {
    const created = (await s.api<{ items: Event[] }>('GET', '/api/v1/audit/events?action=identity.user.created&limit=100')).items;
    await page.goto('/console/audit');
    await page.getByRole('heading', { name: 'Audit ledger' }).waitFor();
    await page.getByLabel('Action starts with').fill('identity.user.created');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=identity\.user\.created/);
    const table = page.getByRole('table', { name: 'Ledger events' });
    // The administrator and the three users: as many rows as the API has such events, and nothing else.
    const expected = created.length;
    expect(expected).toBeGreaterThanOrEqual(4);
    await expect.poll(async () => table.getByRole('row').count()).toBe(expected + 1);
    expect(await table.getByText('identity.user.created').count()).toBe(expected);
    await page.getByRole('heading', { name: 'Latest checkpoint' }).waitFor();
    await page.getByText('Tree size').waitFor();
    await s.screenshot(page, 'console-ledger');
    // The filter that matches nothing says so.
    await page.getByLabel('Action starts with').fill('no.such.action');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No events match').waitFor();
  });

  it('refuses to verify before a key is pinned, then verifies the event with the pinned key: every step passes', async () => {
    await page.evaluate(() => localStorage.removeItem('keyledger.console.ledgerKey'));
    await page.goto(`/console/audit/events/${event.id}`);
    await page.getByRole('heading', { name: `Event #${event.seq}` }).waitFor();
    const verify = page.getByRole('button', { name: 'Verify in this browser' });
    expect(await verify.isDisabled()).toBe(true);
    await page.getByText(/Pin the ledger key you trust/).waitFor();

    const published = await (await fetch(`${s.baseUrl}/.well-known/keyledger/ledger-key`)).json();
    await page.getByLabel('Verifier key to trust').fill(published.verifierKey);
    await page.getByRole('button', { name: 'Pin this key' }).click();
    await page.getByText('Same key').waitFor();
    await verify.click();
    await page.getByText('Verified', { exact: true }).waitFor();
    const steps = page.getByRole('list', { name: 'Verification steps' }).getByRole('listitem');
    expect(await steps.count()).toBe(7);
    expect(await steps.getByText('passed', { exact: true }).count()).toBe(7);
    expect(await page.getByRole('list', { name: 'Verification steps' }).textContent()).not.toContain('✗');
    await page.getByText(`${published.keyName}+${published.keyId}`).first().waitFor();
    await s.screenshot(page, 'console-ledger-event');
  });

  it('a changed hash in the proof response fails at the inclusion proof: not verified', async () => {
    await page.route('**/api/v1/audit/events/*/proof', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.proof[1] = flipBit(body.proof[1]);
      await route.fulfill({ response: res, json: body });
    });
    await page.getByRole('button', { name: 'Verify in this browser' }).click();
    await page.getByText('Not verified').waitFor();
    const failed = page.getByRole('list', { name: 'Verification steps' }).getByRole('listitem').filter({ hasText: 'failed' });
    expect(await failed.first().textContent()).toContain('Inclusion proof recomputes a root');
    expect(await page.getByText(/the check “Inclusion proof recomputes a root” failed/).count()).toBe(1);
    await s.screenshot(page, 'console-ledger-event-failed');
    await page.unroute('**/api/v1/audit/events/*/proof');
  });

  it('a different pinned key (another Ed25519 key under the same name) fails at the key ID', async () => {
    const published = await (await fetch(`${s.baseUrl}/.well-known/keyledger/ledger-key`)).json();
    const impostor = verifierKeyString(published.keyName, generateKeyPairSync('ed25519').publicKey);
    await page.getByRole('button', { name: 'Pin another key' }).click();
    await page.getByLabel('Verifier key to trust').fill(impostor);
    await page.getByRole('button', { name: 'Pin this key' }).click();
    await page.getByText('Different key').waitFor();
    await page.getByRole('button', { name: 'Verify in this browser' }).click();
    await page.getByText('Not verified').waitFor();
    expect(await page.getByText(/the check “Checkpoint is signed by the pinned key” failed/).count()).toBe(1);
    // A malformed key is refused and the pinned one stays.
    await page.getByRole('button', { name: 'Pin another key' }).click();
    await page.getByLabel('Verifier key to trust').fill('not-a-key');
    await page.getByRole('button', { name: 'Pin this key' }).click();
    await page.getByText(/is not <name>\+<key id>\+<key>/).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('keyledger.console.ledgerKey'))).toBe(impostor);
  });
});
