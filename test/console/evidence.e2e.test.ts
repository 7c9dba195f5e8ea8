import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { addPasskey, openSignedInConsole, startConsoleSuite, unlockChanges, type ConsoleSuite } from '../support/console.ts';
import { verifyEvidencePackage } from '../../src/evidence/package/verify-package.ts';
import { OffsetClock, playQuarter, previousQuarter, type QuarterPlay } from './evidence-fixtures.ts';

type Json = Record<string, any>;

describe.each(DIALECTS)('console evidence exports (%s)', (dialect) => {
  const clock = new OffsetClock();
  let s: ConsoleSuite;
  let play: QuarterPlay;
  const exports = async (): Promise<Json[]> => (await s.api<Json>('GET', '/api/v1/evidence/exports?org=acme&limit=50')).items;

  beforeAll(async () => {
    clock.set(new Date(Date.parse(`${previousQuarter().from}T00:00:00Z`) + 86_400_000));
    s = await startConsoleSuite(dialect, { clock });
    play = await playQuarter(s, clock);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('exports the last quarter through the UI, follows its progress, downloads the zip, and the file verifies offline', async () => {
    const { context, page } = await openSignedInConsole(s);
    await page.getByRole('combobox', { name: /^Organization/ }).selectOption({ label: 'Acme Corp (acme)' });
    await page.getByRole('link', { name: 'Evidence exports' }).click();
    await page.getByRole('heading', { name: 'Evidence', level: 1 }).waitFor();
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(play.window.from);
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe(play.window.to);

    // Before unlocking changes: the export is refused with the step-up notice, and nothing is created.
    await page.getByRole('button', { name: 'Run export' }).click();
    await page.getByText('Confirm it is you.').waitFor();
    expect(await exports()).toEqual([]);

    await addPasskey(page, '/console/evidence');
    await unlockChanges(page);

    // An invalid window (to before from): the API's stable code is shown, and no export exists.
    await page.getByLabel('From', { exact: true }).fill('2026-03-10');
    await page.getByLabel('To', { exact: true }).fill('2026-03-01');
    expect(await page.getByLabel('Period').inputValue()).toBe('custom');
    await page.getByRole('button', { name: 'Run export' }).click();
    await page.getByText('evidence.invalid_window', { exact: true }).waitFor();
    expect(await exports()).toEqual([]);

    // The real export, held at its end of reading so the running state can be seen.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ledger = s.t.rt.ledger as unknown as { consistencyProof: (...a: unknown[]) => Promise<unknown> };
    const original = ledger.consistencyProof;
    ledger.consistencyProof = async (...a: unknown[]) => {
      await held;
      return original.apply(s.t.rt.ledger, a);
    };
    try {
      await page.getByLabel('Period').selectOption('last-quarter');
      await page.getByLabel('Auditor’s seed').fill('auditor-q');
      await page.getByLabel('Sample sizes').fill('CC6.5/leavers=2');
      await page.getByRole('button', { name: 'Run export' }).click();
      const bar = page.getByRole('progressbar', { name: 'Export progress' });
      await bar.waitFor();
      await expect.poll(async () => bar.getAttribute('aria-valuetext'), { timeout: 15_000 }).toMatch(/^Reading the ledger… \d+%$/);
      const text = (await bar.getAttribute('aria-valuetext'))!;
      expect(await bar.getAttribute('aria-valuenow')).toBe(/(\d+)%$/.exec(text)![1]);
      await page.getByText(text, { exact: true }).waitFor();
      await s.screenshot(page, 'console-evidence');
    } finally {
      release();
      ledger.consistencyProof = original;
    }
    await page.getByRole('heading', { name: 'Evidence package ready' }).waitFor({ timeout: 60_000 });
    const [done] = await exports();
    expect(done).toMatchObject({ status: 'succeeded', from: `${play.window.from}T00:00:00.000Z`, to: `${play.window.to}T00:00:00.000Z`, seed: 'auditor-q', samples: { 'CC6.5/leavers': 2 }, progress: { percent: 100 } });

    // The summary: CC6.5 needs attention (eve outside the SLA), the hashes are the API's, the verify command has the published key.
    const cc65 = page.getByRole('row', { name: /CC6\.5/ });
    await expect.poll(async () => cc65.textContent()).toMatch(/attention/);
    expect(done.summary.find((c: Json) => c.id === 'CC6.5')).toMatchObject({ status: 'attention' });
    expect(await cc65.textContent()).toContain(done.summary.find((c: Json) => c.id === 'CC6.5').headline);
    expect(await page.getByTestId('package-sha256').textContent()).toBe(done.package.sha256);
    expect(await page.getByTestId('manifest-sha256').textContent()).toBe(done.package.manifestSha256);
    await expect.poll(async () => page.getByText(/keyledger evidence verify/).textContent()).toContain(s.t.rt.signer.verifierKey);
    await s.screenshot(page, 'console-evidence-done');

    // Download: the browser saves the server's file, and that file verifies offline against the published key.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download package' }).click()]);
    expect(download.suggestedFilename()).toBe(`keyledger-evidence-acme-${play.window.from}-${play.window.to}.zip`);
    const zip = new Uint8Array(readFileSync((await download.path())!));
    const report = verifyEvidencePackage(zip, { verifierKey: s.t.rt.signer.verifierKey });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, pinned: true });
    await page.getByText(/Saved as/).waitFor();

    // The ledger: requested and downloaded by the administrator, completed by the export job.
    const events = (await s.t.rt.ledger.listEvents({ actionPrefix: 'evidence.export.' }, { limit: 10 })).events;
    expect(events.map((e) => e.action)).toEqual(['evidence.export.requested', 'evidence.export.completed', 'evidence.export.downloaded']);
    for (const e of [events[0], events[2]]) expect(e.actor).toMatchObject({ type: 'user', id: s.admin.userId });
    expect(events[1].data).toMatchObject({ packageSha256: done.package.sha256 });

    // The export links to its events in the ledger explorer.
    expect(await page.getByRole('link', { name: /Events of this export/ }).getAttribute('href')).toBe(`/console/audit?action=evidence.export.&target=${done.id}`);

    // Past exports lists it with its download.
    const row = page.getByRole('table', { name: 'Past evidence exports' }).getByRole('row').nth(1);
    expect(await row.textContent()).toContain('succeeded');
    await row.getByRole('button', { name: /^Download/ }).waitFor();
    await context.close();
  }, 180_000);
});
